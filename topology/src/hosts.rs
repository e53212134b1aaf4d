//! [`HostTable`]: the hosts, shared between the model and every snapshot.
//!
//! Hosts change far more often than links (every new address on a busy network), so they
//! are not copied into each immutable snapshot: the table is sharded and shared, and a
//! snapshot reads it live. Lookups on the PACKET_IN path ([`HostTable::at`]) copy only the
//! attachment point.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use openflow::MacAddr;

use crate::types::{Host, PortRef};

/// Shards of the table.
pub const SHARDS: usize = 16;

/// The host table (see the module docs).
#[derive(Debug)]
pub struct HostTable {
    shards: Vec<RwLock<HashMap<MacAddr, Host>>>,
}

impl Default for HostTable {
    fn default() -> Self {
        HostTable {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }
}

impl HostTable {
    fn shard(&self, mac: MacAddr) -> &RwLock<HashMap<MacAddr, Host>> {
        let i =
            (mac.to_u64().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as usize % self.shards.len();
        &self.shards[i]
    }

    fn read(&self, mac: MacAddr) -> RwLockReadGuard<'_, HashMap<MacAddr, Host>> {
        self.shard(mac).read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self, mac: MacAddr) -> RwLockWriteGuard<'_, HashMap<MacAddr, Host>> {
        self.shard(mac).write().unwrap_or_else(|p| p.into_inner())
    }

    /// Where `mac` is attached, if it is a known host.
    pub fn at(&self, mac: MacAddr) -> Option<PortRef> {
        self.read(mac).get(&mac).map(|h| h.at)
    }

    /// A copy of the host.
    pub fn get(&self, mac: MacAddr) -> Option<Host> {
        self.read(mac).get(&mac).cloned()
    }

    /// Runs `f` on the host without copying it.
    pub fn with<R>(&self, mac: MacAddr, f: impl FnOnce(&Host) -> R) -> Option<R> {
        self.read(mac).get(&mac).map(f)
    }

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every host, sorted by address.
    pub fn all(&self) -> Vec<Host> {
        let mut v: Vec<Host> = self
            .shards
            .iter()
            .flat_map(|s| {
                s.read()
                    .unwrap_or_else(|p| p.into_inner())
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort_by_key(|h| h.mac);
        v
    }

    /// Removes and returns (sorted by address) every host `pred` selects.
    pub(crate) fn remove_where(&self, pred: impl Fn(&Host) -> bool) -> Vec<Host> {
        let mut gone = Vec::new();
        for s in &self.shards {
            let mut g = s.write().unwrap_or_else(|p| p.into_inner());
            let macs: Vec<MacAddr> = g.values().filter(|h| pred(h)).map(|h| h.mac).collect();
            gone.extend(macs.into_iter().filter_map(|m| g.remove(&m)));
        }
        gone.sort_by_key(|h| h.mac);
        gone
    }
}
