//! 1.5 additions around the control channel and the switch: CONTROLLER_STATUS (message and
//! multipart), BUNDLE_FEATURES, and meter features with a `features` word.

use bytes::Bytes;

use crate::v13;
use crate::v13::wire::{self, need, pad, u16_, u32_, Res};
use crate::v14::prop::{self, Prop};
use crate::{DecodeError, EncodeError};

/// `ofp_controller_status_prop_type`.
pub mod controller_status_prop {
    /// The controller's URI (`tcp:host:port`…), as text.
    pub const URI: u16 = 0;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_controller_status` (CONTROLLER_STATUS message and multipart reply entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerStatus {
    pub short_id: u16,
    /// `ofp_controller_role`.
    pub role: u32,
    /// `ofp_controller_status_reason`: 0 request, 1 channel status, 2 role, 3 controller
    /// added, 4 removed, 5 short id, 6 experimenter.
    pub reason: u8,
    /// `ofp_control_channel_status`: 0 up, 1 down.
    pub channel_status: u8,
    pub properties: Vec<Prop>,
}

impl ControllerStatus {
    /// The URI property as text, if present and UTF-8.
    pub fn uri(&self) -> Option<&str> {
        let p = self
            .properties
            .iter()
            .find(|p| p.prop_type == controller_status_prop::URI)?;
        std::str::from_utf8(&p.data).ok()
    }
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length under the fixed part or past the body",
    }
}

/// Parses one `ofp_controller_status` at the head of `i`.
pub fn parse_controller_status<'a>(
    src: &Bytes,
    i: &'a [u8],
) -> Result<(ControllerStatus, &'a [u8]), DecodeError> {
    let (e, rest) = wire::tlv_at0(i, 16, bad("controller_status"))?;
    let s = ControllerStatus {
        short_id: u16::from_be_bytes([e[2], e[3]]),
        role: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
        reason: e[8],
        channel_status: e[9],
        properties: prop::parse_props(src, &e[16..], "controller_status property")?,
    };
    Ok((s, rest))
}

pub fn parse_controller_statuses(
    src: &Bytes,
    i: &[u8],
) -> Result<Vec<ControllerStatus>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (s, r) = parse_controller_status(src, rest)?;
        out.push(s);
        rest = r;
    }
    Ok(out)
}

pub fn encode_controller_status(
    s: &ControllerStatus,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u16(out, 0);
    wire::put_u16(out, s.short_id);
    wire::put_u32(out, s.role);
    out.extend_from_slice(&[s.reason, s.channel_status]);
    wire::put_zeros(out, 6);
    prop::encode_props(&s.properties, out)?;
    wire::patch_len_since(out, start, start)
}

/// `ofp_bundle_feature_prop_type`.
pub mod bundle_feature_prop {
    /// Scheduling limits: `pad[4]`, then four `ofp_time` (sched_accuracy, sched_max_future,
    /// sched_max_past, timestamp).
    pub const TIME: u16 = 1;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// BUNDLE_FEATURES multipart request (`ofp_bundle_features_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFeaturesRequest {
    /// `ofp_bundle_feature_flags`: 1 timestamp, 2 time properties wanted.
    pub feature_request_flags: u32,
    pub properties: Vec<Prop>,
}

/// BUNDLE_FEATURES multipart reply (`ofp_bundle_features`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFeatures {
    /// `ofp_bundle_flags` the switch supports (atomic 1, ordered 2, time 4).
    pub capabilities: u16,
    pub properties: Vec<Prop>,
}

fn word_pad4(i: &[u8]) -> Res<'_, u32> {
    let (i, _) = need(i, "bundle features", 8)?;
    let (i, v) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    Ok((i, v))
}

fn half_pad6(i: &[u8]) -> Res<'_, u16> {
    let (i, _) = need(i, "bundle features", 8)?;
    let (i, v) = u16_(i)?;
    let (i, _) = pad(i, 6)?;
    Ok((i, v))
}

pub fn parse_bundle_features_request(
    src: &Bytes,
    i: &[u8],
) -> Result<BundleFeaturesRequest, DecodeError> {
    let (props, feature_request_flags) = wire::run(word_pad4(i))?;
    Ok(BundleFeaturesRequest {
        feature_request_flags,
        properties: prop::parse_props(src, props, "bundle features property")?,
    })
}

pub fn encode_bundle_features_request(
    r: &BundleFeaturesRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    wire::put_u32(out, r.feature_request_flags);
    wire::put_zeros(out, 4);
    prop::encode_props(&r.properties, out)
}

pub fn parse_bundle_features(src: &Bytes, i: &[u8]) -> Result<BundleFeatures, DecodeError> {
    let (props, capabilities) = wire::run(half_pad6(i))?;
    Ok(BundleFeatures {
        capabilities,
        properties: prop::parse_props(src, props, "bundle features property")?,
    })
}

pub fn encode_bundle_features(f: &BundleFeatures, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u16(out, f.capabilities);
    wire::put_zeros(out, 6);
    prop::encode_props(&f.properties, out)
}

/// `ofp_meter_features` of 1.5: 1.3's 16 bytes, then `features` and 4 padding bytes. Open
/// vSwitch 3.1 answers a 1.5 request with 1.3's 16 bytes only: that form is kept too
/// (`features` `None`) and re-encoded as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeterFeatures {
    pub base: v13::MeterFeatures,
    /// `ofp_meter_feature_flags` (1 action meters, 2 chained meters); `None` for the
    /// 16-byte form.
    pub features: Option<u32>,
}

pub fn parse_meter_features(i: &[u8]) -> Res<'_, MeterFeatures> {
    let (i, base) = v13::meter::parse_meter_features(i)?;
    if i.is_empty() {
        return Ok((
            i,
            MeterFeatures {
                base,
                features: None,
            },
        ));
    }
    let (i, _) = need(i, "meter features", 8)?;
    let (i, features) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let f = MeterFeatures {
        base,
        features: Some(features),
    };
    Ok((i, f))
}

pub fn encode_meter_features(f: &MeterFeatures, out: &mut Vec<u8>) {
    v13::meter::encode_meter_features(&f.base, out);
    if let Some(features) = f.features {
        wire::put_u32(out, features);
        wire::put_zeros(out, 4);
    }
}
