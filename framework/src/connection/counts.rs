//! Per-connection message counters by kind, flushed to Prometheus once per batch by the
//! driver (an array increment per message instead of a labelled-metric lookup).

use openflow::MessageKind;

/// Every [`MessageKind`], in declaration order (so `ALL_KINDS[k as usize] == k`).
pub const ALL_KINDS: [MessageKind; 31] = {
    use MessageKind::*;
    [
        Hello,
        Error,
        EchoRequest,
        EchoReply,
        Experimenter,
        FeaturesRequest,
        FeaturesReply,
        GetConfigRequest,
        GetConfigReply,
        SetConfig,
        PacketIn,
        FlowRemoved,
        PortStatus,
        PacketOut,
        FlowMod,
        GroupMod,
        PortMod,
        TableMod,
        StatsRequest,
        StatsReply,
        BarrierRequest,
        BarrierReply,
        QueueGetConfigRequest,
        QueueGetConfigReply,
        RoleRequest,
        RoleReply,
        GetAsyncRequest,
        GetAsyncReply,
        SetAsync,
        MeterMod,
        Unknown,
    ]
};

/// Counts of messages by kind since the last [`Counts::drain`].
#[derive(Debug, Clone, Default)]
pub struct Counts {
    n: [u64; ALL_KINDS.len()],
}

impl Counts {
    pub fn add(&mut self, k: MessageKind) {
        if let Some(c) = self.n.get_mut(k as usize) {
            *c += 1;
        }
    }
    /// The count of one kind.
    pub fn get(&self, k: MessageKind) -> u64 {
        self.n.get(k as usize).copied().unwrap_or(0)
    }
    /// Calls `f` for every non-zero count and resets it.
    pub fn drain(&mut self, mut f: impl FnMut(MessageKind, u64)) {
        for (i, c) in self.n.iter_mut().enumerate() {
            if *c != 0 {
                if let Some(k) = ALL_KINDS.get(i) {
                    f(*k, *c);
                }
                *c = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_declaration_order() {
        for (i, k) in ALL_KINDS.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
    }
}
