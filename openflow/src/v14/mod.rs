//! OpenFlow 1.4 (1.4.1, wire version 0x05) messages, modelled exactly on the spec.
//!
//! 1.4 keeps most 1.3 bodies byte for byte; those are carried as [`Message::Common`]
//! holding the [`crate::v13`] message (so they share its codec, its tests and its
//! `Display`). What 1.4 changed or added has its own type here: property-based ports,
//! port/table mods and async configuration, `importance` in FLOW_MOD, the new multipart
//! bodies, ROLE_STATUS, TABLE_STATUS, REQUESTFORWARD and bundles. Unknown types,
//! properties and experimenter payloads survive decode → encode byte for byte; lengths are
//! computed on encode.
//!
//! ```
//! use bytes::Bytes;
//! use openflow::v14::{BundleCtrl, Message};
//! let open = Message::BundleControl(BundleCtrl {
//!     bundle_id: 7,
//!     ctrl_type: openflow::v14::bundle::bundle_ctrl::OPEN_REQUEST,
//!     flags: openflow::v14::bundle::bundle_flags::ATOMIC,
//!     properties: vec![],
//! });
//! let mut wire = vec![];
//! open.encode(3, &mut wire).unwrap();
//! let wire = Bytes::from(wire);
//! let (xid, m) = openflow::Message::decode(&wire).unwrap();
//! assert_eq!(xid, 3);
//! assert_eq!(m.to_string(), "OF1.4 BUNDLE_CONTROL bundle_id=7 type=OPEN_REQUEST flags=atomic");
//! ```

use bytes::Bytes;

use crate::header::{encode_body_as, Body, Header, HEADER_LEN};
use crate::message::MessageKind;
use crate::v13::{self, wire};
use crate::{DecodeError, EncodeError};

pub mod bundle;
pub(crate) mod display;
pub mod flow;
pub mod monitor;
pub mod multipart;
pub mod neutral;
pub mod port;
pub mod prop;
#[cfg(test)]
pub(crate) mod proptests;
pub mod queue;
pub mod switch;

pub use bundle::{BundleAdd, BundleCtrl, Framed};
pub use flow::{FlowMod, FlowStats14};
pub use monitor::{FlowMonitorRequest, FlowUpdate, FlowUpdateFull};
pub use multipart::{MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody};
pub use port::{Port, PortMod, PortStats, PortStatus};
pub use prop::Prop;
pub use queue::{QueueDesc, QueueStats};
pub use switch::{AsyncConfig, RoleStatus, TableDesc, TableMod, TableStatus};

/// Wire version of this module.
pub const VERSION: u8 = crate::Version::V1_4.wire();

/// `ofp_type` values 1.4 adds to [`crate::v13::msg_type`] (22 and 23, 1.3's
/// QUEUE_GET_CONFIG, are gone: queues are described by the QUEUE_DESC multipart).
pub mod msg_type {
    pub use crate::v13::msg_type::*;
    pub const ROLE_STATUS: u8 = 30;
    pub const TABLE_STATUS: u8 = 31;
    pub const REQUESTFORWARD: u8 = 32;
    pub const BUNDLE_CONTROL: u8 = 33;
    pub const BUNDLE_ADD_MESSAGE: u8 = 34;
}

/// True for the message types whose body 1.4 keeps from 1.3.
pub fn shared_with_v13(t: u8) -> bool {
    use msg_type as m;
    matches!(
        t,
        m::HELLO
            | m::ERROR
            | m::ECHO_REQUEST
            | m::ECHO_REPLY
            | m::EXPERIMENTER
            | m::FEATURES_REQUEST
            | m::FEATURES_REPLY
            | m::GET_CONFIG_REQUEST
            | m::GET_CONFIG_REPLY
            | m::SET_CONFIG
            | m::PACKET_IN
            | m::FLOW_REMOVED
            | m::PACKET_OUT
            | m::GROUP_MOD
            | m::BARRIER_REQUEST
            | m::BARRIER_REPLY
            | m::ROLE_REQUEST
            | m::ROLE_REPLY
            | m::GET_ASYNC_REQUEST
            | m::METER_MOD
    )
}

/// One OpenFlow 1.4 message (the header's xid is returned/passed separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A message whose body 1.4 keeps from 1.3 (see [`shared_with_v13`]), or one of a type
    /// 1.4 does not define, kept as 1.3's `Unknown` (its body byte for byte).
    Common(v13::Message),
    PortStatus(PortStatus),
    /// Boxed: 1.3's fields and `importance` would make every message value 16 bytes
    /// larger, and decoded messages are moved by value on the PACKET_IN path too.
    FlowMod(Box<FlowMod>),
    PortMod(PortMod),
    TableMod(TableMod),
    MultipartRequest(MultipartRequest),
    MultipartReply(MultipartReply),
    GetAsyncReply(AsyncConfig),
    SetAsync(AsyncConfig),
    RoleStatus(RoleStatus),
    TableStatus(TableStatus),
    /// A request of another controller that changed the switch's state, forwarded whole.
    RequestForward(Framed),
    BundleControl(BundleCtrl),
    BundleAddMessage(BundleAdd),
}

impl Message {
    /// Decodes a whole frame whose header is `h` (the caller checked the length).
    pub fn decode(h: &Header, frame: &Bytes) -> Result<Message, DecodeError> {
        use msg_type as t;
        let (src, body) = (frame, frame.get(HEADER_LEN..).unwrap_or(&[]));
        Ok(match h.msg_type {
            t::PORT_STATUS => Message::PortStatus(port::parse_port_status(src, body)?),
            t::FLOW_MOD => Message::FlowMod(Box::new(flow::parse_flow_mod(src, body)?)),
            t::PORT_MOD => Message::PortMod(port::parse_port_mod(src, body)?),
            t::TABLE_MOD => Message::TableMod(switch::parse_table_mod(src, body)?),
            t::MULTIPART_REQUEST => Message::MultipartRequest(multipart::parse_request(src, body)?),
            t::MULTIPART_REPLY => Message::MultipartReply(multipart::parse_reply(src, body)?),
            t::GET_ASYNC_REPLY => Message::GetAsyncReply(switch::parse_async(src, body)?),
            t::SET_ASYNC => Message::SetAsync(switch::parse_async(src, body)?),
            t::ROLE_STATUS => Message::RoleStatus(switch::parse_role_status(src, body)?),
            t::TABLE_STATUS => Message::TableStatus(switch::parse_table_status(src, body)?),
            t::REQUESTFORWARD => Message::RequestForward(whole_framed(src, body)?),
            t::BUNDLE_CONTROL => Message::BundleControl(bundle::parse_bundle_ctrl(src, body)?),
            t::BUNDLE_ADD_MESSAGE => {
                Message::BundleAddMessage(bundle::parse_bundle_add(src, body)?)
            }
            x if shared_with_v13(x) => Message::Common(v13::Message::decode(h, frame)?),
            other => Message::Common(v13::Message::Unknown {
                msg_type: other,
                body: wire::share(src, body),
            }),
        })
    }

    /// The `ofp_type` of this message.
    pub fn msg_type(&self) -> u8 {
        use msg_type as t;
        match self {
            Message::Common(m) => m.msg_type(),
            Message::PortStatus(_) => t::PORT_STATUS,
            Message::FlowMod(_) => t::FLOW_MOD,
            Message::PortMod(_) => t::PORT_MOD,
            Message::TableMod(_) => t::TABLE_MOD,
            Message::MultipartRequest(_) => t::MULTIPART_REQUEST,
            Message::MultipartReply(_) => t::MULTIPART_REPLY,
            Message::GetAsyncReply(_) => t::GET_ASYNC_REPLY,
            Message::SetAsync(_) => t::SET_ASYNC,
            Message::RoleStatus(_) => t::ROLE_STATUS,
            Message::TableStatus(_) => t::TABLE_STATUS,
            Message::RequestForward(_) => t::REQUESTFORWARD,
            Message::BundleControl(_) => t::BUNDLE_CONTROL,
            Message::BundleAddMessage(_) => t::BUNDLE_ADD_MESSAGE,
        }
    }

    /// Appends the encoded message to `out`. On error `out` is left as it was.
    pub fn encode(&self, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_body_as(self, VERSION, xid, out)
    }

    /// The cross-version kind of this message.
    pub fn kind(&self) -> MessageKind {
        use MessageKind as K;
        match self {
            Message::Common(m) => m.kind(),
            Message::PortStatus(_) => K::PortStatus,
            Message::FlowMod(_) => K::FlowMod,
            Message::PortMod(_) => K::PortMod,
            Message::TableMod(_) => K::TableMod,
            Message::MultipartRequest(_) => K::StatsRequest,
            Message::MultipartReply(_) => K::StatsReply,
            Message::GetAsyncReply(_) => K::GetAsyncReply,
            Message::SetAsync(_) => K::SetAsync,
            Message::RoleStatus(_) => K::RoleStatus,
            Message::TableStatus(_) => K::TableStatus,
            Message::RequestForward(_) => K::RequestForward,
            Message::BundleControl(_) => K::BundleControl,
            Message::BundleAddMessage(_) => K::BundleAddMessage,
        }
    }
}

impl Body for Message {
    fn msg_type(&self) -> u8 {
        Message::msg_type(self)
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Message::PortStatus(p) => port::encode_port_status(p, out),
            Message::FlowMod(f) => flow::encode_flow_mod(f, out),
            Message::PortMod(p) => port::encode_port_mod(p, out),
            Message::TableMod(t) => switch::encode_table_mod(t, out),
            Message::MultipartRequest(r) => multipart::encode_request(r.flags, &r.body, out),
            Message::MultipartReply(r) => multipart::encode_reply(r.flags, &r.body, out),
            Message::GetAsyncReply(c) | Message::SetAsync(c) => {
                prop::encode_props(&c.properties, out)
            }
            Message::RoleStatus(r) => switch::encode_role_status(r, out),
            Message::TableStatus(s) => switch::encode_table_status(s, out),
            Message::RequestForward(m) => bundle::encode_framed_msg(m, out),
            Message::BundleControl(b) => bundle::encode_bundle_ctrl(b, out),
            Message::BundleAddMessage(b) => bundle::encode_bundle_add(b, out),
            Message::Common(m) => encode_common(m, out),
        }
    }
}

/// A 1.3 message is a 1.4 one only if 1.4 kept its type and layout, or it is of a type
/// 1.4 does not define (`Unknown`, kept raw).
fn encode_common(m: &v13::Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let unknown = matches!(m, v13::Message::Unknown { msg_type, .. } if !defined(*msg_type));
    if shared_with_v13(m.msg_type()) || unknown {
        m.encode_body(out)
    } else {
        Err(EncodeError::Invalid(format!(
            "1.3 {} (type {}) as an OpenFlow 1.4 message (1.4 changed, removed or models it)",
            m.kind().name(),
            m.msg_type()
        )))
    }
}

/// True for the types 1.4 defines (0 to 34 but for 1.3's QUEUE_GET_CONFIG, 22 and 23).
pub fn defined(t: u8) -> bool {
    use msg_type as m;
    t <= m::BUNDLE_ADD_MESSAGE
        && !matches!(t, m::QUEUE_GET_CONFIG_REQUEST | m::QUEUE_GET_CONFIG_REPLY)
}

/// REQUESTFORWARD: exactly one whole inner message.
fn whole_framed(src: &Bytes, body: &[u8]) -> Result<Framed, DecodeError> {
    let (m, rest) = bundle::parse_framed(src, body)?;
    wire::exact(rest, "requestforward", 0)?;
    Ok(m)
}
