//! Datapath ids: the 64-bit number that names a switch.
//!
//! One type for the whole workspace, so that a datapath id is never confused with a port, a
//! cookie or an xid, and is written the same way everywhere: 16 lowercase hex digits, as
//! Open vSwitch and the REST API print it.

use std::fmt;
use std::str::FromStr;

/// A datapath id.
///
/// `Display` (and serde serialisation) writes 16 lowercase hex digits. Parsing
/// ([`FromStr`], and serde deserialisation from a string) accepts, after trimming white space:
///
/// - `0x` or `0X` followed by 1 to 16 hex digits;
/// - exactly 16 hex digits, optionally separated by colons (`00:00:00:00:00:00:00:01`, as
///   `ovs-ofctl` prints them) — so a 16-character string of decimal digits is read as hex;
/// - otherwise a decimal number that fits in 64 bits.
///
/// Deserialisation also takes a (non-negative) number, as JSON or TOML writes it.
///
/// ```
/// use openflow::Dpid;
///
/// let d: Dpid = "0000000000000010".parse().unwrap();
/// assert_eq!(d, Dpid(16));
/// assert_eq!("16".parse::<Dpid>().unwrap(), d);
/// assert_eq!("0x10".parse::<Dpid>().unwrap(), d);
/// assert_eq!(d.to_string(), "0000000000000010");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Dpid(pub u64);

impl Dpid {
    /// The id as a number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Dpid {
    fn from(v: u64) -> Self {
        Dpid(v)
    }
}

impl From<Dpid> for u64 {
    fn from(d: Dpid) -> Self {
        d.0
    }
}

impl fmt::Display for Dpid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for Dpid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dpid({:016x})", self.0)
    }
}

/// Error for a string that is not a datapath id (see [`Dpid`] for the accepted forms).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a datapath id (expected 16 hex digits, 0x… hex or a decimal number)")]
pub struct ParseDpidError(pub String);

impl FromStr for Dpid {
    type Err = ParseDpidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDpidError(s.to_string());
        let t = s.trim();
        if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            return parse_hex(hex, 1..=16).ok_or_else(err);
        }
        let without_colons: String = t.chars().filter(|c| *c != ':').collect();
        if without_colons.len() == 16 {
            return parse_hex(&without_colons, 16..=16).ok_or_else(err);
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse().map(Dpid).map_err(|_| err());
        }
        Err(err())
    }
}

/// `digits` as a hex number, if it has an accepted length and only hex digits (no sign).
fn parse_hex(digits: &str, len: std::ops::RangeInclusive<usize>) -> Option<Dpid> {
    if !len.contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok().map(Dpid)
}

impl serde::Serialize for Dpid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Dpid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DpidVisitor)
    }
}

struct DpidVisitor;

impl serde::de::Visitor<'_> for DpidVisitor {
    type Value = Dpid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a datapath id: 16 hex digits, 0x… hex or a decimal number")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dpid, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dpid, E> {
        Ok(Dpid(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dpid, E> {
        u64::try_from(v)
            .map(Dpid)
            .map_err(|_| E::custom(format!("{v} is not a datapath id (negative)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_16_hex_digits() {
        assert_eq!(Dpid(1).to_string(), "0000000000000001");
        assert_eq!(Dpid(u64::MAX).to_string(), "ffffffffffffffff");
        assert_eq!(format!("{:?}", Dpid(0xab)), "Dpid(00000000000000ab)");
    }

    #[test]
    fn parses_every_documented_form() {
        let ok = [
            ("0000000000000001", 1),
            ("00000000000000ff", 255),
            ("00:00:00:00:00:00:00:ff", 255),
            ("  0000000000000002\n", 2),
            ("0x1f", 31),
            ("0XFFFFFFFFFFFFFFFF", u64::MAX),
            ("42", 42),
            ("18446744073709551615", u64::MAX),
            // 16 characters are hex even when they are all decimal digits.
            ("0000000000000010", 16),
        ];
        for (s, v) in ok {
            assert_eq!(s.parse::<Dpid>(), Ok(Dpid(v)), "{s:?}");
        }
        let bad = [
            "",
            "0x",
            "0x12345678901234567",
            "ff",
            "-1",
            "+1",
            "1:2",
            "000000000000000g",
            "18446744073709551616",
        ];
        for s in bad {
            assert!(s.parse::<Dpid>().is_err(), "{s:?} parsed");
        }
    }

    #[test]
    fn serde_writes_hex_and_reads_strings_and_numbers() {
        assert_eq!(
            serde_json::to_string(&Dpid(2)).unwrap(),
            r#""0000000000000002""#
        );
        for json in [r#""0000000000000002""#, r#""2""#, "2", r#""0x2""#] {
            assert_eq!(
                serde_json::from_str::<Dpid>(json).unwrap(),
                Dpid(2),
                "{json}"
            );
        }
        assert!(serde_json::from_str::<Dpid>("-2").is_err());
        assert!(serde_json::from_str::<Dpid>("true").is_err());
    }

    #[test]
    fn converts_to_and_from_u64() {
        let d: Dpid = 7u64.into();
        assert_eq!(u64::from(d), 7);
        assert_eq!(d.get(), 7);
    }
}
