//! OpenFlow 1.5 (1.5.1, wire version 0x06) messages, modelled exactly on the spec.
//!
//! 1.5 keeps most 1.4 bodies byte for byte; those are carried as [`Message::Common`]
//! holding the [`crate::v14`] message (itself carrying 1.3's where 1.4 kept them). What
//! 1.5 changed or added has its own type here: FLOW_REMOVED with OXS statistics,
//! PACKET_OUT with a pipeline match, GROUP_MOD with bucket ids and properties, the changed
//! and new multipart bodies, and CONTROLLER_STATUS. 1.5's new actions (COPY_FIELD, METER)
//! are typed in the shared action codec.
//!
//! ```
//! use bytes::Bytes;
//! use openflow::v15::{Message, PacketOut};
//! use openflow::{Action, Match};
//! let po = Message::PacketOut(PacketOut {
//!     buffer_id: 0xffff_ffff,
//!     match_: Match::new().in_port(1),
//!     actions: vec![Action::output(2)],
//!     data: Bytes::from_static(b"frame"),
//! });
//! let mut wire = vec![];
//! po.encode(5, &mut wire).unwrap();
//! let wire = Bytes::from(wire);
//! let (xid, m) = openflow::Message::decode(&wire).unwrap();
//! assert_eq!((xid, &m), (5, &openflow::Message::V15(po)));
//! assert_eq!(m.to_string(), "OF1.5 PACKET_OUT in_port=1 actions=output:2 data_len=5");
//! ```

use bytes::Bytes;

use crate::header::{encode_body_as, Body, Header, HEADER_LEN};
use crate::message::MessageKind;
use crate::v13::wire;
use crate::{v13, v14};
use crate::{DecodeError, EncodeError};

pub mod action;
mod display;
pub mod flow;
pub mod group;
pub mod multipart;
pub mod neutral;
pub mod oxs;
pub mod packet;
#[cfg(test)]
mod proptests;
pub mod status;
pub mod switch;

pub use flow::{FlowDesc, FlowRemoved, FlowStats15};
pub use group::{Bucket, GroupDesc, GroupMod};
pub use multipart::{MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody};
pub use oxs::{OxsField, Stats};
pub use packet::PacketOut;
pub use status::{BundleFeatures, BundleFeaturesRequest, ControllerStatus, MeterFeatures};
pub use switch::{Role, TableFeatures15};

/// Wire version of this module.
pub const VERSION: u8 = crate::Version::V1_5.wire();

/// `ofp_type` values: 1.4's and CONTROLLER_STATUS.
pub mod msg_type {
    pub use crate::v14::msg_type::*;
    pub const CONTROLLER_STATUS: u8 = 35;
}

/// True for the message types whose body 1.5 keeps from 1.4.
pub fn shared_with_v14(t: u8) -> bool {
    use msg_type as m;
    let changed = matches!(
        t,
        m::FLOW_REMOVED
            | m::PACKET_OUT
            | m::GROUP_MOD
            | m::MULTIPART_REQUEST
            | m::MULTIPART_REPLY
            | m::ROLE_REQUEST
            | m::ROLE_REPLY
    );
    let own_in_v14 = matches!(
        t,
        m::PORT_STATUS
            | m::FLOW_MOD
            | m::PORT_MOD
            | m::TABLE_MOD
            | m::GET_ASYNC_REPLY
            | m::SET_ASYNC
            | m::ROLE_STATUS..=m::BUNDLE_ADD_MESSAGE
    );
    !changed && (v14::shared_with_v13(t) || own_in_v14)
}

/// One OpenFlow 1.5 message (the header's xid is returned/passed separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A message whose body 1.5 keeps from 1.4 (see [`shared_with_v14`]), or one of a type
    /// 1.5 does not define, kept as 1.3's `Unknown` inside.
    Common(v14::Message),
    FlowRemoved(FlowRemoved),
    PacketOut(PacketOut),
    GroupMod(GroupMod),
    MultipartRequest(MultipartRequest),
    MultipartReply(MultipartReply),
    RoleRequest(Role),
    RoleReply(Role),
    ControllerStatus(ControllerStatus),
}

impl Message {
    /// Decodes a whole frame whose header is `h` (the caller checked the length).
    pub fn decode(h: &Header, frame: &Bytes) -> Result<Message, DecodeError> {
        use msg_type as t;
        let (src, body) = (frame, frame.get(HEADER_LEN..).unwrap_or(&[]));
        Ok(match h.msg_type {
            t::FLOW_REMOVED => Message::FlowRemoved(flow::parse_flow_removed(src, body)?),
            t::PACKET_OUT => Message::PacketOut(packet::parse_packet_out(src, body)?),
            t::GROUP_MOD => Message::GroupMod(group::parse_group_mod(src, body)?),
            t::MULTIPART_REQUEST => Message::MultipartRequest(multipart::parse_request(src, body)?),
            t::MULTIPART_REPLY => Message::MultipartReply(multipart::parse_reply(src, body)?),
            t::ROLE_REQUEST => Message::RoleRequest(wire::whole("role", switch::parse_role(body))?),
            t::ROLE_REPLY => Message::RoleReply(wire::whole("role", switch::parse_role(body))?),
            t::CONTROLLER_STATUS => {
                let (s, rest) = status::parse_controller_status(src, body)?;
                wire::exact(rest, "controller_status", 0)?;
                Message::ControllerStatus(s)
            }
            // What 1.5 keeps from 1.4, and types it does not define (which 1.4 keeps raw).
            _ => Message::Common(v14::Message::decode(h, frame)?),
        })
    }

    /// The `ofp_type` of this message.
    pub fn msg_type(&self) -> u8 {
        use msg_type as t;
        match self {
            Message::Common(m) => m.msg_type(),
            Message::FlowRemoved(_) => t::FLOW_REMOVED,
            Message::PacketOut(_) => t::PACKET_OUT,
            Message::GroupMod(_) => t::GROUP_MOD,
            Message::MultipartRequest(_) => t::MULTIPART_REQUEST,
            Message::MultipartReply(_) => t::MULTIPART_REPLY,
            Message::RoleRequest(_) => t::ROLE_REQUEST,
            Message::RoleReply(_) => t::ROLE_REPLY,
            Message::ControllerStatus(_) => t::CONTROLLER_STATUS,
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
            Message::FlowRemoved(_) => K::FlowRemoved,
            Message::PacketOut(_) => K::PacketOut,
            Message::GroupMod(_) => K::GroupMod,
            Message::MultipartRequest(_) => K::StatsRequest,
            Message::MultipartReply(_) => K::StatsReply,
            Message::RoleRequest(_) => K::RoleRequest,
            Message::RoleReply(_) => K::RoleReply,
            Message::ControllerStatus(_) => K::ControllerStatus,
        }
    }
}

impl Body for Message {
    fn msg_type(&self) -> u8 {
        Message::msg_type(self)
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Message::FlowRemoved(f) => flow::encode_flow_removed(f, out),
            Message::PacketOut(p) => packet::encode_packet_out(p, out),
            Message::GroupMod(g) => group::encode_group_mod(g, out),
            Message::MultipartRequest(r) => multipart::encode_request(r.flags, &r.body, out),
            Message::MultipartReply(r) => multipart::encode_reply(r.flags, &r.body, out),
            Message::RoleRequest(r) | Message::RoleReply(r) => {
                switch::encode_role(r, out);
                Ok(())
            }
            Message::ControllerStatus(s) => status::encode_controller_status(s, out),
            Message::Common(m) => encode_common(m, out),
        }
    }
}

/// A 1.4 message is a 1.5 one only if 1.5 kept its type and layout, or it is of a type
/// 1.5 does not define (kept raw).
fn encode_common(m: &v14::Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let t = m.msg_type();
    let raw = matches!(m, v14::Message::Common(v13::Message::Unknown { .. }));
    let defined = v14::defined(t) || t == msg_type::CONTROLLER_STATUS;
    if shared_with_v14(t) || (raw && !defined) {
        m.encode_body(out)
    } else {
        Err(EncodeError::Invalid(format!(
            "1.4 {} (type {t}) as an OpenFlow 1.5 message (1.5 changed or models it)",
            m.kind().name()
        )))
    }
}
