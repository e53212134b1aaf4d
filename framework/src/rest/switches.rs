//! `GET /api/v1/switches` and `GET /api/v1/switches/{dpid}`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::{ApiError, DpidPath};
use crate::{Controller, SwitchInfo};

/// The JSON form of a connected switch.
pub fn switch_json(s: &SwitchInfo) -> Value {
    let since = s
        .connected_at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let uptime = SystemTime::now()
        .duration_since(s.connected_at)
        .unwrap_or_default();
    json!({
        "dpid": s.dpid.to_string(),
        "version": s.version,
        "address": s.addr.to_string(),
        "n_tables": s.n_tables,
        "n_buffers": s.n_buffers,
        "capabilities": s.capabilities,
        "ports": s.ports,
        "connected_since": rfc3339(since.as_secs()),
        "connected_since_unix": since.as_secs_f64(),
        "uptime_s": uptime.as_secs_f64(),
    })
}

pub(crate) async fn list(State(ctl): State<Controller>) -> Json<Value> {
    Json(Value::Array(
        ctl.switches().iter().map(switch_json).collect(),
    ))
}

pub(crate) async fn one(
    State(ctl): State<Controller>,
    DpidPath(dpid): DpidPath,
) -> Result<Json<Value>, ApiError> {
    ctl.switch(dpid)
        .map(|s| Json(switch_json(&s)))
        .ok_or_else(|| ApiError::unknown_switch(dpid))
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (UTC; proleptic Gregorian).
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
