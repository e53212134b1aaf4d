//! [`SnapshotEvent`]: typed events of the snapshot phases. Each is published to the apps
//! (`Event::App`, downcast to `SnapshotEvent`) and sent to `GET /api/v1/events` with
//! `app = "snapshot"` and `kind` = [`SnapshotEvent::kind`].

use serde::Serialize;
use viola_framework::Controller;

/// A snapshot phase happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SnapshotEvent {
    Registered {
        service: String,
        vms: usize,
    },
    Unregistered {
        service: String,
    },
    EpochStarted {
        service: String,
        epoch: u64,
    },
    VmAdvanced {
        service: String,
        vm: String,
        epoch: u64,
        deleted_rules: usize,
        elapsed_ms: f64,
    },
    /// Every VM of the service reached `epoch`.
    Complete {
        service: String,
        epoch: u64,
        elapsed_ms: Option<f64>,
    },
    Reinjected {
        service: String,
        vm: String,
        packets: usize,
        remaining: usize,
    },
    Aborted {
        service: String,
        epoch: u64,
        released: usize,
        dropped: usize,
    },
}

impl SnapshotEvent {
    /// The SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            SnapshotEvent::Registered { .. } => "snapshot_registered",
            SnapshotEvent::Unregistered { .. } => "snapshot_unregistered",
            SnapshotEvent::EpochStarted { .. } => "snapshot_epoch_started",
            SnapshotEvent::VmAdvanced { .. } => "snapshot_vm_advanced",
            SnapshotEvent::Complete { .. } => "snapshot_complete",
            SnapshotEvent::Reinjected { .. } => "snapshot_reinjected",
            SnapshotEvent::Aborted { .. } => "snapshot_aborted",
        }
    }

    /// Publishes to the apps and to the event stream.
    pub fn send(self, ctl: &Controller) {
        tracing::info!(target: "viola::snapshot", kind = self.kind(), "{}", serde_json::to_string(&self).unwrap_or_default());
        ctl.emit(
            "snapshot",
            self.kind(),
            serde_json::to_value(&self).unwrap_or_default(),
        );
        ctl.publish(self);
    }
}
