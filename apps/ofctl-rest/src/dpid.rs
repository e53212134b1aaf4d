//! Datapath ids as Ryu's ofctl_rest reads them (`int(str(dpid), 0)`): a decimal number or
//! `0x`-prefixed hex, in a path segment or in a body's `dpid` key (number or string).

use openflow::Dpid;
use serde_json::Value;
use viola_framework::rest::ApiError;

/// Parses a dpid text; `None` when it is neither decimal nor `0x…` hex.
pub fn parse_dpid(text: &str) -> Option<Dpid> {
    let t = text.trim();
    let n = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok()?,
        None => return None,
    };
    Some(Dpid(n))
}

/// A path segment's dpid, or Ryu's 400.
pub fn path_dpid(text: &str) -> Result<Dpid, ApiError> {
    parse_dpid(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "bad datapath id \"{text}\": expected a decimal number or 0x-prefixed hex"
        ))
    })
}

/// The `dpid` key of a command body (Ryu takes it from there), or Ryu's 400.
pub fn body_dpid(body: &Value) -> Result<Dpid, ApiError> {
    match body.get("dpid") {
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Dpid)
            .ok_or_else(|| ApiError::bad_request(format!("dpid: {n} is not a datapath id"))),
        Some(Value::String(s)) => path_dpid(s),
        Some(other) => Err(ApiError::bad_request(format!(
            "dpid: expected a number or a string, got {other}"
        ))),
        None => Err(ApiError::bad_request("the body has no \"dpid\" key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_hex_as_ryu_reads_them() {
        assert_eq!(parse_dpid("1"), Some(Dpid(1)));
        assert_eq!(
            parse_dpid("123917682137283"),
            Some(Dpid(123_917_682_137_283))
        );
        assert_eq!(parse_dpid("0x1f"), Some(Dpid(31)));
        assert_eq!(parse_dpid("1f"), None);
        assert_eq!(parse_dpid(""), None);
        assert_eq!(parse_dpid("-1"), None);
        assert_eq!(parse_dpid("18446744073709551616"), None);
        assert_eq!(body_dpid(&serde_json::json!({"dpid": 2})).unwrap(), Dpid(2));
        assert_eq!(
            body_dpid(&serde_json::json!({"dpid": "0x2"})).unwrap(),
            Dpid(2)
        );
        assert_eq!(
            body_dpid(&serde_json::json!({"dpid": -2}))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(body_dpid(&serde_json::json!({})).unwrap_err().status, 400);
    }
}
