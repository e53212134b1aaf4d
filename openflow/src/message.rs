//! [`Message`]: one OpenFlow message of either version, with decode, encode and the
//! version-neutral views.

use std::fmt;

use bytes::Bytes;

use crate::{header::Header, neutral::*, DecodeError, EncodeError, Unsupported, Version};

/// One message, tagged by version. The per-version enums model the spec exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    V10(crate::v10::Message),
    V13(crate::v13::Message),
    V14(crate::v14::Message),
    V15(crate::v15::Message),
}

/// Declares [`MessageKind`], its `ALL` array and `name()` from one list, so the three
/// cannot disagree.
macro_rules! message_kinds {
    ($($kind:ident => $name:literal,)*) => {
        /// Message types across versions, for dispatch, logs and metric labels.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MessageKind {
            $($kind,)*
        }

        impl MessageKind {
            /// Every kind, in declaration order (`ALL[k as usize] == k`), e.g. for per-kind
            /// counters kept in an array.
            pub const ALL: [MessageKind; [$(MessageKind::$kind),*].len()] =
                [$(MessageKind::$kind),*];

            /// The spec's name without the `OFPT_` prefix (`PACKET_IN`…), used as a metric
            /// label.
            pub const fn name(self) -> &'static str {
                match self {
                    $(MessageKind::$kind => $name,)*
                }
            }
        }
    };
}

message_kinds! {
    Hello => "HELLO",
    Error => "ERROR",
    EchoRequest => "ECHO_REQUEST",
    EchoReply => "ECHO_REPLY",
    Experimenter => "EXPERIMENTER",
    FeaturesRequest => "FEATURES_REQUEST",
    FeaturesReply => "FEATURES_REPLY",
    GetConfigRequest => "GET_CONFIG_REQUEST",
    GetConfigReply => "GET_CONFIG_REPLY",
    SetConfig => "SET_CONFIG",
    PacketIn => "PACKET_IN",
    FlowRemoved => "FLOW_REMOVED",
    PortStatus => "PORT_STATUS",
    PacketOut => "PACKET_OUT",
    FlowMod => "FLOW_MOD",
    GroupMod => "GROUP_MOD",
    PortMod => "PORT_MOD",
    TableMod => "TABLE_MOD",
    StatsRequest => "MULTIPART_REQUEST",
    StatsReply => "MULTIPART_REPLY",
    BarrierRequest => "BARRIER_REQUEST",
    BarrierReply => "BARRIER_REPLY",
    QueueGetConfigRequest => "QUEUE_GET_CONFIG_REQUEST",
    QueueGetConfigReply => "QUEUE_GET_CONFIG_REPLY",
    RoleRequest => "ROLE_REQUEST",
    RoleReply => "ROLE_REPLY",
    GetAsyncRequest => "GET_ASYNC_REQUEST",
    GetAsyncReply => "GET_ASYNC_REPLY",
    SetAsync => "SET_ASYNC",
    MeterMod => "METER_MOD",
    RoleStatus => "ROLE_STATUS",
    TableStatus => "TABLE_STATUS",
    RequestForward => "REQUESTFORWARD",
    BundleControl => "BUNDLE_CONTROL",
    BundleAddMessage => "BUNDLE_ADD_MESSAGE",
    ControllerStatus => "CONTROLLER_STATUS",
    Unknown => "UNKNOWN",
}

impl Message {
    /// Decodes one whole frame (header included, as split by [`crate::header::frames`]).
    /// Returns the xid and the message. The header's length must equal the frame's.
    pub fn decode(frame: &Bytes) -> Result<(u32, Message), DecodeError> {
        let h = Header::parse(frame).ok_or(DecodeError::Truncated {
            what: "header",
            have: frame.len(),
            need: crate::header::HEADER_LEN,
        })?;
        if h.length as usize != frame.len() || frame.len() < crate::header::HEADER_LEN {
            return Err(DecodeError::BadLength {
                declared: h.length as usize,
                actual: frame.len(),
            });
        }
        // PACKET_IN, the hottest message, is built right here: through the per-version
        // `decode` its 100–200-byte value was moved once more at each level.
        let body = || frame.get(crate::header::HEADER_LEN..).unwrap_or(&[]);
        let msg = match Version::from_wire(h.version) {
            Some(Version::V1_0) if h.msg_type == crate::v10::msg_type::PACKET_IN => Message::V10(
                crate::v10::Message::PacketIn(crate::v10::PacketIn10::parse(frame, body())?),
            ),
            Some(Version::V1_3) if h.msg_type == crate::v13::msg_type::PACKET_IN => Message::V13(
                crate::v13::Message::PacketIn(crate::v13::packet::decode_packet_in(frame, body())?),
            ),
            Some(Version::V1_4) if h.msg_type == crate::v13::msg_type::PACKET_IN => {
                Message::V14(crate::v14::Message::Common(crate::v13::Message::PacketIn(
                    crate::v13::packet::decode_packet_in(frame, body())?,
                )))
            }
            Some(Version::V1_5) if h.msg_type == crate::v13::msg_type::PACKET_IN => {
                Message::V15(crate::v15::Message::Common(crate::v14::Message::Common(
                    crate::v13::Message::PacketIn(crate::v13::packet::decode_packet_in(
                        frame,
                        body(),
                    )?),
                )))
            }
            Some(Version::V1_0) => Message::V10(crate::v10::Message::decode(&h, frame)?),
            Some(Version::V1_3) => Message::V13(crate::v13::Message::decode(&h, frame)?),
            Some(Version::V1_4) => Message::V14(crate::v14::Message::decode(&h, frame)?),
            Some(Version::V1_5) => Message::V15(crate::v15::Message::decode(&h, frame)?),
            None => return Err(DecodeError::BadVersion(h.version)),
        };
        Ok((h.xid, msg))
    }

    /// Appends the encoded message to `out` (lengths computed here, never trusted).
    pub fn encode(&self, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Message::V10(m) => m.encode(xid, out),
            Message::V13(m) => m.encode(xid, out),
            Message::V14(m) => m.encode(xid, out),
            Message::V15(m) => m.encode(xid, out),
        }
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, xid: u32) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(xid, &mut out)?;
        Ok(out)
    }

    pub fn version(&self) -> Version {
        match self {
            Message::V10(_) => Version::V1_0,
            Message::V13(_) => Version::V1_3,
            Message::V14(_) => Version::V1_4,
            Message::V15(_) => Version::V1_5,
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self {
            Message::V10(m) => m.kind(),
            Message::V13(m) => m.kind(),
            Message::V14(m) => m.kind(),
            Message::V15(m) => m.kind(),
        }
    }

    /// True for a stats/multipart reply part with the "more" flag set.
    pub fn is_partial_reply(&self) -> bool {
        self.stats_reply().is_some_and(|r| r.more)
    }

    /// Builds a neutral value as a message of version `v`.
    pub fn from_neutral<T: Neutral>(v: Version, value: &T) -> Result<Message, Unsupported> {
        value.to_message(v)
    }

    pub fn packet_in(&self) -> Option<PacketIn> {
        PacketIn::from_message(self)
    }
    /// [`Message::packet_in`] taking the message: the match and frame are moved, not
    /// cloned. Any other message is handed back.
    // The error is the caller's own message returned unchanged, as large as it was.
    #[allow(clippy::result_large_err)]
    pub fn into_packet_in(self) -> Result<PacketIn, Message> {
        match self {
            Message::V10(crate::v10::Message::PacketIn(p)) => {
                Ok(crate::v10::neutral::packet_in_into(p))
            }
            Message::V13(crate::v13::Message::PacketIn(p))
            | Message::V14(crate::v14::Message::Common(crate::v13::Message::PacketIn(p)))
            | Message::V15(crate::v15::Message::Common(crate::v14::Message::Common(
                crate::v13::Message::PacketIn(p),
            ))) => Ok(crate::v13::neutral::packet_in_into(p)),
            other => Err(other),
        }
    }
    pub fn packet_out(&self) -> Option<PacketOut> {
        PacketOut::from_message(self)
    }
    pub fn flow_mod(&self) -> Option<FlowMod> {
        FlowMod::from_message(self)
    }
    pub fn features_reply(&self) -> Option<FeaturesReply> {
        FeaturesReply::from_message(self)
    }
    pub fn port_status(&self) -> Option<PortStatus> {
        PortStatus::from_message(self)
    }
    pub fn flow_removed(&self) -> Option<FlowRemoved> {
        FlowRemoved::from_message(self)
    }
    pub fn error(&self) -> Option<ErrorMsg> {
        ErrorMsg::from_message(self)
    }
    pub fn stats_request(&self) -> Option<StatsRequest> {
        StatsRequest::from_message(self)
    }
    pub fn stats_reply(&self) -> Option<StatsReply> {
        StatsReply::from_message(self)
    }
    pub fn control(&self) -> Option<Control> {
        Control::from_message(self)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::V10(m) => write!(f, "OF1.0 {m}"),
            Message::V13(m) => write!(f, "OF1.3 {m}"),
            Message::V14(m) => write!(f, "OF1.4 {m}"),
            Message::V15(m) => write!(f, "OF1.5 {m}"),
        }
    }
}

/// Small control messages in neutral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    EchoRequest(Bytes),
    EchoReply(Bytes),
    FeaturesRequest,
    GetConfigRequest,
    GetConfigReply(SwitchConfig),
    SetConfig(SwitchConfig),
    BarrierRequest,
    BarrierReply,
    /// 1.3 only.
    RoleRequest {
        role: u32,
        generation_id: u64,
    },
    /// 1.3 only.
    RoleReply {
        role: u32,
        generation_id: u64,
    },
}

/// A version-neutral value that lowers to a message of either version and lifts back.
pub trait Neutral: Sized {
    /// Lowers to a message of version `v`, or says what `v` cannot express.
    fn to_message(&self, v: Version) -> Result<Message, Unsupported>;
    /// Lifts from a message of either version, if it is of this kind.
    fn from_message(m: &Message) -> Option<Self>;
    /// Appends the message as version `v` with this xid and says what kind it was. The
    /// same bytes as `to_message(v)` then `encode`; FLOW_MOD and PACKET_OUT, sent for
    /// every PACKET_IN, are encoded without building (and allocating) the per-version
    /// message first.
    fn encode_as(
        &self,
        v: Version,
        xid: u32,
        out: &mut Vec<u8>,
    ) -> Result<MessageKind, EncodeError> {
        let m = self.to_message(v)?;
        m.encode(xid, out)?;
        Ok(m.kind())
    }
}

/// `to_message` and `from_message` through the per-version `lower_*`/`lift_*` functions.
macro_rules! lower_lift {
    ($lower:ident, $lift:ident) => {
        fn to_message(&self, v: Version) -> Result<Message, Unsupported> {
            match v {
                Version::V1_0 => crate::v10::neutral::$lower(self).map(Message::V10),
                Version::V1_3 => crate::v13::neutral::$lower(self).map(Message::V13),
                Version::V1_4 => crate::v14::neutral::$lower(self).map(Message::V14),
                Version::V1_5 => crate::v15::neutral::$lower(self).map(Message::V15),
            }
        }
        fn from_message(m: &Message) -> Option<Self> {
            match m {
                Message::V10(m) => crate::v10::neutral::$lift(m),
                Message::V13(m) => crate::v13::neutral::$lift(m),
                Message::V14(m) => crate::v14::neutral::$lift(m),
                Message::V15(m) => crate::v15::neutral::$lift(m),
            }
        }
    };
}

macro_rules! neutral {
    ($t:ty, $lower:ident, $lift:ident, $encode:ident, $kind:ident) => {
        impl Neutral for $t {
            lower_lift!($lower, $lift);
            fn encode_as(
                &self,
                v: Version,
                xid: u32,
                out: &mut Vec<u8>,
            ) -> Result<MessageKind, EncodeError> {
                match v {
                    Version::V1_0 => crate::v10::neutral::$encode(self, xid, out)?,
                    Version::V1_3 => crate::v13::neutral::$encode(self, xid, out)?,
                    Version::V1_4 => crate::v14::neutral::$encode(self, xid, out)?,
                    Version::V1_5 => crate::v15::neutral::$encode(self, xid, out)?,
                }
                Ok(MessageKind::$kind)
            }
        }
    };
    ($t:ty, $lower:ident, $lift:ident) => {
        impl Neutral for $t {
            lower_lift!($lower, $lift);
        }
    };
}

neutral!(
    FlowMod,
    lower_flow_mod,
    lift_flow_mod,
    encode_flow_mod,
    FlowMod
);
neutral!(
    PacketOut,
    lower_packet_out,
    lift_packet_out,
    encode_packet_out,
    PacketOut
);
neutral!(PacketIn, lower_packet_in, lift_packet_in);
neutral!(FeaturesReply, lower_features_reply, lift_features_reply);
neutral!(PortStatus, lower_port_status, lift_port_status);
neutral!(FlowRemoved, lower_flow_removed, lift_flow_removed);
neutral!(ErrorMsg, lower_error, lift_error);
neutral!(StatsRequest, lower_stats_request, lift_stats_request);
neutral!(StatsReply, lower_stats_reply, lift_stats_reply);
neutral!(Control, lower_control, lift_control);

#[cfg(test)]
mod tests {
    use super::MessageKind;

    #[test]
    fn all_kinds_are_in_declaration_order() {
        for (i, k) in MessageKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
    }
}
