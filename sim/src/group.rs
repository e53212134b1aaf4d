//! Group table entries (OpenFlow 1.3 groups: ALL, SELECT, INDIRECT, FAST_FAILOVER).

use openflow::{Action, FlowRemoved};

use super::errors::{group_mod_failed, OfError};
use super::flow_table::{removed_reason, FlowTable};

/// `OFPGMFC_BAD_TYPE`.
const BAD_TYPE: u16 = 0x000a;
/// `OFPGMFC_BAD_COMMAND`.
const BAD_COMMAND: u16 = 0x000b;

/// `OFPG_ALL`: every group (delete).
pub const GROUP_ALL: u32 = 0xffff_fffc;

/// `ofp_group_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupType {
    /// Every bucket gets a copy of the packet.
    All,
    /// One bucket (the simulator picks by a hash of the packet).
    Select,
    /// Exactly one bucket.
    Indirect,
    /// The first bucket whose watch port is live.
    FastFailover,
}

impl GroupType {
    pub const fn from_wire(v: u8) -> Option<Self> {
        Some(match v {
            0 => GroupType::All,
            1 => GroupType::Select,
            2 => GroupType::Indirect,
            3 => GroupType::FastFailover,
            _ => return None,
        })
    }
}

/// One bucket of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub weight: u16,
    /// [`openflow::port::ANY`] when the bucket watches no port.
    pub watch_port: u32,
    pub actions: Vec<Action>,
}

impl Bucket {
    /// A bucket that just applies `actions`.
    pub fn new(actions: Vec<Action>) -> Self {
        Bucket {
            weight: 1,
            watch_port: openflow::port::ANY,
            actions,
        }
    }
}

/// `ofp_group_mod_command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCommand {
    Add,
    Modify,
    Delete,
}

/// A group entry with its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub group_type: GroupType,
    pub buckets: Vec<Bucket>,
    pub packet_count: u64,
    pub byte_count: u64,
}

impl FlowTable {
    /// Applies a GROUP_MOD as it came from the wire (1.3): an unknown command or group
    /// type is the error a switch answers.
    pub fn group_mod_message(
        &mut self,
        g: &openflow::v13::GroupMod,
    ) -> Result<Vec<FlowRemoved>, OfError> {
        let command = match g.command {
            0 => GroupCommand::Add,
            1 => GroupCommand::Modify,
            2 => GroupCommand::Delete,
            _ => return Err(OfError::new(group_mod_failed::TYPE, BAD_COMMAND)),
        };
        let group_type = GroupType::from_wire(g.group_type)
            .ok_or(OfError::new(group_mod_failed::TYPE, BAD_TYPE))?;
        let buckets = g
            .buckets
            .iter()
            .map(|b| Bucket {
                weight: b.weight,
                watch_port: b.watch_port,
                actions: b.actions.clone(),
            })
            .collect();
        self.group_mod(command, g.group_id, group_type, buckets)
    }

    /// Applies a GROUP_MOD (1.3). Deleting a group deletes the flows that use it.
    pub fn group_mod(
        &mut self,
        command: GroupCommand,
        group_id: u32,
        group_type: GroupType,
        buckets: Vec<Bucket>,
    ) -> Result<Vec<FlowRemoved>, OfError> {
        let err = |code| OfError::new(group_mod_failed::TYPE, code);
        match command {
            GroupCommand::Add => {
                if group_id > 0xffff_ff00 {
                    return Err(err(group_mod_failed::INVALID_GROUP));
                }
                if self.groups.contains_key(&group_id) {
                    return Err(err(group_mod_failed::GROUP_EXISTS));
                }
                self.groups.insert(
                    group_id,
                    Group {
                        group_type,
                        buckets,
                        packet_count: 0,
                        byte_count: 0,
                    },
                );
                Ok(Vec::new())
            }
            GroupCommand::Modify => match self.groups.get_mut(&group_id) {
                Some(g) => {
                    g.group_type = group_type;
                    g.buckets = buckets;
                    Ok(Vec::new())
                }
                None => Err(err(group_mod_failed::UNKNOWN_GROUP)),
            },
            GroupCommand::Delete => {
                let ids: Vec<u32> = if group_id == GROUP_ALL {
                    self.groups.keys().copied().collect()
                } else {
                    vec![group_id]
                };
                let mut removed = Vec::new();
                for id in ids {
                    if self.groups.remove(&id).is_some() {
                        removed.extend(
                            self.remove_where(|f| f.uses_group(id), removed_reason::GROUP_DELETE),
                        );
                    }
                }
                Ok(removed)
            }
        }
    }
}
