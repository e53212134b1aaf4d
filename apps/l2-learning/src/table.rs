//! Per-switch MAC tables, sharded by datapath id so PACKET_INs of different switches never
//! wait on one global lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use openflow::MacAddr;
use viola_framework::Dpid;

const SHARDS: usize = 16;
/// Entries idle this long may be evicted when a table is full.
const EVICT_AFTER: Duration = Duration::from_secs(300);

/// Hash state of the tables. SipHash was 7 % of a PACKET_IN's instructions (four look-ups
/// per packet); aHash with per-table random keys keeps look-ups cheap while sources chosen
/// by a remote host still cannot be aimed at one bucket (and every table is bounded anyway).
pub type FastState = ahash::RandomState;

#[derive(Debug, Clone, Copy)]
struct Entry {
    port: u32,
    last_seen: Instant,
}

/// What learning a source did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    New,
    Refreshed,
    /// Known before at another port.
    Moved {
        old_port: u32,
    },
    /// The table is full of recently seen addresses: not learned.
    Full,
}

/// One switch's table.
#[derive(Debug, Default)]
pub struct MacTable {
    entries: HashMap<MacAddr, Entry, FastState>,
    last_purge: Option<Instant>,
}

impl MacTable {
    pub fn lookup(&self, mac: MacAddr) -> Option<u32> {
        self.entries.get(&mac).map(|e| e.port)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Learns `mac` at `port`, bounded to `max` entries.
    pub fn learn(&mut self, mac: MacAddr, port: u32, now: Instant, max: usize) -> Learned {
        if let Some(e) = self.entries.get_mut(&mac) {
            let old = e.port;
            e.port = port;
            e.last_seen = now;
            return if old == port {
                Learned::Refreshed
            } else {
                Learned::Moved { old_port: old }
            };
        }
        if self.entries.len() >= max {
            // At most one purge scan per second keeps a flood of new sources cheap.
            let due = self
                .last_purge
                .is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(1));
            if due {
                self.last_purge = Some(now);
                self.entries
                    .retain(|_, e| now.saturating_duration_since(e.last_seen) < EVICT_AFTER);
            }
            if self.entries.len() >= max {
                return Learned::Full;
            }
        }
        self.entries.insert(
            mac,
            Entry {
                port,
                last_seen: now,
            },
        );
        Learned::New
    }

    pub fn forget(&mut self, mac: MacAddr) -> bool {
        self.entries.remove(&mac).is_some()
    }

    /// Forgets every address learned at `port`; returns how many.
    pub fn forget_port(&mut self, port: u32) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.port != port);
        before - self.entries.len()
    }

    pub fn macs(&self) -> impl Iterator<Item = MacAddr> + '_ {
        self.entries.keys().copied()
    }
}

/// Every switch's table, in shards.
#[derive(Debug)]
pub struct Tables {
    shards: Vec<Mutex<HashMap<Dpid, MacTable, FastState>>>,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another handler must not take forwarding down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tables {
    fn shard(&self, dpid: Dpid) -> &Mutex<HashMap<Dpid, MacTable, FastState>> {
        let d = dpid.get();
        let h = (d ^ (d >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let i = (h >> 60) as usize % self.shards.len();
        // `i` < len by construction; fall back to the first shard rather than index.
        self.shards.get(i).unwrap_or_else(|| &self.shards[0])
    }

    /// Runs `f` on the table of `dpid` (created empty if needed) under its shard's lock.
    pub fn with<R>(&self, dpid: Dpid, f: impl FnOnce(&mut MacTable) -> R) -> R {
        let mut g = lock(self.shard(dpid));
        f(g.entry(dpid).or_default())
    }

    /// Drops a switch's table; returns how many addresses it held.
    pub fn remove_switch(&self, dpid: Dpid) -> usize {
        lock(self.shard(dpid)).remove(&dpid).map_or(0, |t| t.len())
    }

    /// Forgets `mac` on every switch but `keep`; returns how many entries went.
    pub fn forget_everywhere(&self, mac: MacAddr, keep: Option<Dpid>) -> usize {
        let mut gone = 0;
        for s in &self.shards {
            for (d, t) in lock(s).iter_mut() {
                if Some(*d) != keep && t.forget(mac) {
                    gone += 1;
                }
            }
        }
        gone
    }

    /// Empties every table; returns how many entries went and the addresses that were
    /// known (deduplicated).
    pub fn clear(&self) -> (usize, Vec<MacAddr>) {
        let mut all = std::collections::BTreeSet::new();
        let mut entries = 0;
        for s in &self.shards {
            for t in lock(s).values_mut() {
                entries += t.len();
                all.extend(t.macs());
                t.entries.clear();
            }
        }
        (entries, all.into_iter().collect())
    }

    /// Total entries over all switches.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| lock(s).values().map(MacTable::len).sum::<usize>())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(n: u8) -> MacAddr {
        MacAddr([0, 0, 0, 0, 0, n])
    }

    #[test]
    fn learn_refresh_move() {
        let t0 = Instant::now();
        let mut t = MacTable::default();
        assert_eq!(t.learn(mac(1), 1, t0, 10), Learned::New);
        assert_eq!(t.learn(mac(1), 1, t0, 10), Learned::Refreshed);
        assert_eq!(t.learn(mac(1), 2, t0, 10), Learned::Moved { old_port: 1 });
        assert_eq!(t.lookup(mac(1)), Some(2));
        assert_eq!(t.forget_port(2), 1);
        assert_eq!(t.lookup(mac(1)), None);
    }

    #[test]
    fn bounded_with_eviction_of_idle_entries() {
        let t0 = Instant::now();
        let mut t = MacTable::default();
        for n in 0..4 {
            assert_eq!(t.learn(mac(n), 1, t0, 4), Learned::New);
        }
        assert_eq!(t.learn(mac(9), 1, t0, 4), Learned::Full);
        assert_eq!(t.len(), 4);
        // Once the old entries idled long enough, room is made.
        assert_eq!(
            t.learn(mac(9), 1, t0 + EVICT_AFTER + Duration::from_secs(2), 4),
            Learned::New
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn sharded_tables() {
        let t0 = Instant::now();
        let tables = Tables::default();
        for d in 1..=40u64 {
            tables.with(Dpid(d), |t| t.learn(mac(1), d as u32, t0, 10));
        }
        assert_eq!(tables.len(), 40);
        assert_eq!(tables.with(Dpid(7), |t| t.lookup(mac(1))), Some(7));
        assert_eq!(tables.forget_everywhere(mac(1), Some(Dpid(7))), 39);
        assert_eq!(tables.forget_everywhere(mac(1), None), 1);
        assert!(tables.is_empty());
        tables.with(Dpid(3), |t| t.learn(mac(2), 1, t0, 10));
        assert_eq!(tables.remove_switch(Dpid(3)), 1);
    }
}
