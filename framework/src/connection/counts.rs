//! Per-connection message counters by kind, flushed to Prometheus once per batch by the
//! driver (an array increment per message instead of a labelled-metric lookup).

use openflow::MessageKind;

/// Counts of messages by kind since the last [`Counts::drain`].
#[derive(Debug, Clone)]
pub struct Counts {
    n: [u64; MessageKind::ALL.len()],
}

// Written out: `Default` is derived for arrays of at most 32 elements.
impl Default for Counts {
    fn default() -> Self {
        Counts {
            n: [0; MessageKind::ALL.len()],
        }
    }
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
                if let Some(k) = MessageKind::ALL.get(i) {
                    f(*k, *c);
                }
                *c = 0;
            }
        }
    }
}
