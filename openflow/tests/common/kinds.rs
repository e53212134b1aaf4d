//! The spec's message type numbers, written out independently of the codec so tests can
//! check the codec's `kind()` against them.

use openflow::{MessageKind, Version};

/// Wire `ofp_type` of a kind in a version, `None` if the version has no such message.
pub fn wire_type(v: Version, k: MessageKind) -> Option<u8> {
    use MessageKind::*;
    let common = match k {
        Hello => Some(0x00),
        Error => Some(0x01),
        EchoRequest => Some(0x02),
        EchoReply => Some(0x03),
        Experimenter => Some(0x04),
        FeaturesRequest => Some(0x05),
        FeaturesReply => Some(0x06),
        GetConfigRequest => Some(0x07),
        GetConfigReply => Some(0x08),
        SetConfig => Some(0x09),
        PacketIn => Some(0x0a),
        FlowRemoved => Some(0x0b),
        PortStatus => Some(0x0c),
        PacketOut => Some(0x0d),
        FlowMod => Some(0x0e),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match v {
        Version::V1_0 => match k {
            PortMod => Some(0x0f),
            StatsRequest => Some(0x10),
            StatsReply => Some(0x11),
            BarrierRequest => Some(0x12),
            BarrierReply => Some(0x13),
            QueueGetConfigRequest => Some(0x14),
            QueueGetConfigReply => Some(0x15),
            _ => None,
        },
        Version::V1_3 | Version::V1_4 | Version::V1_5 => match k {
            QueueGetConfigRequest if v == Version::V1_3 => Some(0x16),
            QueueGetConfigReply if v == Version::V1_3 => Some(0x17),
            RoleStatus if v != Version::V1_3 => Some(0x1e),
            TableStatus if v != Version::V1_3 => Some(0x1f),
            RequestForward if v != Version::V1_3 => Some(0x20),
            BundleControl if v != Version::V1_3 => Some(0x21),
            BundleAddMessage if v != Version::V1_3 => Some(0x22),
            ControllerStatus if v == Version::V1_5 => Some(0x23),
            GroupMod => Some(0x0f),
            PortMod => Some(0x10),
            TableMod => Some(0x11),
            StatsRequest => Some(0x12),
            StatsReply => Some(0x13),
            BarrierRequest => Some(0x14),
            BarrierReply => Some(0x15),
            RoleRequest => Some(0x18),
            RoleReply => Some(0x19),
            GetAsyncRequest => Some(0x1a),
            GetAsyncReply => Some(0x1b),
            SetAsync => Some(0x1c),
            MeterMod => Some(0x1d),
            _ => None,
        },
    }
}

/// Highest `ofp_type` the version's spec defines (1.0: QUEUE_GET_CONFIG_REPLY = 21,
/// 1.3: METER_MOD = 29, 1.4: BUNDLE_ADD_MESSAGE = 34, 1.5: CONTROLLER_STATUS = 35).
pub fn max_defined_type(v: Version) -> u8 {
    match v {
        Version::V1_0 => 0x15,
        Version::V1_3 => 0x1d,
        Version::V1_4 => 0x22,
        Version::V1_5 => 0x23,
    }
}

/// Stats / multipart type of a stats frame (body offset 0), if the frame is one.
pub fn stats_type(v: Version, frame: &[u8]) -> Option<u16> {
    let t = *frame.get(1)?;
    let is_stats = match v {
        Version::V1_0 => t == 0x10 || t == 0x11,
        Version::V1_3 | Version::V1_4 | Version::V1_5 => t == 0x12 || t == 0x13,
    };
    if !is_stats {
        return None;
    }
    let b = frame.get(8..10)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Stats types that have a neutral request form ([`openflow::StatsRequest`]).
pub fn neutral_request_types(v: Version) -> &'static [u16] {
    match v {
        // desc, flow, aggregate, table, port, queue
        Version::V1_0 => &[0, 1, 2, 3, 4, 5],
        // … plus group, group desc, group features, meter, meter config, meter features,
        // table features, port desc
        Version::V1_3 | Version::V1_4 | Version::V1_5 => {
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        }
    }
}

/// Stats types that have a neutral reply body ([`openflow::StatsReplyBody`]).
pub fn neutral_reply_types(v: Version) -> &'static [u16] {
    match v {
        Version::V1_0 => &[0, 1, 2, 3, 4],
        Version::V1_3 | Version::V1_4 | Version::V1_5 => &[0, 1, 2, 3, 4, 13],
    }
}
