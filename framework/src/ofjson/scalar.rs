//! Scalar JSON forms shared by matches, actions and flows: integers (number, decimal or
//! `0x` hex string), masked integers (`"0x10/0xf0"`), ports (number or reserved name),
//! MAC and IP addresses with optional masks, hex byte strings; and a reader for objects
//! that rejects unknown keys.

use std::net::{Ipv4Addr, Ipv6Addr};

use openflow::{port, MacAddr};
use serde_json::{Map, Value};

use super::{kind, OfJsonError};

/// Parses an integer string: decimal, or hex with a `0x` prefix.
fn int_str(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// An unsigned integer no greater than `max`, given as a JSON number or as a string.
pub(crate) fn uint(v: &Value, max: u64) -> Result<u64, String> {
    let n = match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{n} is not a non-negative integer"))?,
        Value::String(s) => int_str(s).ok_or_else(|| format!("\"{s}\" is not an integer"))?,
        other => return Err(format!("expected an integer, got {}", kind(other))),
    };
    if n > max {
        return Err(format!("{n} is out of range (max {max})"));
    }
    Ok(n)
}

pub(crate) fn u8_(v: &Value) -> Result<u8, String> {
    uint(v, u8::MAX.into()).map(|n| n as u8)
}
pub(crate) fn u16_(v: &Value) -> Result<u16, String> {
    uint(v, u16::MAX.into()).map(|n| n as u16)
}
pub(crate) fn u32_(v: &Value) -> Result<u32, String> {
    uint(v, u32::MAX.into()).map(|n| n as u32)
}
pub(crate) fn u64_(v: &Value) -> Result<u64, String> {
    uint(v, u64::MAX)
}

/// A maskable integer: a number (exact), or a string `"V"` or `"V/M"`.
pub(crate) fn masked_uint(v: &Value, max: u64) -> Result<(u64, Option<u64>), String> {
    if let Value::String(s) = v {
        if let Some((a, b)) = s.split_once('/') {
            let a = uint(&Value::String(a.to_string()), max)?;
            let b = uint(&Value::String(b.to_string()), max)?;
            return Ok((a, Some(b)));
        }
    }
    Ok((uint(v, max)?, None))
}

/// JSON of a maskable integer: exact → number, masked → `"0xV/0xM"`.
pub(crate) fn masked_uint_json(v: u64, m: Option<u64>) -> Value {
    match m {
        None => Value::from(v),
        Some(m) => Value::String(format!("{v:#x}/{m:#x}")),
    }
}

const RESERVED_PORTS: [u32; 8] = [
    port::IN_PORT,
    port::TABLE,
    port::NORMAL,
    port::FLOOD,
    port::ALL,
    port::CONTROLLER,
    port::LOCAL,
    port::ANY,
];

/// A port: a number, or a reserved name (`"CONTROLLER"`, `"FLOOD"`, `"IN_PORT"`, `"TABLE"`,
/// `"NORMAL"`, `"ALL"`, `"LOCAL"`, `"ANY"`, any case).
pub fn port_from_json(v: &Value) -> Result<u32, OfJsonError> {
    port_(v).map_err(|r| OfJsonError::new("", r))
}

pub(crate) fn port_(v: &Value) -> Result<u32, String> {
    if let Value::String(s) = v {
        let up = s.trim().to_ascii_uppercase();
        if let Some(p) = RESERVED_PORTS
            .iter()
            .find(|&&p| port::name(p) == Some(up.as_str()))
        {
            return Ok(*p);
        }
        if int_str(s).is_none() {
            return Err(format!(
                "\"{s}\" is not a port (a number or one of IN_PORT, TABLE, NORMAL, FLOOD, ALL, \
                 CONTROLLER, LOCAL, ANY)"
            ));
        }
    }
    u32_(v)
}

/// JSON of a port: reserved ports by name, others as numbers.
pub fn port_to_json(p: u32) -> Value {
    match port::name(p) {
        Some(n) => Value::String(n.to_string()),
        None => Value::from(p),
    }
}

fn string<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("expected {what} as a string, got {}", kind(v)))
}

fn mac(s: &str) -> Result<MacAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("\"{s}\" is not a MAC address (xx:xx:xx:xx:xx:xx)"))
}

/// A MAC address, `"aa:bb:cc:dd:ee:ff"` or with a mask `"…/ff:ff:ff:00:00:00"`.
pub(crate) fn masked_mac(v: &Value) -> Result<(MacAddr, Option<MacAddr>), String> {
    let s = string(v, "a MAC address")?;
    match s.split_once('/') {
        Some((a, m)) => Ok((mac(a)?, Some(mac(m)?))),
        None => Ok((mac(s)?, None)),
    }
}

pub(crate) fn exact_mac(v: &Value) -> Result<MacAddr, String> {
    mac(string(v, "a MAC address")?)
}

/// `"V"` or `"V/M"` with any `Display`.
pub(crate) fn masked_str<T: std::fmt::Display>(v: &T, m: &Option<T>) -> Value {
    Value::String(match m {
        Some(m) => format!("{v}/{m}"),
        None => v.to_string(),
    })
}

/// An IPv4 address, `"10.0.0.1"`, `"10.0.0.0/255.0.0.0"` or `"10.0.0.0/8"`.
pub(crate) fn masked_ipv4(v: &Value) -> Result<(Ipv4Addr, Option<Ipv4Addr>), String> {
    let s = string(v, "an IPv4 address")?;
    let ip = |x: &str| -> Result<Ipv4Addr, String> {
        x.trim()
            .parse()
            .map_err(|_| format!("\"{s}\" is not an IPv4 address"))
    };
    let Some((a, m)) = s.split_once('/') else {
        return Ok((ip(s)?, None));
    };
    if m.contains('.') {
        return Ok((ip(a)?, Some(ip(m)?)));
    }
    match m.trim().parse::<u32>() {
        Ok(len @ 0..=32) => {
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            Ok((ip(a)?, Some(Ipv4Addr::from(mask))))
        }
        _ => Err(format!(
            "\"{s}\": bad mask (dotted quad or prefix length 0-32)"
        )),
    }
}

/// An IPv6 address, `"2001:db8::1"`, `"2001:db8::/ffff:ffff::"` or `"2001:db8::/32"`.
pub(crate) fn masked_ipv6(v: &Value) -> Result<(Ipv6Addr, Option<Ipv6Addr>), String> {
    let s = string(v, "an IPv6 address")?;
    let Some((a, m)) = s.split_once('/') else {
        return Ok((ipv6(s)?, None));
    };
    if m.contains(':') {
        return Ok((ipv6(a)?, Some(ipv6(m)?)));
    }
    match m.trim().parse::<u32>() {
        Ok(len @ 0..=128) => {
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            Ok((ipv6(a)?, Some(Ipv6Addr::from(mask))))
        }
        _ => Err(format!(
            "\"{s}\": bad mask (IPv6 address or prefix length 0-128)"
        )),
    }
}

fn ipv6(s: &str) -> Result<Ipv6Addr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("\"{s}\" is not an IPv6 address"))
}

pub(crate) fn exact_ipv6(v: &Value) -> Result<Ipv6Addr, String> {
    ipv6(string(v, "an IPv6 address")?)
}

/// Bytes from a hex string (whitespace and `:` separators allowed).
pub(crate) fn hex_bytes(v: &Value) -> Result<bytes::Bytes, String> {
    let s = string(v, "hex bytes")?;
    let clean: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    hex::decode(&clean)
        .map(bytes::Bytes::from)
        .map_err(|e| format!("\"{s}\" is not hex bytes: {e}"))
}

pub(crate) fn bool_(v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("expected true or false, got {}", kind(v)))
}

/// Reads a JSON object field by field, then rejects keys nobody asked for (typos).
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    seen: Vec<&'a str>,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a Value) -> Result<Self, OfJsonError> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                seen: Vec::new(),
            }),
            other => Err(OfJsonError::new(
                "",
                format!("expected an object, got {}", kind(other)),
            )),
        }
    }

    /// The value of `key`, if present and not null.
    pub(crate) fn opt(&mut self, key: &'a str) -> Option<&'a Value> {
        self.seen.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Parses `key` with `f` if present; the error names the key.
    pub(crate) fn parse<T>(
        &mut self,
        key: &'a str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, OfJsonError> {
        match self.opt(key) {
            Some(v) => f(v).map(Some).map_err(|r| OfJsonError::new(key, r)),
            None => Ok(None),
        }
    }

    /// Like [`Obj::parse`] but the key must be present.
    pub(crate) fn req<T>(
        &mut self,
        key: &'a str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<T, OfJsonError> {
        self.parse(key, f)?
            .ok_or_else(|| OfJsonError::new(key, "missing"))
    }

    /// Marks keys as known without reading them.
    pub(crate) fn allow(&mut self, keys: &[&'a str]) {
        self.seen.extend_from_slice(keys);
    }

    /// Fails on the first key that was never asked for.
    pub(crate) fn finish(self) -> Result<(), OfJsonError> {
        match self.map.keys().find(|k| !self.seen.contains(&k.as_str())) {
            Some(k) => Err(OfJsonError::new(k.as_str(), "unknown field")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers() {
        assert_eq!(uint(&json!(7), 10), Ok(7));
        assert_eq!(uint(&json!("0x10"), 100), Ok(16));
        assert_eq!(uint(&json!("12"), 100), Ok(12));
        assert!(uint(&json!(-1), 10).is_err());
        assert!(uint(&json!(1.5), 10).is_err());
        assert!(uint(&json!(11), 10).unwrap_err().contains("out of range"));
        assert_eq!(masked_uint(&json!("0x10/0xf0"), 255), Ok((16, Some(0xf0))));
    }

    #[test]
    fn ports() {
        assert_eq!(port_(&json!("controller")), Ok(port::CONTROLLER));
        assert_eq!(port_(&json!(3)), Ok(3));
        assert_eq!(port_(&json!("3")), Ok(3));
        assert!(port_(&json!("SIDEWAYS")).is_err());
        for p in RESERVED_PORTS {
            assert_eq!(port_(&port_to_json(p)), Ok(p));
        }
    }

    #[test]
    fn addresses() {
        let (a, m) = masked_ipv4(&json!("10.0.0.0/8")).unwrap();
        assert_eq!(
            (a, m),
            (
                "10.0.0.0".parse().unwrap(),
                Some("255.0.0.0".parse().unwrap())
            )
        );
        assert_eq!(
            masked_ipv4(&json!("10.0.0.0/0")).unwrap().1,
            Some(Ipv4Addr::UNSPECIFIED)
        );
        assert!(masked_ipv4(&json!("10.0.0.300")).is_err());
        assert!(masked_ipv4(&json!("10.0.0.0/33")).is_err());
        let (_, m) = masked_ipv6(&json!("2001:db8::/32")).unwrap();
        assert_eq!(m, Some("ffff:ffff::".parse().unwrap()));
        assert!(masked_mac(&json!("00:00:00:00:00:01/ff:ff:ff:ff:ff:00")).is_ok());
        assert!(masked_mac(&json!(5)).is_err());
        assert_eq!(
            hex_bytes(&json!("00:ff 10")).unwrap().as_ref(),
            &[0, 0xff, 0x10]
        );
    }
}
