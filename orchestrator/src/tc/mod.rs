//! The transaction controller: boots a service's VMs through their agents, drives a
//! distributed snapshot (START_SNAPSHOT → VM_PAUSED → ADVANCE_EPOCH → VM_UNPAUSE +
//! REINJECT_PACKETS → COMMIT, or ABORT everywhere), restores at a site, reports, tears down.
//!
//! The logic is generic over [`cluster::Cluster`] — the agents, snapshot servers and
//! controller — so every failure path is unit-tested with in-memory fakes.

pub mod catalog;
pub mod cluster;
pub mod journal;
pub mod ops;
pub mod progress;
pub mod record;
pub mod recover;
pub mod restore;
pub mod schedule;
pub mod service;
pub mod snapshot;
#[cfg(test)]
mod tests;
pub mod two_phase;

pub use cluster::{Cluster, ClusterError, DataPort, RealCluster};
pub use journal::Journal;
pub use progress::Progress;
pub use record::SnapshotRecord;
pub use recover::{recover, RecoveryReport};
pub use restore::{restore, restore_with, RestoreReport};
pub use service::ServiceFile;
pub use snapshot::{snapshot, snapshot_with, Phase, SnapshotOptions, TcError};
