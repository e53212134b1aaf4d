//! What differs between the flows a document expects and the flows a switch has.
//!
//! Flows are compared in normalised form ([`SavedFlow::normalised`]); counters and
//! durations are never part of a [`SavedFlow`]. A flow's identity is (table, priority,
//! match): an expected flow whose identity is live but whose other fields (cookie,
//! timeouts, flags, instructions) differ is *changed*; one whose identity is not live is
//! *missing*; a live flow whose identity is not expected is *extra*.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::SavedFlow;

/// A flow present on both sides with different contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFlow {
    pub expected: SavedFlow,
    pub actual: SavedFlow,
}

/// The differences of one switch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDiff {
    /// Expected, not in the switch.
    pub missing: Vec<SavedFlow>,
    /// In the switch, not expected.
    pub extra: Vec<SavedFlow>,
    /// Same table, priority and match; something else differs.
    pub changed: Vec<ChangedFlow>,
}

impl FlowDiff {
    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }

    /// Nothing expected is missing or changed (extra flows allowed: a merge).
    pub fn covers_expected(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty()
    }
}

type Key = (u8, u16, String);

fn by_identity(flows: &[SavedFlow]) -> BTreeMap<Key, Vec<SavedFlow>> {
    let mut m: BTreeMap<Key, Vec<SavedFlow>> = BTreeMap::new();
    for f in flows {
        m.entry(f.identity()).or_default().push(f.clone());
    }
    m
}

/// Compares `expected` with `actual` (see the module docs). Every list of the result is in
/// identity order (table, priority, match), so the output is stable.
pub fn diff_flows(expected: &[SavedFlow], actual: &[SavedFlow]) -> FlowDiff {
    let mut out = FlowDiff::default();
    let mut live = by_identity(actual);
    for (key, want) in by_identity(expected) {
        let mut have = live.remove(&key).unwrap_or_default();
        let mut unmatched = Vec::new();
        for w in want {
            let wn = w.normalised();
            match have.iter().position(|h| h.normalised() == wn) {
                Some(i) => {
                    have.swap_remove(i);
                }
                None => unmatched.push(w),
            }
        }
        // Pair what is left on both sides as changed; the rest is missing or extra.
        let mut have = have.into_iter();
        for w in unmatched {
            match have.next() {
                Some(h) => out.changed.push(ChangedFlow {
                    expected: w,
                    actual: h,
                }),
                None => out.missing.push(w),
            }
        }
        out.extra.extend(have);
    }
    out.extra.extend(live.into_values().flatten());
    out.extra.sort_by_cached_key(SavedFlow::identity);
    out
}
