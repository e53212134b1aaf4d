//! Restore: validate everything, then push per switch in barrier-fenced batches, then read
//! the tables back and compare.
//!
//! Nothing is sent before the whole document has been checked: every switch (after
//! mapping) is connected and every flow lowers to that switch's version. Then, per switch:
//! in `replace` mode a delete-all FLOW_MOD and a barrier; the flows as ADDs, `batch` at a
//! time, each batch followed by a barrier (an OFPT_ERROR caused by a batch fails the
//! restore there, naming the batch); finally the tables are read back and compared with
//! [`diff_flows`].

use std::time::Duration;

use openflow::neutral::flow_mod_flags as ff;
use openflow::{FlowMod, Match, Message, Neutral, Version};
use serde::{Deserialize, Serialize};
use viola_framework::{Controller, Dpid, SendError};

use crate::diff::{diff_flows, FlowDiff};
use crate::document::FlowStateDoc;
use crate::error::FlowStateError;
use crate::flow::SavedFlow;
use crate::mapping::DpidMap;
use crate::save::read_flows;

/// FLOW_MODs between two barriers by default.
pub const DEFAULT_BATCH: usize = 200;

/// How long a full outbound queue may hold a push up before it fails.
const QUEUE_FULL_PATIENCE: Duration = Duration::from_secs(5);

/// What to do with the flows a switch already has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Delete every flow of every table first: the tables end up exactly as saved.
    #[default]
    Replace,
    /// Add the document's flows to what is there (same table, priority and match:
    /// replaced).
    Merge,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "replace" => Ok(Mode::Replace),
            "merge" => Ok(Mode::Merge),
            other => Err(format!(
                "unknown mode \"{other}\" (expected replace or merge)"
            )),
        }
    }
}

/// Options of a restore.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    pub map: DpidMap,
    pub mode: Mode,
    /// FLOW_MODs per barrier-fenced batch (at least 1).
    pub batch: usize,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions {
            map: DpidMap::default(),
            mode: Mode::Replace,
            batch: DEFAULT_BATCH,
        }
    }
}

/// What happened on one switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchReport {
    /// The switch written to (16 hex digits).
    pub dpid: Dpid,
    /// The document's switch it came from.
    pub document_dpid: Dpid,
    pub version: Version,
    /// FLOW_MOD adds sent (and fenced by barriers).
    pub pushed: usize,
    pub batches: usize,
    /// The tables read back agree with the document (in merge mode: contain it).
    pub verified: bool,
    /// What the read-back tables differ in (in merge mode, `extra` is left empty).
    pub mismatches: FlowDiff,
}

/// The answer of a restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReport {
    pub mode: Mode,
    pub pushed: usize,
    /// Every switch verified.
    pub verified: bool,
    pub switches: Vec<SwitchReport>,
}

/// One switch's part of a checked restore.
#[derive(Debug, Clone)]
pub struct PlannedSwitch {
    pub document: Dpid,
    pub target: Dpid,
    pub version: Version,
    pub flows: Vec<SavedFlow>,
    /// The flows lowered to `version`, in order.
    pub messages: Vec<Message>,
}

/// Checks a whole restore without sending anything (see the module docs).
pub fn plan(
    ctl: &Controller,
    doc: &FlowStateDoc,
    map: &DpidMap,
) -> Result<Vec<PlannedSwitch>, FlowStateError> {
    let pairs = map.resolve(doc)?;
    let mut out = Vec::with_capacity(pairs.len());
    for (i, ((document, target), sw)) in pairs.iter().zip(&doc.switches).enumerate() {
        let version = ctl.version(*target).ok_or(FlowStateError::NotConnected {
            document: *document,
            target: *target,
        })?;
        let mut messages = Vec::with_capacity(sw.flows.len());
        for (j, f) in sw.flows.iter().enumerate() {
            let m =
                lower(f, sw.version, version).map_err(|reason| FlowStateError::Unsupported {
                    flow: format!(
                        "switches[{i}] (dpid {}) flows[{j}] ({})",
                        document,
                        f.one_line()
                    ),
                    reason: format!("for switch {} (OpenFlow {version}): {reason}", target),
                })?;
            messages.push(m);
        }
        out.push(PlannedSwitch {
            document: *document,
            target: *target,
            version,
            flows: sw.flows.clone(),
            messages,
        });
    }
    Ok(out)
}

/// Lowers one flow for a switch of version `to`, saved from a switch of version `from`.
fn lower(f: &SavedFlow, from: Version, to: Version) -> Result<Message, String> {
    // Flag bit 2 is EMERG in 1.0 and RESET_COUNTS in 1.3; bits 3-4 exist in 1.3 only.
    if from != to {
        let bad = match to {
            Version::V1_0 => f.flags & (ff::RESET_COUNTS | ff::NO_PKT_COUNTS | ff::NO_BYT_COUNTS),
            Version::V1_3 | Version::V1_4 | Version::V1_5 => f.flags & ff::EMERG,
        };
        if bad != 0 {
            return Err(format!(
                "OpenFlow {to} cannot express flags {bad:#x} saved from an OpenFlow {from} switch"
            ));
        }
    }
    f.to_flow_mod().to_message(to).map_err(|e| e.to_string())
}

/// Restores `doc` (see the module docs). Refusals (map, missing switch, unsupported flow)
/// come before anything is sent.
pub async fn restore(
    ctl: &Controller,
    doc: &FlowStateDoc,
    opts: &RestoreOptions,
) -> Result<RestoreReport, FlowStateError> {
    let planned = plan(ctl, doc, &opts.map)?;
    let batch = opts.batch.max(1);
    let mut report = RestoreReport {
        mode: opts.mode,
        pushed: 0,
        verified: true,
        switches: Vec::with_capacity(planned.len()),
    };
    for p in &planned {
        let sw = push_switch(ctl, p, opts.mode, batch).await?;
        report.pushed += sw.pushed;
        report.verified &= sw.verified;
        report.switches.push(sw);
    }
    Ok(report)
}

async fn push_switch(
    ctl: &Controller,
    p: &PlannedSwitch,
    mode: Mode,
    batch: usize,
) -> Result<SwitchReport, FlowStateError> {
    let dpid = p.target;
    if mode == Mode::Replace {
        let clear = FlowMod::delete(Match::new())
            .to_message(p.version)
            .map_err(|e| FlowStateError::push(dpid, "delete all flows", e))?;
        send(ctl, dpid, clear, "delete all flows").await?;
        ctl.barrier(dpid)
            .await
            .map_err(|e| FlowStateError::push(dpid, "delete all flows", e))?;
    }
    let total = p.messages.len();
    let n_batches = total.div_ceil(batch);
    for (b, chunk) in p.messages.chunks(batch).enumerate() {
        let first = b * batch;
        let stage = format!(
            "flows {first}..{} (batch {} of {n_batches})",
            first + chunk.len(),
            b + 1
        );
        for m in chunk {
            send(ctl, dpid, m.clone(), &stage).await?;
        }
        ctl.barrier(dpid)
            .await
            .map_err(|e| FlowStateError::push(dpid, &stage, e))?;
    }
    let live = read_flows(ctl, dpid)
        .await
        .map_err(|e| FlowStateError::read(dpid, &e))?;
    let mut mismatches = diff_flows(&p.flows, &live);
    let verified = match mode {
        Mode::Replace => mismatches.is_empty(),
        Mode::Merge => {
            mismatches.extra.clear();
            mismatches.covers_expected()
        }
    };
    if !verified {
        tracing::warn!(
            dpid = %dpid,
            missing = mismatches.missing.len(),
            extra = mismatches.extra.len(),
            changed = mismatches.changed.len(),
            "flow-state: restored tables differ from the document"
        );
    }
    Ok(SwitchReport {
        dpid,
        document_dpid: p.document,
        version: p.version,
        pushed: total,
        batches: n_batches,
        verified,
        mismatches,
    })
}

/// Queues one message, waiting (a little) while the switch's outbound queue is full.
async fn send(ctl: &Controller, dpid: Dpid, m: Message, stage: &str) -> Result<(), FlowStateError> {
    let start = tokio::time::Instant::now();
    loop {
        match ctl.send_message(dpid, m.clone()) {
            Ok(()) => return Ok(()),
            Err(SendError::QueueFull(_)) if start.elapsed() < QUEUE_FULL_PATIENCE => {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => return Err(FlowStateError::send(dpid, stage, &e)),
        }
    }
}
