//! OpenFlow 1.3 (1.3.5, wire version 0x04) messages, modelled exactly on the spec.
//!
//! [`Message::decode`] parses a whole frame inside length-bounded slices (header → body →
//! TLV lists, each bounded by its own length) with nom; a short body is an error, never
//! "incomplete". [`Message::encode`] computes every length. Unknown message types,
//! multipart types, actions, instructions, OXM classes, properties and experimenter
//! payloads are kept and re-encoded byte for byte. Payloads (packet data, raw bodies) are
//! [`Bytes`] views of the decoded frame, so decoding a PACKET_IN does not copy the packet.
//!
//! ```
//! use bytes::Bytes;
//! use openflow::v13::Message;
//! let wire = Bytes::from_static(&[4, 20, 0, 8, 0, 0, 0, 9]);
//! let (xid, m) = openflow::Message::decode(&wire).unwrap();
//! assert_eq!((xid, m.to_string()), (9, "OF1.3 BARRIER_REQUEST".to_string()));
//! let mut out = vec![];
//! Message::BarrierRequest.encode(9, &mut out).unwrap();
//! assert_eq!(out, wire);
//! ```

use bytes::Bytes;

use crate::header::{encode_body_as, Body, Header, HEADER_LEN};
use crate::hello::{self, HelloElement};
use crate::message::MessageKind;
use crate::neutral::{ErrorMsg, FlowRemoved, PortStatus, SwitchConfig};
use crate::{DecodeError, EncodeError};

pub mod action_codec;
pub(crate) mod display;
pub mod flow;
pub mod group;
pub mod instruction_codec;
pub mod meter;
pub mod multipart;
pub mod neutral;
pub mod oxm_codec;
pub mod packet;
pub mod port;
#[cfg(test)]
pub(crate) mod proptests;
pub mod queue;
pub mod switch;
pub mod table_features;
pub(crate) mod wire;

pub use flow::FlowMod;
pub use group::{Bucket, BucketCounter, GroupDesc, GroupFeatures, GroupMod, GroupStats};
pub use meter::{MeterBand, MeterBandStats, MeterConfig, MeterFeatures, MeterMod, MeterStats};
pub use multipart::{
    AggregateStats, MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
    PortStats,
};
pub use oxm_codec::OxmId;
pub use packet::{PacketIn, PacketOut};
pub use port::PortMod;
pub use queue::{PacketQueue, QueueGetConfigReply, QueueProp, QueueStats};
pub use switch::{AsyncConfig, ExperimenterMsg, Role, SwitchFeatures, TableMod};
pub use table_features::{TableFeatureProp, TableFeatures, TlvId};

/// Wire version of this module.
pub const VERSION: u8 = crate::Version::V1_3.wire();

/// `ofp_type` values of OpenFlow 1.3.
pub mod msg_type {
    pub const HELLO: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const ECHO_REQUEST: u8 = 2;
    pub const ECHO_REPLY: u8 = 3;
    pub const EXPERIMENTER: u8 = 4;
    pub const FEATURES_REQUEST: u8 = 5;
    pub const FEATURES_REPLY: u8 = 6;
    pub const GET_CONFIG_REQUEST: u8 = 7;
    pub const GET_CONFIG_REPLY: u8 = 8;
    pub const SET_CONFIG: u8 = 9;
    pub const PACKET_IN: u8 = 10;
    pub const FLOW_REMOVED: u8 = 11;
    pub const PORT_STATUS: u8 = 12;
    pub const PACKET_OUT: u8 = 13;
    pub const FLOW_MOD: u8 = 14;
    pub const GROUP_MOD: u8 = 15;
    pub const PORT_MOD: u8 = 16;
    pub const TABLE_MOD: u8 = 17;
    pub const MULTIPART_REQUEST: u8 = 18;
    pub const MULTIPART_REPLY: u8 = 19;
    pub const BARRIER_REQUEST: u8 = 20;
    pub const BARRIER_REPLY: u8 = 21;
    pub const QUEUE_GET_CONFIG_REQUEST: u8 = 22;
    pub const QUEUE_GET_CONFIG_REPLY: u8 = 23;
    pub const ROLE_REQUEST: u8 = 24;
    pub const ROLE_REPLY: u8 = 25;
    pub const GET_ASYNC_REQUEST: u8 = 26;
    pub const GET_ASYNC_REPLY: u8 = 27;
    pub const SET_ASYNC: u8 = 28;
    pub const METER_MOD: u8 = 29;
}

/// One OpenFlow 1.3 message (the header's xid is returned/passed separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Hello {
        elements: Vec<HelloElement>,
    },
    Error(ErrorMsg),
    EchoRequest(Bytes),
    EchoReply(Bytes),
    Experimenter(ExperimenterMsg),
    FeaturesRequest,
    FeaturesReply(SwitchFeatures),
    GetConfigRequest,
    GetConfigReply(SwitchConfig),
    SetConfig(SwitchConfig),
    PacketIn(PacketIn),
    FlowRemoved(FlowRemoved),
    PortStatus(PortStatus),
    PacketOut(PacketOut),
    FlowMod(FlowMod),
    GroupMod(GroupMod),
    PortMod(PortMod),
    TableMod(TableMod),
    MultipartRequest(MultipartRequest),
    MultipartReply(MultipartReply),
    BarrierRequest,
    BarrierReply,
    QueueGetConfigRequest {
        port: u32,
    },
    QueueGetConfigReply(QueueGetConfigReply),
    RoleRequest(Role),
    RoleReply(Role),
    GetAsyncRequest,
    GetAsyncReply(AsyncConfig),
    SetAsync(AsyncConfig),
    MeterMod(MeterMod),
    /// A type this module does not model; the body (after the header) byte for byte.
    Unknown {
        msg_type: u8,
        body: Bytes,
    },
}

impl Message {
    /// Decodes a whole frame whose header is `h` (the caller checked that `h.length`
    /// equals the frame's length).
    pub fn decode(h: &Header, frame: &Bytes) -> Result<Message, DecodeError> {
        use msg_type as t;
        let body: &[u8] = frame.get(HEADER_LEN..).unwrap_or(&[]);
        let src = frame;
        let m = match h.msg_type {
            t::HELLO => {
                // Elements are parsed from a zero-copy view of the body.
                Message::Hello {
                    elements: hello::parse_elements(&wire::share(src, body))?,
                }
            }
            t::ERROR => Message::Error(switch::parse_error(src, body)?),
            t::ECHO_REQUEST => Message::EchoRequest(wire::share(src, body)),
            t::ECHO_REPLY => Message::EchoReply(wire::share(src, body)),
            t::EXPERIMENTER => {
                Message::Experimenter(wire::run(switch::parse_experimenter(src, body))?.1)
            }
            t::FEATURES_REQUEST => {
                wire::exact(body, "features_request", 0).map(|_| Message::FeaturesRequest)?
            }
            t::FEATURES_REPLY => {
                Message::FeaturesReply(wire::whole("features_reply", switch::parse_features(body))?)
            }
            t::GET_CONFIG_REQUEST => {
                wire::exact(body, "get_config_request", 0).map(|_| Message::GetConfigRequest)?
            }
            t::GET_CONFIG_REPLY => Message::GetConfigReply(wire::whole(
                "get_config_reply",
                switch::parse_config(body),
            )?),
            t::SET_CONFIG => {
                Message::SetConfig(wire::whole("set_config", switch::parse_config(body))?)
            }
            t::PACKET_IN => Message::PacketIn(packet::decode_packet_in(src, body)?),
            t::FLOW_REMOVED => Message::FlowRemoved(wire::whole(
                "flow_removed",
                flow::parse_flow_removed(src, body),
            )?),
            t::PORT_STATUS => {
                Message::PortStatus(wire::whole("port_status", port::parse_port_status(body))?)
            }
            t::PACKET_OUT => Message::PacketOut(wire::run(packet::parse_packet_out(src, body))?.1),
            t::FLOW_MOD => Message::FlowMod(wire::run(flow::parse_flow_mod(src, body))?.1),
            t::GROUP_MOD => Message::GroupMod(wire::run(group::parse_group_mod(src, body))?.1),
            t::PORT_MOD => Message::PortMod(wire::whole("port_mod", port::parse_port_mod(body))?),
            t::TABLE_MOD => {
                Message::TableMod(wire::whole("table_mod", switch::parse_table_mod(body))?)
            }
            t::MULTIPART_REQUEST => Message::MultipartRequest(multipart::parse_request(src, body)?),
            t::MULTIPART_REPLY => Message::MultipartReply(multipart::parse_reply(src, body)?),
            t::BARRIER_REQUEST => {
                wire::exact(body, "barrier_request", 0).map(|_| Message::BarrierRequest)?
            }
            t::BARRIER_REPLY => {
                wire::exact(body, "barrier_reply", 0).map(|_| Message::BarrierReply)?
            }
            t::QUEUE_GET_CONFIG_REQUEST => Message::QueueGetConfigRequest {
                port: wire::whole("queue_get_config_request", queue::parse_request(body))?,
            },
            t::QUEUE_GET_CONFIG_REPLY => {
                Message::QueueGetConfigReply(queue::parse_reply(src, body)?)
            }
            t::ROLE_REQUEST => {
                Message::RoleRequest(wire::whole("role_request", switch::parse_role(body))?)
            }
            t::ROLE_REPLY => {
                Message::RoleReply(wire::whole("role_reply", switch::parse_role(body))?)
            }
            t::GET_ASYNC_REQUEST => {
                wire::exact(body, "get_async_request", 0).map(|_| Message::GetAsyncRequest)?
            }
            t::GET_ASYNC_REPLY => {
                Message::GetAsyncReply(wire::whole("get_async_reply", switch::parse_async(body))?)
            }
            t::SET_ASYNC => Message::SetAsync(wire::whole("set_async", switch::parse_async(body))?),
            t::METER_MOD => Message::MeterMod(wire::run(meter::parse_meter_mod(src, body))?.1),
            other => Message::Unknown {
                msg_type: other,
                body: wire::share(src, body),
            },
        };
        Ok(m)
    }

    /// The `ofp_type` of this message.
    pub fn msg_type(&self) -> u8 {
        use msg_type as t;
        match self {
            Message::Hello { .. } => t::HELLO,
            Message::Error(_) => t::ERROR,
            Message::EchoRequest(_) => t::ECHO_REQUEST,
            Message::EchoReply(_) => t::ECHO_REPLY,
            Message::Experimenter(_) => t::EXPERIMENTER,
            Message::FeaturesRequest => t::FEATURES_REQUEST,
            Message::FeaturesReply(_) => t::FEATURES_REPLY,
            Message::GetConfigRequest => t::GET_CONFIG_REQUEST,
            Message::GetConfigReply(_) => t::GET_CONFIG_REPLY,
            Message::SetConfig(_) => t::SET_CONFIG,
            Message::PacketIn(_) => t::PACKET_IN,
            Message::FlowRemoved(_) => t::FLOW_REMOVED,
            Message::PortStatus(_) => t::PORT_STATUS,
            Message::PacketOut(_) => t::PACKET_OUT,
            Message::FlowMod(_) => t::FLOW_MOD,
            Message::GroupMod(_) => t::GROUP_MOD,
            Message::PortMod(_) => t::PORT_MOD,
            Message::TableMod(_) => t::TABLE_MOD,
            Message::MultipartRequest(_) => t::MULTIPART_REQUEST,
            Message::MultipartReply(_) => t::MULTIPART_REPLY,
            Message::BarrierRequest => t::BARRIER_REQUEST,
            Message::BarrierReply => t::BARRIER_REPLY,
            Message::QueueGetConfigRequest { .. } => t::QUEUE_GET_CONFIG_REQUEST,
            Message::QueueGetConfigReply(_) => t::QUEUE_GET_CONFIG_REPLY,
            Message::RoleRequest(_) => t::ROLE_REQUEST,
            Message::RoleReply(_) => t::ROLE_REPLY,
            Message::GetAsyncRequest => t::GET_ASYNC_REQUEST,
            Message::GetAsyncReply(_) => t::GET_ASYNC_REPLY,
            Message::SetAsync(_) => t::SET_ASYNC,
            Message::MeterMod(_) => t::METER_MOD,
            Message::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// Appends the encoded message to `out`. On error `out` is left as it was.
    pub fn encode(&self, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_body_as(self, VERSION, xid, out)
    }

    fn write_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Message::Hello { elements } => hello::write_elements(elements, out),
            Message::Error(e) => switch::encode_error(e, out)?,
            Message::EchoRequest(d) | Message::EchoReply(d) => out.extend_from_slice(d),
            Message::Experimenter(e) => switch::encode_experimenter(e, out),
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply
            | Message::GetAsyncRequest => {}
            Message::FeaturesReply(f) => switch::encode_features(f, out),
            Message::GetConfigReply(c) | Message::SetConfig(c) => switch::encode_config(c, out),
            Message::PacketIn(p) => packet::encode_packet_in(p, out)?,
            Message::FlowRemoved(f) => flow::encode_flow_removed(f, out)?,
            Message::PortStatus(p) => port::encode_port_status(p, out)?,
            Message::PacketOut(p) => packet::encode_packet_out(p, out)?,
            Message::FlowMod(f) => flow::encode_flow_mod(f, out)?,
            Message::GroupMod(g) => group::encode_group_mod(g, out)?,
            Message::PortMod(p) => port::encode_port_mod(p, out),
            Message::TableMod(t) => switch::encode_table_mod(t, out),
            Message::MultipartRequest(r) => multipart::encode_request(r, out)?,
            Message::MultipartReply(r) => multipart::encode_reply(r, out)?,
            Message::QueueGetConfigRequest { port } => queue::encode_request(*port, out),
            Message::QueueGetConfigReply(r) => queue::encode_reply(r, out)?,
            Message::RoleRequest(r) | Message::RoleReply(r) => switch::encode_role(r, out),
            Message::GetAsyncReply(c) | Message::SetAsync(c) => switch::encode_async(c, out),
            Message::MeterMod(m) => meter::encode_meter_mod(m, out)?,
            Message::Unknown { body, .. } => out.extend_from_slice(body),
        }
        Ok(())
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, xid: u32) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(xid, &mut out)?;
        Ok(out)
    }

    /// The cross-version kind of this message.
    pub fn kind(&self) -> MessageKind {
        use MessageKind as K;
        match self {
            Message::Hello { .. } => K::Hello,
            Message::Error(_) => K::Error,
            Message::EchoRequest(_) => K::EchoRequest,
            Message::EchoReply(_) => K::EchoReply,
            Message::Experimenter(_) => K::Experimenter,
            Message::FeaturesRequest => K::FeaturesRequest,
            Message::FeaturesReply(_) => K::FeaturesReply,
            Message::GetConfigRequest => K::GetConfigRequest,
            Message::GetConfigReply(_) => K::GetConfigReply,
            Message::SetConfig(_) => K::SetConfig,
            Message::PacketIn(_) => K::PacketIn,
            Message::FlowRemoved(_) => K::FlowRemoved,
            Message::PortStatus(_) => K::PortStatus,
            Message::PacketOut(_) => K::PacketOut,
            Message::FlowMod(_) => K::FlowMod,
            Message::GroupMod(_) => K::GroupMod,
            Message::PortMod(_) => K::PortMod,
            Message::TableMod(_) => K::TableMod,
            Message::MultipartRequest(_) => K::StatsRequest,
            Message::MultipartReply(_) => K::StatsReply,
            Message::BarrierRequest => K::BarrierRequest,
            Message::BarrierReply => K::BarrierReply,
            Message::QueueGetConfigRequest { .. } => K::QueueGetConfigRequest,
            Message::QueueGetConfigReply(_) => K::QueueGetConfigReply,
            Message::RoleRequest(_) => K::RoleRequest,
            Message::RoleReply(_) => K::RoleReply,
            Message::GetAsyncRequest => K::GetAsyncRequest,
            Message::GetAsyncReply(_) => K::GetAsyncReply,
            Message::SetAsync(_) => K::SetAsync,
            Message::MeterMod(_) => K::MeterMod,
            Message::Unknown { .. } => K::Unknown,
        }
    }
}

impl Body for Message {
    fn msg_type(&self) -> u8 {
        Message::msg_type(self)
    }
    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.write_body(out)
    }
}
