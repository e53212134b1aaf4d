//! OpenFlow v13 messages, modelled exactly on the spec. (Contract stub: being filled in.)

use std::fmt;

use bytes::Bytes;

use crate::{header::Header, message::MessageKind, DecodeError, EncodeError};

pub mod neutral;

/// One v13 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A type this module does not model; the body (after the header) byte for byte.
    Unknown { msg_type: u8, body: Bytes },
}

impl Message {
    /// Decodes a whole frame whose header is `h` (length already checked).
    pub fn decode(h: &Header, frame: &Bytes) -> Result<Message, DecodeError> {
        Ok(Message::Unknown { msg_type: h.msg_type, body: frame.slice(8..) })
    }

    /// Appends the encoded message to `out`.
    pub fn encode(&self, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Message::Unknown { msg_type, body } => {
                let s = crate::header::begin_message(out, VERSION, *msg_type, xid);
                out.extend_from_slice(body);
                crate::header::finish_message(out, s)
            }
        }
    }

    pub fn kind(&self) -> MessageKind {
        MessageKind::Unknown
    }
}

/// Wire version of this module.
pub const VERSION: u8 = crate::Version::V1_3.wire();

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Unknown { msg_type, body } => write!(f, "type={msg_type} ({} bytes)", body.len()),
        }
    }
}
