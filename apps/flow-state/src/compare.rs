//! Diff of a document against the live tables (`POST /api/v1/flows/state/diff`).
//!
//! Only the document's switches are compared (after mapping); a switch of the document that
//! is not connected is reported with `connected: false` and every flow missing. Switches
//! the document does not mention are not looked at.

use serde::{Deserialize, Serialize};
use viola_framework::{Controller, Dpid};

use crate::diff::{diff_flows, FlowDiff};
use crate::document::FlowStateDoc;
use crate::error::FlowStateError;
use crate::mapping::DpidMap;
use crate::save::read_flows;

/// One switch's differences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchDiffReport {
    /// The live switch compared (16 hex digits).
    pub dpid: Dpid,
    /// The document's switch.
    pub document_dpid: Dpid,
    pub connected: bool,
    pub identical: bool,
    #[serde(flatten)]
    pub diff: FlowDiff,
}

/// The answer of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffReport {
    /// Every switch connected and identical.
    pub identical: bool,
    pub switches: Vec<SwitchDiffReport>,
}

/// Compares `doc` with the switches' tables, read now.
pub async fn diff_live(
    ctl: &Controller,
    doc: &FlowStateDoc,
    map: &DpidMap,
) -> Result<DiffReport, FlowStateError> {
    let pairs = map.resolve(doc)?;
    let mut out = DiffReport {
        identical: true,
        switches: Vec::with_capacity(pairs.len()),
    };
    for ((document, target), sw) in pairs.into_iter().zip(&doc.switches) {
        let connected = ctl.version(target).is_some();
        let diff = if connected {
            let live = read_flows(ctl, target)
                .await
                .map_err(|e| FlowStateError::read(target, &e))?;
            diff_flows(&sw.flows, &live)
        } else {
            FlowDiff {
                missing: sw.flows.clone(),
                ..FlowDiff::default()
            }
        };
        let identical = connected && diff.is_empty();
        out.identical &= identical;
        out.switches.push(SwitchDiffReport {
            dpid: target,
            document_dpid: document,
            connected,
            identical,
            diff,
        });
    }
    Ok(out)
}
