//! Holding a guest's outgoing packets from the snapshot cut until VM_UNPAUSE.
//!
//! In background mode QEMU 7.2 stops the guest only for the snapshot's setup and then
//! resumes it by itself, long before the controller has advanced the VM's epoch. Packets
//! the guest sends in between would reach the network as if they were sent before the
//! cut. A QEMU `filter-buffer` on the guest's netdev, `queue=rx` (the queue of packets
//! sent *to* the netdev, i.e. by the guest), holds them inside QEMU instead: added just
//! before `migrate` (so before the cut), switched off at VM_UNPAUSE (switching it off
//! flushes the held packets, in order, to the tap), then deleted. The held packets are not
//! part of the guest's migrated state, and the guest's CPU keeps running, so the guest
//! stays responsive while the network sees a strict cut.

use super::qmp::{Qmp, QmpError};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

/// The netdev id every agent VM has (see [`super::qemu::command_line`]).
pub const NETDEV: &str = "net0";

/// `filter-buffer` releases what it holds every `interval` µs (a `uint32`, not 0): the
/// largest value, about 71 minutes, is far beyond any hold (the agent's hold timeout).
const INTERVAL_US: u32 = u32::MAX;

/// Wall clock now, µs since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// An engaged hold: guest egress is queued inside QEMU.
#[derive(Debug)]
pub struct EgressHold {
    id: String,
    /// When the filter was in place (µs since the Unix epoch).
    pub engaged_us: u64,
}

impl EgressHold {
    /// Adds the filter `id` on [`NETDEV`]; from the moment this returns no packet the
    /// guest sends leaves QEMU.
    pub async fn engage(qmp: &Qmp, id: &str) -> Result<Self, QmpError> {
        qmp.object_add(json!({
            "qom-type": "filter-buffer",
            "id": id,
            "netdev": NETDEV,
            "queue": "rx",
            "interval": INTERVAL_US,
            "status": "on",
        }))
        .await?;
        Ok(EgressHold {
            id: id.to_string(),
            engaged_us: now_us(),
        })
    }

    /// Lets the held packets go (`status off` flushes them) and removes the filter.
    /// Returns the wall-clock time the release was asked for (µs since the Unix epoch);
    /// QEMU flushes the held packets while it executes the command. QEMU frees a deleted
    /// filter's queue, so the filter is switched off before it is deleted.
    pub async fn release(self, qmp: &Qmp) -> Result<u64, QmpError> {
        let at = now_us();
        if let Err(e) = qmp
            .qom_set(&format!("/objects/{}", self.id), "status", json!("off"))
            .await
        {
            // Never leave the guest cut off: drop the held packets rather than keep them.
            let _ = qmp.object_del(&self.id).await;
            return Err(e);
        }
        qmp.object_del(&self.id).await?;
        Ok(at)
    }
}
