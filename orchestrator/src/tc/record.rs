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
    /// Guest paused, STOP → running again, as the agent measured (ms).
    pub paused_ms: u64,
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
