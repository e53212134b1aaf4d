//! OpenFlow 1.0 messages, modelled exactly on the spec (wire version 0x01).
//!
//! Every message type of OpenFlow 1.0.0 decodes into a typed [`Message`]; unknown message,
//! action and stats types and vendor payloads are kept as `Bytes` slices of the frame and
//! re-encode byte for byte. Decoding reads inside the frame's declared length, trusts no
//! inner length it has not checked, and never panics. [`neutral`] converts to and from the
//! version-neutral layer.

use bytes::Bytes;

use crate::{
    header::Header, message::MessageKind, neutral::SwitchConfig, DecodeError, EncodeError,
};

pub mod action;
mod action_conv;
mod display;
pub mod error_msg;
pub mod features;
pub mod flow_mod;
pub mod flow_removed;
mod match_conv;
pub mod neutral;
pub mod ofmatch;
pub mod packet_in;
pub mod packet_out;
pub mod phy_port;
pub mod queue;
pub mod stats_reply;
pub mod stats_request;
pub mod switch_config;
pub mod vendor;
pub(crate) mod wire;

pub use action::{Action10, DisplayActions10};
pub use error_msg::Error10;
pub use features::FeaturesReply10;
pub use flow_mod::FlowMod10;
pub use flow_removed::FlowRemoved10;
pub use ofmatch::{Match10, MATCH_LEN};
pub use packet_in::PacketIn10;
pub use packet_out::PacketOut10;
pub use phy_port::{PhyPort, PortMod10, PortStatus10};
pub use queue::{PacketQueue, QueueConfigReply, QueueProp};
pub use stats_reply::{
    FlowStats10, PortStats10, QueueStats10, StatsReply10, StatsReplyBody10, TableStats10,
};
pub use stats_request::{FlowStatsRequest10, StatsRequest10, StatsRequestBody};

/// Wire version of this module.
pub const VERSION: u8 = crate::Version::V1_0.wire();

/// `ofp_type` values of OpenFlow 1.0.
pub mod msg_type {
    pub const HELLO: u8 = 0x00;
    pub const ERROR: u8 = 0x01;
    pub const ECHO_REQUEST: u8 = 0x02;
    pub const ECHO_REPLY: u8 = 0x03;
    pub const VENDOR: u8 = 0x04;
    pub const FEATURES_REQUEST: u8 = 0x05;
    pub const FEATURES_REPLY: u8 = 0x06;
    pub const GET_CONFIG_REQUEST: u8 = 0x07;
    pub const GET_CONFIG_REPLY: u8 = 0x08;
    pub const SET_CONFIG: u8 = 0x09;
    pub const PACKET_IN: u8 = 0x0a;
    pub const FLOW_REMOVED: u8 = 0x0b;
    pub const PORT_STATUS: u8 = 0x0c;
    pub const PACKET_OUT: u8 = 0x0d;
    pub const FLOW_MOD: u8 = 0x0e;
    pub const PORT_MOD: u8 = 0x0f;
    pub const STATS_REQUEST: u8 = 0x10;
    pub const STATS_REPLY: u8 = 0x11;
    pub const BARRIER_REQUEST: u8 = 0x12;
    pub const BARRIER_REPLY: u8 = 0x13;
    pub const QUEUE_GET_CONFIG_REQUEST: u8 = 0x14;
    pub const QUEUE_GET_CONFIG_REPLY: u8 = 0x15;
}

/// One OpenFlow 1.0 message (the header's xid is passed separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The body is kept raw (1.0 defines none; later versions add elements).
    Hello(Bytes),
    Error(Error10),
    EchoRequest(Bytes),
    EchoReply(Bytes),
    Vendor {
        vendor: u32,
        data: Bytes,
    },
    FeaturesRequest,
    FeaturesReply(FeaturesReply10),
    GetConfigRequest,
    GetConfigReply(SwitchConfig),
    SetConfig(SwitchConfig),
    PacketIn(PacketIn10),
    FlowRemoved(FlowRemoved10),
    PortStatus(PortStatus10),
    PacketOut(PacketOut10),
    FlowMod(FlowMod10),
    PortMod(PortMod10),
    StatsRequest(StatsRequest10),
    StatsReply(StatsReply10),
    BarrierRequest,
    BarrierReply,
    QueueGetConfigRequest {
        port: u16,
    },
    QueueGetConfigReply(QueueConfigReply),
    /// A type this module does not model; the body (after the header) byte for byte.
    Unknown {
        msg_type: u8,
        body: Bytes,
    },
}

fn empty(what: &'static str, body: &[u8]) -> Result<(), DecodeError> {
    wire::no_trailing(what, body)
}

impl Message {
    /// Decodes a whole frame whose header is `h` (length already checked against the frame).
    pub fn decode(h: &Header, frame: &Bytes) -> Result<Message, DecodeError> {
        use msg_type::*;
        if h.version != VERSION {
            return Err(DecodeError::BadVersion(h.version));
        }
        let end = (h.length as usize).min(frame.len());
        let body: &[u8] = frame.get(crate::header::HEADER_LEN..end).unwrap_or(&[]);
        let raw = || wire::sub(frame, body);
        Ok(match h.msg_type {
            HELLO => Message::Hello(raw()),
            ERROR => Message::Error(Error10::parse(frame, body)?),
            ECHO_REQUEST => Message::EchoRequest(raw()),
            ECHO_REPLY => Message::EchoReply(raw()),
            VENDOR => {
                let (vendor, data) = vendor::parse_vendor(frame, body)?;
                Message::Vendor { vendor, data }
            }
            FEATURES_REQUEST => {
                empty("features_request", body)?;
                Message::FeaturesRequest
            }
            FEATURES_REPLY => Message::FeaturesReply(FeaturesReply10::parse(body)?),
            GET_CONFIG_REQUEST => {
                empty("get_config_request", body)?;
                Message::GetConfigRequest
            }
            GET_CONFIG_REPLY => Message::GetConfigReply(switch_config::parse_config(body)?),
            SET_CONFIG => Message::SetConfig(switch_config::parse_config(body)?),
            PACKET_IN => Message::PacketIn(PacketIn10::parse(frame, body)?),
            FLOW_REMOVED => Message::FlowRemoved(FlowRemoved10::parse(body)?),
            PORT_STATUS => Message::PortStatus(PortStatus10::parse(body)?),
            PACKET_OUT => Message::PacketOut(PacketOut10::parse(frame, body)?),
            FLOW_MOD => Message::FlowMod(FlowMod10::parse(frame, body)?),
            PORT_MOD => Message::PortMod(PortMod10::parse(body)?),
            STATS_REQUEST => Message::StatsRequest(StatsRequest10::parse(frame, body)?),
            STATS_REPLY => Message::StatsReply(StatsReply10::parse(frame, body)?),
            BARRIER_REQUEST => {
                empty("barrier_request", body)?;
                Message::BarrierRequest
            }
            BARRIER_REPLY => {
                empty("barrier_reply", body)?;
                Message::BarrierReply
            }
            QUEUE_GET_CONFIG_REQUEST => Message::QueueGetConfigRequest {
                port: queue::parse_request(body)?,
            },
            QUEUE_GET_CONFIG_REPLY => {
                Message::QueueGetConfigReply(QueueConfigReply::parse(frame, body)?)
            }
            other => Message::Unknown {
                msg_type: other,
                body: raw(),
            },
        })
    }

    /// Decodes a whole frame (header included); returns the xid and the message.
    pub fn decode_frame(frame: &Bytes) -> Result<(u32, Message), DecodeError> {
        let h = Header::parse(frame).ok_or(DecodeError::Truncated {
            what: "header",
            have: frame.len(),
            need: crate::header::HEADER_LEN,
        })?;
        if h.length as usize != frame.len() {
            return Err(DecodeError::BadLength {
                declared: h.length as usize,
                actual: frame.len(),
            });
        }
        Ok((h.xid, Message::decode(&h, frame)?))
    }

    /// The `ofp_type` of this message.
    pub fn msg_type(&self) -> u8 {
        use msg_type::*;
        match self {
            Message::Hello(_) => HELLO,
            Message::Error(_) => ERROR,
            Message::EchoRequest(_) => ECHO_REQUEST,
            Message::EchoReply(_) => ECHO_REPLY,
            Message::Vendor { .. } => VENDOR,
            Message::FeaturesRequest => FEATURES_REQUEST,
            Message::FeaturesReply(_) => FEATURES_REPLY,
            Message::GetConfigRequest => GET_CONFIG_REQUEST,
            Message::GetConfigReply(_) => GET_CONFIG_REPLY,
            Message::SetConfig(_) => SET_CONFIG,
            Message::PacketIn(_) => PACKET_IN,
            Message::FlowRemoved(_) => FLOW_REMOVED,
            Message::PortStatus(_) => PORT_STATUS,
            Message::PacketOut(_) => PACKET_OUT,
            Message::FlowMod(_) => FLOW_MOD,
            Message::PortMod(_) => PORT_MOD,
            Message::StatsRequest(_) => STATS_REQUEST,
            Message::StatsReply(_) => STATS_REPLY,
            Message::BarrierRequest => BARRIER_REQUEST,
            Message::BarrierReply => BARRIER_REPLY,
            Message::QueueGetConfigRequest { .. } => QUEUE_GET_CONFIG_REQUEST,
            Message::QueueGetConfigReply(_) => QUEUE_GET_CONFIG_REPLY,
            Message::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// Appends the encoded message to `out`. On error `out` is left as it was.
    pub fn encode(&self, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        crate::header::encode_framed(out, VERSION, self.msg_type(), xid, |out| {
            self.write_body(out)
        })
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, xid: u32) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(xid, &mut out)?;
        Ok(out)
    }

    fn write_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use wire::Put;
        match self {
            Message::Hello(b) | Message::EchoRequest(b) | Message::EchoReply(b) => {
                out.extend_from_slice(b)
            }
            Message::Error(e) => e.write(out),
            Message::Vendor { vendor, data } => {
                out.put_u32(*vendor);
                out.extend_from_slice(data);
            }
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply => {}
            Message::FeaturesReply(f) => f.write(out),
            Message::GetConfigReply(c) | Message::SetConfig(c) => {
                switch_config::write_config(c, out)
            }
            Message::PacketIn(p) => p.write(out),
            Message::FlowRemoved(f) => f.write(out),
            Message::PortStatus(p) => p.write(out),
            Message::PacketOut(p) => p.write(out)?,
            Message::FlowMod(f) => f.write(out)?,
            Message::PortMod(p) => p.write(out),
            Message::StatsRequest(s) => s.write(out),
            Message::StatsReply(s) => s.write(out)?,
            Message::QueueGetConfigRequest { port } => queue::write_request(*port, out),
            Message::QueueGetConfigReply(q) => q.write(out)?,
            Message::Unknown { body, .. } => out.extend_from_slice(body),
        }
        Ok(())
    }

    pub fn kind(&self) -> MessageKind {
        use MessageKind as K;
        match self {
            Message::Hello(_) => K::Hello,
            Message::Error(_) => K::Error,
            Message::EchoRequest(_) => K::EchoRequest,
            Message::EchoReply(_) => K::EchoReply,
            Message::Vendor { .. } => K::Experimenter,
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
            Message::PortMod(_) => K::PortMod,
            Message::StatsRequest(_) => K::StatsRequest,
            Message::StatsReply(_) => K::StatsReply,
            Message::BarrierRequest => K::BarrierRequest,
            Message::BarrierReply => K::BarrierReply,
            Message::QueueGetConfigRequest { .. } => K::QueueGetConfigRequest,
            Message::QueueGetConfigReply(_) => K::QueueGetConfigReply,
            Message::Unknown { .. } => K::Unknown,
        }
    }
}
