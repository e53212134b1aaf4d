//! RFC 3339 timestamps (`taken_at`): written in UTC with milliseconds, read in any offset.
//!
//! Small enough to keep here rather than pull a date crate into the workspace.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `now` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// The current time, see [`rfc3339`].
pub fn now() -> String {
    rfc3339(SystemTime::now())
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian calendar;
/// eras of 400 years, March-based years so the leap day is last).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Checks the shape of an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`,
/// with fields in range. Returns why not.
pub fn check(s: &str) -> Result<(), String> {
    let bad = || format!("\"{s}\" is not an RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)");
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| num_in(s, r);
    let sep_ok = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    let (Some(_y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return Err(bad());
    };
    if !sep_ok || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60
    {
        return Err(bad());
    }
    let mut rest = s.get(19..).ok_or_else(bad)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        rest = frac.get(digits..).ok_or_else(bad)?;
    }
    match rest {
        "Z" | "z" => Ok(()),
        off if off.len() == 6 && (off.starts_with('+') || off.starts_with('-')) => {
            let ob = off.as_bytes();
            let hh = num_in(off, 1..3);
            let mm = num_in(off, 4..6);
            match (ob.get(3), hh, mm) {
                (Some(b':'), Some(hh), Some(mm)) if hh <= 23 && mm <= 59 => Ok(()),
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

fn num_in(s: &str, r: std::ops::Range<usize>) -> Option<u32> {
    let part = s.get(r)?;
    if part.bytes().all(|c| c.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day of a century divisible by 400) 12:34:56.789.
        let t = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(rfc3339(t), "2026-12-31T23:59:59.000Z");
        assert!(check(&now()).is_ok());
    }

    #[test]
    fn checks_shapes() {
        for ok in [
            "2026-11-22T06:43:10Z",
            "2026-11-22T06:43:10.5Z",
            "2026-11-22T06:43:10+01:00",
            "2026-11-22t06:43:10.123456-05:30",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2026-11-22",
            "2026-13-22T06:43:10Z",
            "2026-11-22T24:43:10Z",
            "2026-11-22T06:43:10",
            "2026-11-22T06:43:10.Z",
            "2026-11-22T06:43:10+0100",
            "yesterday at noon, roughly",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
