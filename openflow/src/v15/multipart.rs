//! MULTIPART_REQUEST / MULTIPART_REPLY of 1.5. Against 1.4: FLOW (now FLOW_DESC) and
//! AGGREGATE replies carry OXS statistics, GROUP_DESC has 1.5 buckets, METER_FEATURES a
//! features word, PORT_DESC requests name a port; FLOW_STATS, CONTROLLER_STATUS and
//! BUNDLE_FEATURES are new. Bodies 1.5 keeps from 1.4 are the 1.4 types.

use bytes::Bytes;

use super::flow::{self, FlowDesc, FlowStats15};
use super::group::{self, GroupDesc};
use super::oxs::{self, Stats};
use super::status::{self, BundleFeatures, BundleFeaturesRequest, ControllerStatus, MeterFeatures};
use super::switch::{self, TableFeatures15};
use crate::neutral::FlowStatsRequest;
use crate::v13::multipart::{self as mp13, multipart_type as t13};
use crate::v13::wire;
use crate::v14::multipart as mp14;
use crate::{DecodeError, EncodeError};

/// Multipart types 1.5 adds or renames.
pub mod multipart_type {
    pub use crate::v14::multipart::multipart_type::*;
    /// 1.4's FLOW, renamed.
    pub const FLOW_DESC: u16 = 1;
    /// 1.4's METER_CONFIG, renamed.
    pub const METER_DESC: u16 = 10;
    pub const FLOW_STATS: u16 = 17;
    pub const CONTROLLER_STATUS: u16 = 18;
    pub const BUNDLE_FEATURES: u16 = 19;
}

/// A 1.5 multipart request.
pub type MultipartRequest = mp13::Multipart<MultipartRequestBody>;
/// A 1.5 multipart reply part.
pub type MultipartReply = mp13::Multipart<MultipartReplyBody>;

/// Body of a 1.5 multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartRequestBody {
    /// A body whose layout 1.5 keeps from 1.4 (all but PORT_DESC, GROUP_DESC and
    /// TABLE_FEATURES).
    Common(mp14::MultipartRequestBody),
    /// PORT_DESC for one port (`OFPP_ANY` for all).
    PortDesc {
        port_no: u32,
    },
    /// GROUP_DESC for one group (`OFPG_ALL` for all).
    GroupDesc {
        group_id: u32,
    },
    /// Empty to read the features; non-empty to change them.
    TableFeatures(Vec<TableFeatures15>),
    FlowStats(FlowStatsRequest),
    ControllerStatus,
    BundleFeatures(BundleFeaturesRequest),
}

impl MultipartRequestBody {
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartRequestBody as B;
        match self {
            B::Common(b) => b.mp_type(),
            B::PortDesc { .. } => t13::PORT_DESC,
            B::GroupDesc { .. } => t13::GROUP_DESC,
            B::TableFeatures(_) => t13::TABLE_FEATURES,
            B::FlowStats(_) => t::FLOW_STATS,
            B::ControllerStatus => t::CONTROLLER_STATUS,
            B::BundleFeatures(_) => t::BUNDLE_FEATURES,
        }
    }
}

/// Body of a 1.5 multipart reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartReplyBody {
    /// A body whose layout 1.5 keeps from 1.4. Encoding a 1.4 FLOW, AGGREGATE,
    /// GROUP_DESC, METER_FEATURES or TABLE_FEATURES body here is refused: 1.5 changed
    /// those.
    Common(mp14::MultipartReplyBody),
    TableFeatures(Vec<TableFeatures15>),
    FlowDesc(Vec<FlowDesc>),
    Aggregate(Stats),
    GroupDesc(Vec<GroupDesc>),
    MeterFeatures(MeterFeatures),
    FlowStats(Vec<FlowStats15>),
    ControllerStatus(Vec<ControllerStatus>),
    BundleFeatures(BundleFeatures),
}

impl MultipartReplyBody {
    pub fn mp_type(&self) -> u16 {
        use multipart_type as t;
        use MultipartReplyBody as B;
        match self {
            B::Common(b) => b.mp_type(),
            B::FlowDesc(_) => t::FLOW_DESC,
            B::TableFeatures(_) => t13::TABLE_FEATURES,
            B::Aggregate(_) => t13::AGGREGATE,
            B::GroupDesc(_) => t13::GROUP_DESC,
            B::MeterFeatures(_) => t13::METER_FEATURES,
            B::FlowStats(_) => t::FLOW_STATS,
            B::ControllerStatus(_) => t::CONTROLLER_STATUS,
            B::BundleFeatures(_) => t::BUNDLE_FEATURES,
        }
    }
}

/// The spec's name of a 1.5 multipart type.
pub fn type_name(t: u16) -> Option<&'static str> {
    use multipart_type as m;
    match t {
        m::FLOW_DESC => Some("FLOW_DESC"),
        m::METER_DESC => Some("METER_DESC"),
        m::FLOW_STATS => Some("FLOW_STATS"),
        m::CONTROLLER_STATUS => Some("CONTROLLER_STATUS"),
        m::BUNDLE_FEATURES => Some("BUNDLE_FEATURES"),
        _ => mp14::type_name(t),
    }
}

/// Decodes a MULTIPART_REQUEST body of 1.5.
pub fn parse_request(src: &Bytes, i: &[u8]) -> Result<MultipartRequest, DecodeError> {
    use multipart_type as t;
    use MultipartRequestBody as B;
    let (b, (ty, flags)) = wire::run(mp13::parse_mp_header(i))?;
    let body = match ty {
        t13::PORT_DESC => B::PortDesc {
            port_no: mp13::id_pad("port desc request", b)?,
        },
        t13::GROUP_DESC => B::GroupDesc {
            group_id: mp13::id_pad("group desc request", b)?,
        },
        t13::TABLE_FEATURES => B::TableFeatures(switch::parse_table_features(src, b)?),
        t::FLOW_STATS => B::FlowStats(wire::whole(
            "flow stats request",
            mp13::parse_flow_stats_request(src, b),
        )?),
        t::CONTROLLER_STATUS => {
            mp13::empty("controller status request", b).map(|_| B::ControllerStatus)?
        }
        t::BUNDLE_FEATURES => B::BundleFeatures(status::parse_bundle_features_request(src, b)?),
        _ => B::Common(mp14::parse_request(src, i)?.body),
    };
    Ok(MultipartRequest { flags, body })
}

/// True for the 1.4 request types whose body 1.5 changed.
fn request_changed(t: u16) -> bool {
    matches!(t, t13::PORT_DESC | t13::GROUP_DESC | t13::TABLE_FEATURES)
}

/// Appends a MULTIPART_REQUEST body from its flags and body.
pub fn encode_request(
    flags: u16,
    body: &MultipartRequestBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartRequestBody as B;
    if let B::Common(b) = body {
        if request_changed(b.mp_type()) {
            return Err(EncodeError::Invalid(format!(
                "a 1.4 {} request body in OpenFlow 1.5 (use the 1.5 variant)",
                type_name(b.mp_type()).unwrap_or("?")
            )));
        }
        return mp14::encode_request(flags, b, out);
    }
    mp13::put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Common(_) | B::ControllerStatus => Ok(()),
        B::PortDesc { port_no: id } | B::GroupDesc { group_id: id } => {
            wire::put_u32(out, *id);
            wire::put_zeros(out, 4);
            Ok(())
        }
        B::TableFeatures(l) => switch::encode_table_features(l, out),
        B::FlowStats(q) => mp13::encode_flow_stats_request(q, out),
        B::BundleFeatures(q) => status::encode_bundle_features_request(q, out),
    }
}

/// Decodes a MULTIPART_REPLY body of 1.5.
pub fn parse_reply(src: &Bytes, i: &[u8]) -> Result<MultipartReply, DecodeError> {
    use multipart_type as t;
    use MultipartReplyBody as B;
    let (b, (ty, flags)) = wire::run(mp13::parse_mp_header(i))?;
    let body = match ty {
        t::FLOW_DESC => B::FlowDesc(flow::parse_flow_descs(src, b)?),
        t13::TABLE_FEATURES => B::TableFeatures(switch::parse_table_features(src, b)?),
        t13::AGGREGATE => {
            let (s, rest) = oxs::parse_stats(src, b)?;
            wire::exact(rest, "aggregate reply", 0)?;
            B::Aggregate(s)
        }
        t13::GROUP_DESC => B::GroupDesc(group::parse_group_descs(src, b)?),
        t13::METER_FEATURES => B::MeterFeatures(wire::whole(
            "meter features",
            status::parse_meter_features(b),
        )?),
        t::FLOW_STATS => B::FlowStats(flow::parse_flow_stats(src, b)?),
        t::CONTROLLER_STATUS => B::ControllerStatus(status::parse_controller_statuses(src, b)?),
        t::BUNDLE_FEATURES => B::BundleFeatures(status::parse_bundle_features(src, b)?),
        _ => B::Common(mp14::parse_reply(src, i)?.body),
    };
    Ok(MultipartReply { flags, body })
}

/// True for the 1.4 reply types whose body 1.5 changed.
fn reply_changed(t: u16) -> bool {
    matches!(
        t,
        t13::FLOW | t13::AGGREGATE | t13::GROUP_DESC | t13::METER_FEATURES | t13::TABLE_FEATURES
    )
}

/// Appends a MULTIPART_REPLY body from its flags and body.
pub fn encode_reply(
    flags: u16,
    body: &MultipartReplyBody,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    use MultipartReplyBody as B;
    if let B::Common(b) = body {
        if reply_changed(b.mp_type()) {
            return Err(EncodeError::Invalid(format!(
                "a 1.4 {} reply body in OpenFlow 1.5 (use the 1.5 variant)",
                type_name(b.mp_type()).unwrap_or("?")
            )));
        }
        return mp14::encode_reply(flags, b, out);
    }
    mp13::put_mp_header(out, body.mp_type(), flags);
    match body {
        B::Common(_) => Ok(()),
        B::FlowDesc(l) => flow::encode_flow_descs(l, out),
        B::TableFeatures(l) => switch::encode_table_features(l, out),
        B::Aggregate(s) => oxs::encode_stats(s, out),
        B::GroupDesc(l) => group::encode_group_descs(l, out),
        B::MeterFeatures(f) => {
            status::encode_meter_features(f, out);
            Ok(())
        }
        B::FlowStats(l) => flow::encode_flow_stats(l, out),
        B::ControllerStatus(l) => l
            .iter()
            .try_for_each(|s| status::encode_controller_status(s, out)),
        B::BundleFeatures(f) => status::encode_bundle_features(f, out),
    }
}
