//! Codec errors, and how a decode failure is reported back to a switch.

use crate::Version;

/// OFPT_ERROR types shared by 1.0 and 1.3 (`ofp_error_type`).
pub mod error_type {
    pub const HELLO_FAILED: u16 = 0x0000;
    pub const BAD_REQUEST: u16 = 0x0001;
    pub const BAD_ACTION: u16 = 0x0002;
    /// 1.3 only.
    pub const BAD_INSTRUCTION: u16 = 0x0003;
    /// 1.3 only.
    pub const BAD_MATCH: u16 = 0x0004;
    /// 1.0 value of FLOW_MOD_FAILED.
    pub const V10_FLOW_MOD_FAILED: u16 = 0x0003;
    /// 1.3 value of FLOW_MOD_FAILED.
    pub const V13_FLOW_MOD_FAILED: u16 = 0x0005;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_hello_failed_code`.
pub mod hello_failed {
    pub const INCOMPATIBLE: u16 = 0x0000;
    pub const EPERM: u16 = 0x0001;
}

/// `ofp_bad_request_code` (the codes 1.0 and 1.3 share keep their values).
pub mod bad_request {
    pub const BAD_VERSION: u16 = 0x0000;
    pub const BAD_TYPE: u16 = 0x0001;
    /// BAD_STAT in 1.0, BAD_MULTIPART in 1.3.
    pub const BAD_MULTIPART: u16 = 0x0002;
    /// BAD_VENDOR in 1.0.
    pub const BAD_EXPERIMENTER: u16 = 0x0003;
    /// BAD_SUBTYPE in 1.0.
    pub const BAD_EXP_TYPE: u16 = 0x0004;
    pub const EPERM: u16 = 0x0005;
    pub const BAD_LEN: u16 = 0x0006;
    pub const BUFFER_EMPTY: u16 = 0x0007;
    pub const BUFFER_UNKNOWN: u16 = 0x0008;
    /// 1.3 only.
    pub const BAD_TABLE_ID: u16 = 0x0009;
    pub const IS_SLAVE: u16 = 0x000a;
    pub const BAD_PORT: u16 = 0x000b;
    pub const BAD_PACKET: u16 = 0x000c;
    pub const MULTIPART_BUFFER_OVERFLOW: u16 = 0x000d;
}

/// `ofp_bad_action_code`.
pub mod bad_action {
    pub const BAD_TYPE: u16 = 0x0000;
    pub const BAD_LEN: u16 = 0x0001;
    pub const BAD_EXPERIMENTER: u16 = 0x0002;
    pub const BAD_EXP_TYPE: u16 = 0x0003;
    pub const BAD_OUT_PORT: u16 = 0x0004;
    pub const BAD_ARGUMENT: u16 = 0x0005;
}

/// `ofp_bad_instruction_code` (1.3).
pub mod bad_instruction {
    pub const UNKNOWN_INST: u16 = 0x0000;
    pub const UNSUP_INST: u16 = 0x0001;
    pub const BAD_TABLE_ID: u16 = 0x0002;
    pub const UNSUP_METADATA: u16 = 0x0003;
    pub const UNSUP_METADATA_MASK: u16 = 0x0004;
    pub const BAD_EXPERIMENTER: u16 = 0x0005;
    pub const BAD_EXP_TYPE: u16 = 0x0006;
    pub const BAD_LEN: u16 = 0x0007;
    pub const EPERM: u16 = 0x0008;
}

/// `ofp_bad_match_code` (1.3).
pub mod bad_match {
    pub const BAD_TYPE: u16 = 0x0000;
    pub const BAD_LEN: u16 = 0x0001;
    pub const BAD_TAG: u16 = 0x0002;
    pub const BAD_DL_ADDR_MASK: u16 = 0x0003;
    pub const BAD_NW_ADDR_MASK: u16 = 0x0004;
    pub const BAD_WILDCARDS: u16 = 0x0005;
    pub const BAD_FIELD: u16 = 0x0006;
    pub const BAD_VALUE: u16 = 0x0007;
    pub const BAD_MASK: u16 = 0x0008;
    pub const BAD_PREREQ: u16 = 0x0009;
    pub const DUP_FIELD: u16 = 0x000a;
}

/// Why a frame could not be decoded. Each maps to the OFPT_ERROR a switch should receive
/// ([`DecodeError::ofp_error`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unsupported OpenFlow version 0x{0:02x}")]
    BadVersion(u8),
    #[error("declared length {declared} is invalid (frame holds {actual} bytes)")]
    BadLength { declared: usize, actual: usize },
    #[error("{what}: body too short ({have} bytes, need {need})")]
    Truncated {
        what: &'static str,
        have: usize,
        need: usize,
    },
    #[error("{what}: malformed ({detail})")]
    Malformed {
        what: &'static str,
        detail: &'static str,
    },
    #[error("unknown multipart/stats type 0x{0:04x}")]
    BadMultipartType(u16),
    #[error("bad action: {detail}")]
    BadAction { code: u16, detail: &'static str },
    #[error("bad instruction: {detail}")]
    BadInstruction { code: u16, detail: &'static str },
    #[error("bad match: {detail}")]
    BadMatch { code: u16, detail: &'static str },
}

impl DecodeError {
    /// The (type, code) of the OFPT_ERROR to send back for this failure.
    pub fn ofp_error(&self, version: Version) -> (u16, u16) {
        use error_type::*;
        match self {
            DecodeError::BadVersion(_) => (BAD_REQUEST, bad_request::BAD_VERSION),
            DecodeError::BadLength { .. } | DecodeError::Truncated { .. } => {
                (BAD_REQUEST, bad_request::BAD_LEN)
            }
            DecodeError::Malformed { .. } => (BAD_REQUEST, bad_request::BAD_LEN),
            DecodeError::BadMultipartType(_) => (BAD_REQUEST, bad_request::BAD_MULTIPART),
            DecodeError::BadAction { code, .. } => (BAD_ACTION, *code),
            DecodeError::BadInstruction { code, .. } => match version {
                Version::V1_3 | Version::V1_4 | Version::V1_5 => (BAD_INSTRUCTION, *code),
                Version::V1_0 => (BAD_REQUEST, bad_request::BAD_LEN),
            },
            DecodeError::BadMatch { code, .. } => match version {
                Version::V1_3 | Version::V1_4 | Version::V1_5 => (BAD_MATCH, *code),
                // 1.0 has no BAD_MATCH type; a bad match makes the FLOW_MOD fail.
                Version::V1_0 => (BAD_REQUEST, bad_request::BAD_LEN),
            },
        }
    }
}

/// A value the chosen OpenFlow version cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OpenFlow {version} cannot express {what}")]
pub struct Unsupported {
    pub version: Version,
    pub what: String,
}

impl Unsupported {
    pub fn new(version: Version, what: impl Into<String>) -> Self {
        Unsupported {
            version,
            what: what.into(),
        }
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("encoded message is {0} bytes, over the 65535-byte OpenFlow limit")]
    TooLong(usize),
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    #[error("invalid value: {0}")]
    Invalid(String),
}
