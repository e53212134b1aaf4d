//! Requests, events and reports of the VM agent's control protocol (see [`crate::wire`]).

use serde::{Deserialize, Serialize};

/// Device configuration of one VM; a restore must use the same one as the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmConfig {
    pub vm: String,
    pub memory_mb: u32,
    pub kernel: String,
    pub initrd: String,
    #[serde(default)]
    pub append: String,
    /// Guest MAC, `52:54:00:…`.
    pub mac: String,
    /// Host tap device; user-mode networking when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap: Option<String>,
    /// User-mode networking port forwards in QEMU's `hostfwd` syntax
    /// (`tcp:127.0.0.1:5555-:7000`); not part of the migrated state, so a restored VM may
    /// use other host ports. Ignored with `tap`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostfwd: Vec<String>,
}

/// How the image is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotMode {
    /// Live pre-copy migration; the guest is stopped for the final copy and held paused
    /// until `unpause`.
    #[default]
    Precopy,
    /// QEMU's `background-snapshot` capability: a short stop at the start, the guest
    /// resumes by itself (QEMU 7.2) and the image is written while it runs.
    Background,
}

/// Where a restore reads its image from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreFrom {
    /// Snapshot server control address.
    pub server: String,
    pub snapshot_id: String,
    /// Image name in the snapshot; defaults to the VM name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// One request line, tagged by `"op"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Boot a VM; result: [`VmStatus`].
    Start(VmConfig),
    /// Migrate the VM's state to `target` (a snapshot server data address `HOST:PORT`),
    /// presenting `ticket` there; the agent relays QEMU's stream (QEMU writes to a unix
    /// socket in the agent's private run directory).
    /// Sends the event `{"type": "vm_paused", …}` when QEMU stops the guest, then
    /// `{"type": "migration_completed"}`; the final result ([`SnapshotReport`]) comes after
    /// `unpause` (pre-copy) or once the stream is complete (background).
    Snapshot {
        vm: String,
        target: String,
        /// The data port's one-time ticket (from the snapshot server's `prepare`).
        #[serde(default)]
        ticket: String,
        #[serde(default)]
        mode: SnapshotMode,
    },
    /// Let a snapshotted VM run again (pre-copy: once QEMU reached `postmigrate`).
    Unpause { vm: String },
    /// Start QEMU with `-incoming defer -S`, have the snapshot server stream the image to
    /// it, and leave the guest paused; result: [`VmStatus`].
    Restore {
        #[serde(flatten)]
        config: VmConfig,
        from: RestoreFrom,
    },
    /// Resume a paused (e.g. restored) VM.
    Cont { vm: String },
    /// Quit QEMU (idempotent).
    Stop { vm: String },
    /// Result: `[VmStatus…]`.
    Status,
}

/// Events sent while a `snapshot` runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// QEMU stopped the guest: the snapshot point. `ms` since the `migrate` command.
    VmPaused { vm: String, ms: u64 },
    /// QEMU finished writing the stream.
    MigrationCompleted { vm: String, ms: u64 },
}

/// Result of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SnapshotReport {
    pub vm: String,
    pub mode: SnapshotMode,
    /// QEMU's `downtime` from `query-migrate` (ms).
    pub downtime_ms: Option<i64>,
    /// QEMU's `total-time` from `query-migrate` (ms); `None` when QEMU reports 0 (QEMU
    /// 7.2 sometimes does after a background snapshot).
    pub total_time_ms: Option<i64>,
    /// `migrate` command → MIGRATION completed event, as the agent saw it (ms).
    #[serde(default)]
    pub migration_ms: u64,
    /// The pause the network sees: the cut (QEMU's STOP) → the guest's packets flow again
    /// (ms). Pre-copy: the guest is held stopped until `unpause` and then resumed, so this
    /// is the CPU stop. Background with the egress hold: cut → the held packets released
    /// at `unpause`, or QEMU's RESUME if the CPU runs again only later (nothing flows
    /// before both). Background without it: cut → QEMU's own RESUME.
    pub paused_ms: u64,
    /// The guest's CPU stop: STOP → RESUME (QEMU's event timestamps when present), ms.
    #[serde(default)]
    pub cpu_stopped_ms: u64,
    /// Whether the guest's egress was held by a QEMU `filter-buffer` from before the cut
    /// until `unpause` (background mode).
    #[serde(default)]
    pub egress_held: bool,
    /// Wall clock of the cut: QEMU's STOP event timestamp (µs since the Unix epoch).
    #[serde(default)]
    pub cut_unix_us: u64,
    /// Wall clock when the guest's packets could flow again: hold released, or the guest
    /// resumed (µs since the Unix epoch).
    #[serde(default)]
    pub released_unix_us: u64,
    /// `migrate` command → STOP event (ms).
    pub to_stop_ms: u64,
    /// Bytes QEMU reported as transferred.
    pub transferred_bytes: Option<u64>,
    pub qemu_version: String,
    pub command_line: Vec<String>,
}

/// State of one VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmStatus {
    pub vm: String,
    pub pid: Option<u32>,
    /// QEMU run state (`running`, `paused`, `postmigrate`, …) or `gone`.
    pub status: String,
    pub accel: String,
    pub serial_log: String,
    pub qemu_version: String,
    pub command_line: Vec<String>,
}
