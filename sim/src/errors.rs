//! OFPT_ERROR (type, code) pairs the simulated switch answers with, per version.

use openflow::error::{bad_request, error_type};
use openflow::Version;

/// An OpenFlow error to send back: the request failed with this (type, code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("OpenFlow error type 0x{err_type:04x} code 0x{code:04x}")]
pub struct OfError {
    pub err_type: u16,
    pub code: u16,
}

impl OfError {
    pub const fn new(err_type: u16, code: u16) -> Self {
        OfError { err_type, code }
    }

    /// FLOW_MOD_FAILED with the 1.3 code `code13`, mapped to 1.0 where the code exists there.
    pub fn flow_mod_failed(v: Version, code13: u16) -> Self {
        match v {
            Version::V1_3 | Version::V1_4 | Version::V1_5 => {
                OfError::new(error_type::V13_FLOW_MOD_FAILED, code13)
            }
            Version::V1_0 => {
                // 1.0: ALL_TABLES_FULL 0, OVERLAP 1, EPERM 2, BAD_EMERG_TIMEOUT 3,
                // BAD_COMMAND 4, UNSUPPORTED 5.
                let code = match code13 {
                    fm13::TABLE_FULL => 0x0000,
                    fm13::OVERLAP => 0x0001,
                    fm13::EPERM => 0x0002,
                    fm13::BAD_COMMAND => 0x0004,
                    _ => 0x0005,
                };
                OfError::new(error_type::V10_FLOW_MOD_FAILED, code)
            }
        }
    }

    pub fn bad_request(code: u16) -> Self {
        OfError::new(error_type::BAD_REQUEST, code)
    }

    /// BAD_REQUEST / BAD_TYPE: a message the switch does not handle.
    pub fn bad_type() -> Self {
        Self::bad_request(bad_request::BAD_TYPE)
    }

    /// A request refers to a table that does not exist.
    pub fn bad_table(v: Version) -> Self {
        Self::flow_mod_failed(v, fm13::BAD_TABLE_ID)
    }
}

/// `ofp_flow_mod_failed_code` values of OpenFlow 1.3.
pub mod fm13 {
    pub const UNKNOWN: u16 = 0x0000;
    pub const TABLE_FULL: u16 = 0x0001;
    pub const BAD_TABLE_ID: u16 = 0x0002;
    pub const OVERLAP: u16 = 0x0003;
    pub const EPERM: u16 = 0x0004;
    pub const BAD_TIMEOUT: u16 = 0x0005;
    pub const BAD_COMMAND: u16 = 0x0006;
    pub const BAD_FLAGS: u16 = 0x0007;
}

/// `OFPET_GROUP_MOD_FAILED` (1.3) and its codes.
pub mod group_mod_failed {
    pub const TYPE: u16 = 0x0006;
    pub const GROUP_EXISTS: u16 = 0x0000;
    pub const INVALID_GROUP: u16 = 0x0001;
    pub const UNKNOWN_GROUP: u16 = 0x0008;
}

/// `OFPBAC_BAD_OUT_GROUP` (1.3).
pub const BAD_OUT_GROUP: u16 = 0x0009;
/// `OFPBIC_BAD_TABLE_ID` (1.3): goto_table to a table that is not later in the pipeline.
pub const BAD_INSTRUCTION_TABLE_ID: u16 = openflow::error::bad_instruction::BAD_TABLE_ID;
/// `OFPBIC_UNSUP_INST` (1.3).
pub const UNSUP_INST: u16 = openflow::error::bad_instruction::UNSUP_INST;
