//! `map OLD=NEW`: restore (or diff) a document's switch OLD onto switch NEW.

use std::collections::BTreeMap;

use viola_framework::Dpid;

use crate::document::FlowStateDoc;
use crate::error::MapError;

/// Datapath-id pairs; switches not listed map to themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DpidMap(BTreeMap<Dpid, Dpid>);

impl DpidMap {
    /// Parses `OLD=NEW` items (each may also be a comma-separated list); dpids are 16 hex
    /// digits (colons allowed) or decimal numbers.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<DpidMap, MapError> {
        let mut m = BTreeMap::new();
        for item in items {
            for pair in item
                .as_ref()
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let (old, new) = pair
                    .split_once('=')
                    .ok_or_else(|| MapError(format!("\"{pair}\" is not OLD=NEW")))?;
                let dpid = |s: &str| {
                    s.parse::<Dpid>().ok().ok_or_else(|| {
                        MapError(format!(
                            "\"{s}\" in \"{pair}\" is not a datapath id (16 hex digits or a decimal number)"
                        ))
                    })
                };
                let (old, new) = (dpid(old)?, dpid(new)?);
                if let Some(prev) = m.insert(old, new) {
                    if prev != new {
                        return Err(MapError(format!(
                            "{} is mapped twice (to {} and {})",
                            old, prev, new
                        )));
                    }
                }
            }
        }
        Ok(DpidMap(m))
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (Dpid, Dpid)>) -> DpidMap {
        DpidMap(pairs.into_iter().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The switch a document's switch goes to.
    pub fn target(&self, d: Dpid) -> Dpid {
        self.0.get(&d).copied().unwrap_or(d)
    }

    /// `OLD=NEW` strings (the query/CLI form).
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|(o, n)| format!("{}={}", o, n)).collect()
    }

    /// (document dpid, target dpid) for every switch of `doc`. Refuses a map naming a
    /// switch the document does not have, and two document switches landing on one target.
    pub fn resolve(&self, doc: &FlowStateDoc) -> Result<Vec<(Dpid, Dpid)>, MapError> {
        if let Some(old) = self.0.keys().find(|o| doc.switch(**o).is_none()) {
            return Err(MapError(format!("the document has no switch {}", old)));
        }
        let pairs: Vec<(Dpid, Dpid)> = doc
            .switches
            .iter()
            .map(|s| (s.dpid, self.target(s.dpid)))
            .collect();
        let mut seen: BTreeMap<Dpid, Dpid> = BTreeMap::new();
        for (src, dst) in &pairs {
            if let Some(other) = seen.insert(*dst, *src) {
                return Err(MapError(format!(
                    "document switches {} and {} would both go to {}",
                    other, src, dst
                )));
            }
        }
        Ok(pairs)
    }
}
