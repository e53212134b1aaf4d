//! The record of a snapshot the transaction controller writes (`<state>/snapshots/<id>.json`)
//! and attaches to every snapshot server's manifest.

use crate::agent::SnapshotMode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const RECORD_FORMAT: &str = "viola.tc-snapshot/1";

/// One VM in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct VmRecord {
    pub server: String,
    pub snapshot_server: String,
    /// Image digest and size (filled in from the snapshot server's manifest at commit).
    pub sha256: String,
    pub size: u64,
    /// QEMU's downtime (ms).
    pub downtime_ms: Option<i64>,
    /// The pause the network sees: the cut → the guest's packets flow again (ms); see
    /// [`crate::agent::SnapshotReport::paused_ms`].
    pub paused_ms: u64,
    /// The guest's CPU stop, STOP → RESUME (ms).
    #[serde(default)]
    pub cpu_stopped_ms: u64,
    /// Egress held by a QEMU filter from before the cut until VM_UNPAUSE.
    #[serde(default)]
    pub egress_held: bool,
    /// Wall clock (µs since the Unix epoch) of the cut (QEMU's STOP), of the controller's
    /// answer to ADVANCE_EPOCH as the transaction controller received it, and of the
    /// guest's packets flowing again.
    #[serde(default)]
    pub cut_unix_us: u64,
    #[serde(default)]
    pub advanced_unix_us: u64,
    #[serde(default)]
    pub released_unix_us: u64,
    /// QEMU's total migration time (ms).
    pub total_time_ms: Option<i64>,
    /// Migration time as the agent measured it (ms).
    #[serde(default)]
    pub migration_ms: u64,
    /// Snapshot start → VM_PAUSED at the agent (ms).
    pub to_stop_ms: u64,
    /// VM_PAUSED received → ADVANCE_EPOCH answered (ms).
    pub advance_ms: u64,
    /// VM_PAUSED received → VM_UNPAUSE answered (ms).
    pub unpause_ms: u64,
    pub qemu_version: String,
    pub command_line: Vec<String>,
    /// Whatever the controller answered to ADVANCE_EPOCH / REINJECT_PACKETS.
    #[serde(default)]
    pub advance: Value,
    #[serde(default)]
    pub reinject: Value,
}

/// Per-phase timings (ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Timings {
    pub prepare_ms: u64,
    pub flows_ms: u64,
    pub epoch_ms: u64,
    /// First snapshot start → last VM snapshot finished.
    pub snapshot_ms: u64,
    /// First VM_PAUSED → last VM_PAUSED (how far apart the cuts are).
    pub pause_skew_ms: u64,
    pub commit_ms: u64,
    pub total_ms: u64,
}

/// The snapshot record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub format: String,
    pub snapshot_id: String,
    pub service: String,
    /// Epoch the controller started (`null` without a controller).
    pub epoch: Option<u64>,
    pub mode: SnapshotMode,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
    pub vms: BTreeMap<String, VmRecord>,
    /// `GET /api/v1/flows/state` taken before the epoch started (`null` without controller).
    #[serde(default)]
    pub flow_state: Value,
    pub timings: Timings,
}
