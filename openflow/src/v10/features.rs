//! OFPT_FEATURES_REPLY (`ofp_switch_features`).

use super::phy_port::PhyPort;
use super::wire::{fixed, pad, u32_, u64_, u8_, Put};
use crate::DecodeError;

/// `ofp_capabilities` (1.0).
pub mod capabilities {
    pub const FLOW_STATS: u32 = 1 << 0;
    pub const TABLE_STATS: u32 = 1 << 1;
    pub const PORT_STATS: u32 = 1 << 2;
    pub const STP: u32 = 1 << 3;
    pub const RESERVED: u32 = 1 << 4;
    pub const IP_REASM: u32 = 1 << 5;
    pub const QUEUE_STATS: u32 = 1 << 6;
    pub const ARP_MATCH_IP: u32 = 1 << 7;
}

/// Every action type of OpenFlow 1.0 (OUTPUT … ENQUEUE) as an `actions` bitmap.
pub const ALL_ACTIONS: u32 = 0x0000_0fff;

/// OFPT_FEATURES_REPLY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturesReply10 {
    pub datapath_id: crate::Dpid,
    pub n_buffers: u32,
    pub n_tables: u8,
    pub capabilities: u32,
    /// Bitmap of supported `ofp_action_type`s.
    pub actions: u32,
    pub ports: Vec<PhyPort>,
}

impl FeaturesReply10 {
    pub fn parse(body: &[u8]) -> Result<FeaturesReply10, DecodeError> {
        let (i, (datapath_id, n_buffers, n_tables, _, capabilities, actions)) = fixed(
            "features_reply",
            24,
            body,
            (u64_, u32_, u8_, pad(3), u32_, u32_),
        )?;
        let ports = PhyPort::parse_list(i)?;
        Ok(FeaturesReply10 {
            datapath_id: crate::Dpid(datapath_id),
            n_buffers,
            n_tables,
            capabilities,
            actions,
            ports,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u64(self.datapath_id.0);
        out.put_u32(self.n_buffers);
        out.put_u8(self.n_tables);
        out.put_zeros(3);
        out.put_u32(self.capabilities);
        out.put_u32(self.actions);
        for p in &self.ports {
            p.write(out);
        }
    }
}
