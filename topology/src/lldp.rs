//! The LLDP probes Viola sends and recognises.
//!
//! Frame: destination 01:80:c2:00:00:0e, ethertype 0x88cc, then the TLVs
//! Chassis ID (subtype 0x07 "locally assigned", text `dpid:<16 hex digits>`),
//! Port ID (subtype 0x02 "port component", the 32-bit port number big-endian),
//! TTL, an optional organisationally specific TLV carrying an HMAC-SHA256 tag, and End.
//! The frame is zero-padded to the 60-byte Ethernet minimum.
//!
//! The authentication TLV (type 0x7f) holds the OUI 56:49:4f (locally administered bit set,
//! so it cannot collide with an IEEE-assigned OUI), subtype 0x01, an 8-byte stamp and a
//! 32-byte HMAC-SHA256 over `"viola-lldp-v1" ‖ dpid ‖ port ‖ stamp`. The stamp is the
//! sender's clock in milliseconds, so the receiver also rejects stale replays.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use openflow::MacAddr;
use sha2::Sha256;

use crate::types::Dpid;

/// Ethertype of LLDP.
pub const ETHERTYPE_LLDP: u16 = 0x88cc;
/// Organisationally unique id of the authentication TLV.
pub const AUTH_OUI: [u8; 3] = [0x56, 0x49, 0x4f];
/// Subtype of the authentication TLV.
pub const AUTH_SUBTYPE: u8 = 0x01;

const TLV_END: u8 = 0x00;
const TLV_CHASSIS_ID: u8 = 0x01;
const TLV_PORT_ID: u8 = 0x02;
const TLV_TTL: u8 = 0x03;
const TLV_ORG_SPECIFIC: u8 = 0x7f;
const CHASSIS_SUBTYPE_LOCAL: u8 = 0x07;
const PORT_SUBTYPE_COMPONENT: u8 = 0x02;
const CHASSIS_PREFIX: &[u8] = b"dpid:";
const TTL_SECONDS: u16 = 0x0078;
const MIN_FRAME: usize = 60;
const HMAC_DOMAIN: &[u8] = b"viola-lldp-v1";
const TAG_LEN: usize = 32;

/// What a probe frame says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub dpid: Dpid,
    pub port: u32,
    /// `(stamp, tag)` when the frame carried the authentication TLV.
    pub auth: Option<(u64, [u8; TAG_LEN])>,
}

/// Why a frame is not a usable probe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LldpError {
    #[error("not an LLDP frame")]
    NotLldp,
    #[error("truncated LLDP frame")]
    Truncated,
    #[error("LLDP frame without a Viola chassis id or port id (another agent's LLDP)")]
    Foreign,
    #[error("LLDP probe without a valid authentication tag")]
    BadTag,
    #[error("LLDP probe too old or from the future (stamp {stamp} ms, now {now} ms)")]
    Stale { stamp: u64, now: u64 },
}

fn tag(key: &[u8], dpid: Dpid, port: u32, stamp: u64) -> Option<[u8; TAG_LEN]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(HMAC_DOMAIN);
    mac.update(&dpid.get().to_be_bytes());
    mac.update(&port.to_be_bytes());
    mac.update(&stamp.to_be_bytes());
    Some(mac.finalize().into_bytes().into())
}

fn push_tlv(out: &mut Vec<u8>, tlv_type: u8, value: &[u8]) {
    // 7-bit type, 9-bit length; every value here is far below 512 bytes.
    let header = (u16::from(tlv_type) << 9) | (value.len() as u16 & 0x01ff);
    out.extend_from_slice(&header.to_be_bytes());
    out.extend_from_slice(value);
}

/// Builds the probe sent out of `port` of `dpid` (source MAC: the port's address). With a
/// key, the frame carries the authentication TLV for `stamp_ms`.
pub fn build(dpid: Dpid, port: u32, src: MacAddr, key: Option<&[u8]>, stamp_ms: u64) -> Bytes {
    let mut out = Vec::with_capacity(112);
    out.extend_from_slice(&MacAddr::LLDP_NEAREST_BRIDGE.0);
    out.extend_from_slice(&src.0);
    out.extend_from_slice(&ETHERTYPE_LLDP.to_be_bytes());
    let mut chassis = vec![CHASSIS_SUBTYPE_LOCAL];
    chassis.extend_from_slice(CHASSIS_PREFIX);
    chassis.extend_from_slice(dpid.to_string().as_bytes());
    push_tlv(&mut out, TLV_CHASSIS_ID, &chassis);
    let mut port_id = vec![PORT_SUBTYPE_COMPONENT];
    port_id.extend_from_slice(&port.to_be_bytes());
    push_tlv(&mut out, TLV_PORT_ID, &port_id);
    push_tlv(&mut out, TLV_TTL, &TTL_SECONDS.to_be_bytes());
    if let Some(t) = key.and_then(|k| tag(k, dpid, port, stamp_ms)) {
        let mut v = Vec::with_capacity(4 + 8 + TAG_LEN);
        v.extend_from_slice(&AUTH_OUI);
        v.push(AUTH_SUBTYPE);
        v.extend_from_slice(&stamp_ms.to_be_bytes());
        v.extend_from_slice(&t);
        push_tlv(&mut out, TLV_ORG_SPECIFIC, &v);
    }
    push_tlv(&mut out, TLV_END, &[]);
    if out.len() < MIN_FRAME {
        out.resize(MIN_FRAME, 0);
    }
    Bytes::from(out)
}

/// Parses a frame as a Viola probe (untagged LLDP only). Does not check the tag: see
/// [`verify`].
pub fn parse(frame: &[u8]) -> Result<Probe, LldpError> {
    let ethertype = frame.get(12..14).ok_or(LldpError::NotLldp)?;
    if u16::from_be_bytes([ethertype[0], ethertype[1]]) != ETHERTYPE_LLDP {
        return Err(LldpError::NotLldp);
    }
    let mut rest = frame.get(14..).ok_or(LldpError::Truncated)?;
    let (mut dpid, mut port, mut auth) = (None, None, None);
    loop {
        let header = rest.get(..2).ok_or(LldpError::Truncated)?;
        let header = u16::from_be_bytes([header[0], header[1]]);
        let (tlv_type, len) = ((header >> 9) as u8, usize::from(header & 0x01ff));
        let value = rest.get(2..2 + len).ok_or(LldpError::Truncated)?;
        rest = rest.get(2 + len..).ok_or(LldpError::Truncated)?;
        match tlv_type {
            TLV_END => break,
            TLV_CHASSIS_ID => dpid = parse_chassis(value),
            TLV_PORT_ID => port = parse_port(value),
            TLV_ORG_SPECIFIC => auth = auth.or_else(|| parse_auth(value)),
            _ => {}
        }
    }
    match (dpid, port) {
        (Some(dpid), Some(port)) => Ok(Probe { dpid, port, auth }),
        _ => Err(LldpError::Foreign),
    }
}

fn parse_chassis(v: &[u8]) -> Option<Dpid> {
    let (&subtype, text) = v.split_first()?;
    if subtype != CHASSIS_SUBTYPE_LOCAL {
        return None;
    }
    let hex = text.strip_prefix(CHASSIS_PREFIX)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(hex).ok()?, 16)
        .ok()
        .map(Dpid)
}

fn parse_port(v: &[u8]) -> Option<u32> {
    match v {
        [PORT_SUBTYPE_COMPONENT, a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

fn parse_auth(v: &[u8]) -> Option<(u64, [u8; TAG_LEN])> {
    if v.get(..3)? != AUTH_OUI || *v.get(3)? != AUTH_SUBTYPE || v.len() != 4 + 8 + TAG_LEN {
        return None;
    }
    let stamp = u64::from_be_bytes(v.get(4..12)?.try_into().ok()?);
    let t: [u8; TAG_LEN] = v.get(12..)?.try_into().ok()?;
    Some((stamp, t))
}

/// Checks a probe against `key`: the tag must be present and valid and its stamp no older
/// than `max_age_ms` (nor more than that in the future) at `now_ms`.
pub fn verify(probe: &Probe, key: &[u8], now_ms: u64, max_age_ms: u64) -> Result<(), LldpError> {
    let (stamp, got) = probe.auth.ok_or(LldpError::BadTag)?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| LldpError::BadTag)?;
    mac.update(HMAC_DOMAIN);
    mac.update(&probe.dpid.get().to_be_bytes());
    mac.update(&probe.port.to_be_bytes());
    mac.update(&stamp.to_be_bytes());
    // Constant-time comparison.
    mac.verify_slice(&got).map_err(|_| LldpError::BadTag)?;
    if stamp.abs_diff(now_ms) > max_age_ms {
        return Err(LldpError::Stale { stamp, now: now_ms });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);

    #[test]
    fn round_trip_without_key() {
        let f = build(Dpid(0x0000_0000_0000_002a), 3, SRC, None, 0);
        assert_eq!(f.len(), MIN_FRAME);
        assert_eq!(&f[..6], &MacAddr::LLDP_NEAREST_BRIDGE.0);
        assert_eq!(&f[12..14], &[0x88, 0xcc]);
        let p = parse(&f).unwrap();
        assert_eq!((p.dpid, p.port, p.auth), (Dpid(42), 3, None));
    }

    #[test]
    fn tlv_layout_is_standard() {
        let f = build(Dpid(1), 0x0102_0304, SRC, None, 0);
        // Chassis ID: type 1, length 22, subtype 7, "dpid:0000000000000001".
        assert_eq!(&f[14..17], &[0x02, 0x16, 0x07]);
        assert_eq!(&f[17..38], b"dpid:0000000000000001");
        // Port ID: type 2, length 5, subtype 2, port number.
        assert_eq!(&f[38..45], &[0x04, 0x05, 0x02, 0x01, 0x02, 0x03, 0x04]);
        // TTL 120, then End.
        assert_eq!(&f[45..51], &[0x06, 0x02, 0x00, 0x78, 0x00, 0x00]);
    }

    #[test]
    fn tagged_probe_verifies_only_with_the_key() {
        let f = build(Dpid(7), 2, SRC, Some(b"secret"), 1_000);
        let p = parse(&f).unwrap();
        assert!(p.auth.is_some());
        assert_eq!(verify(&p, b"secret", 1_500, 3_500), Ok(()));
        assert_eq!(verify(&p, b"other", 1_500, 3_500), Err(LldpError::BadTag));
        assert!(matches!(
            verify(&p, b"secret", 9_000, 3_500),
            Err(LldpError::Stale { .. })
        ));
        let untagged = parse(&build(Dpid(7), 2, SRC, None, 0)).unwrap();
        assert_eq!(
            verify(&untagged, b"secret", 0, 3_500),
            Err(LldpError::BadTag)
        );
    }

    #[test]
    fn forged_fields_break_the_tag() {
        let f = build(Dpid(7), 2, SRC, Some(b"secret"), 1_000);
        let mut forged = f.to_vec();
        // Claim port 3 instead of 2: the tag no longer matches.
        forged[44] = 3;
        let p = parse(&forged).unwrap();
        assert_eq!(p.port, 3);
        assert_eq!(verify(&p, b"secret", 1_000, 3_500), Err(LldpError::BadTag));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        let f = build(Dpid(7), 2, SRC, Some(b"k"), 5);
        for n in 0..f.len() {
            let _ = parse(&f[..n]);
        }
        assert_eq!(parse(&[0u8; 10]), Err(LldpError::NotLldp));
        let mut other = vec![0u8; 12];
        other.extend_from_slice(&[0x88, 0xcc, 0x02, 0x07, 0x04, 1, 2, 3, 4, 5, 6, 0, 0]);
        assert_eq!(parse(&other), Err(LldpError::Foreign));
        let mut truncated = vec![0u8; 12];
        truncated.extend_from_slice(&[0x88, 0xcc, 0x02, 0x30, 0x07]);
        assert_eq!(parse(&truncated), Err(LldpError::Truncated));
    }
}
