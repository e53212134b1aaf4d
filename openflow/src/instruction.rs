//! Version-neutral instructions (OpenFlow 1.3). In OpenFlow 1.0 only a single
//! `ApplyActions` can be expressed.

use std::fmt;

use bytes::Bytes;

use crate::action::{Action, DisplayActions};

/// One instruction of a flow entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Instruction {
    GotoTable(u8),
    WriteMetadata {
        metadata: u64,
        mask: u64,
    },
    WriteActions(Vec<Action>),
    ApplyActions(Vec<Action>),
    ClearActions,
    Meter(u32),
    /// Experimenter instruction; `data` follows the experimenter id byte for byte.
    Experimenter {
        experimenter: u32,
        data: Bytes,
    },
    /// An instruction type Viola does not know; `data` follows the 4-byte header.
    Unknown {
        instruction_type: u16,
        data: Bytes,
    },
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Instruction::*;
        match self {
            GotoTable(t) => write!(f, "goto_table:{t}"),
            WriteMetadata { metadata, mask } => write!(f, "write_metadata:{metadata:#x}/{mask:#x}"),
            WriteActions(a) => write!(f, "write_actions({})", DisplayActions(a)),
            ApplyActions(a) => write!(f, "{}", DisplayActions(a)),
            ClearActions => f.write_str("clear_actions"),
            Meter(m) => write!(f, "meter:{m}"),
            Experimenter { experimenter, data } => {
                write!(
                    f,
                    "experimenter_instruction(0x{experimenter:08x},{} bytes)",
                    data.len()
                )
            }
            Unknown {
                instruction_type,
                data,
            } => {
                write!(
                    f,
                    "instruction(type=0x{instruction_type:04x},{} bytes)",
                    data.len()
                )
            }
        }
    }
}

/// Formats instructions as `ovs-ofctl` prints a flow's `actions=` part.
pub struct DisplayInstructions<'a>(pub &'a [Instruction]);

impl fmt::Display for DisplayInstructions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("drop");
        }
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{x}")?;
        }
        Ok(())
    }
}
