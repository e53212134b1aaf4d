//! A cluster that runs a test's hooks around chosen calls (a slow controller, a process
//! killed at a point of the two-phase commit) and passes everything to the wrapped
//! cluster unchanged.

use serde_json::Value;
use std::collections::BTreeMap;
use tokio::sync::mpsc;
use viola_orchestrator::agent::{
    AgentEvent, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus,
};
use viola_orchestrator::snapshot_server::protocol::Listing;
use viola_orchestrator::snapshot_server::Manifest;
use viola_orchestrator::tc::cluster::{CResult, DataPort};
use viola_orchestrator::tc::service::{SnapshotServerEntry, VmServerEntry};
use viola_orchestrator::tc::Cluster;

/// What a test adds; every hook does nothing unless overridden.
#[allow(async_fn_in_trait)]
pub trait Hooks {
    /// Before ADVANCE_EPOCH for `vm`.
    async fn before_advance(&self, _vm: &str) {}
    /// Before snapshot server `server` is asked to vote.
    async fn before_vote(&self, _server: &str) {}
    /// After `server` answered its vote.
    async fn after_vote(&self, _server: &str) {}
    /// Before `server` is asked to commit.
    async fn before_commit(&self, _server: &str) {}
}

pub struct Hooked<'a, C, H> {
    pub inner: &'a C,
    pub hooks: H,
}

impl<C: Cluster, H: Hooks> Cluster for Hooked<'_, C, H> {
    async fn vote(&self, s: &SnapshotServerEntry, id: &str, meta: Value) -> CResult<Manifest> {
        self.hooks.before_vote(&s.name).await;
        let r = self.inner.vote(s, id, meta).await;
        self.hooks.after_vote(&s.name).await;
        r
    }
    async fn commit(&self, s: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        self.hooks.before_commit(&s.name).await;
        self.inner.commit(s, id).await
    }
    async fn prepare(&self, s: &SnapshotServerEntry, id: &str, vm: &str) -> CResult<DataPort> {
        self.inner.prepare(s, id, vm).await
    }
    async fn abort_server(&self, s: &SnapshotServerEntry, id: &str) -> CResult<()> {
        self.inner.abort_server(s, id).await
    }
    async fn delete(&self, s: &SnapshotServerEntry, id: &str) -> CResult<bool> {
        self.inner.delete(s, id).await
    }
    async fn copy(
        &self,
        from: &SnapshotServerEntry,
        id: &str,
        to: &SnapshotServerEntry,
        as_id: &str,
    ) -> CResult<Manifest> {
        self.inner.copy(from, id, to, as_id).await
    }
    async fn manifest(&self, s: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        self.inner.manifest(s, id).await
    }
    async fn list(&self, s: &SnapshotServerEntry) -> CResult<Listing> {
        self.inner.list(s).await
    }
    async fn start_vm(&self, a: &VmServerEntry, cfg: VmConfig) -> CResult<VmStatus> {
        self.inner.start_vm(a, cfg).await
    }
    async fn snapshot(
        &self,
        a: &VmServerEntry,
        vm: &str,
        target: &DataPort,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> CResult<SnapshotReport> {
        self.inner.snapshot(a, vm, target, mode, events).await
    }
    async fn unpause(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        self.inner.unpause(a, vm).await
    }
    async fn restore_vm(
        &self,
        a: &VmServerEntry,
        cfg: VmConfig,
        from: RestoreFrom,
    ) -> CResult<VmStatus> {
        self.inner.restore_vm(a, cfg, from).await
    }
    async fn cont(&self, a: &VmServerEntry, vm: &str) -> CResult<VmStatus> {
        self.inner.cont(a, vm).await
    }
    async fn stop_vm(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        self.inner.stop_vm(a, vm).await
    }
    async fn vm_status(&self, a: &VmServerEntry) -> CResult<Vec<VmStatus>> {
        self.inner.vm_status(a).await
    }
    async fn register(&self, body: Value) -> CResult<Value> {
        self.inner.register(body).await
    }
    async fn unregister(&self, service: &str) -> CResult<Value> {
        self.inner.unregister(service).await
    }
    async fn start_epoch(&self, service: &str) -> CResult<Value> {
        self.inner.start_epoch(service).await
    }
    async fn advance(&self, service: &str, vm: &str) -> CResult<Value> {
        self.hooks.before_advance(vm).await;
        self.inner.advance(service, vm).await
    }
    async fn reinject(&self, service: &str, vm: &str) -> CResult<Value> {
        self.inner.reinject(service, vm).await
    }
    async fn abort_controller(&self, service: &str) -> CResult<Value> {
        self.inner.abort_controller(service).await
    }
    async fn flows_state(&self) -> CResult<Value> {
        self.inner.flows_state().await
    }
    async fn restore_flows(
        &self,
        document: Value,
        map: BTreeMap<String, String>,
    ) -> CResult<Value> {
        self.inner.restore_flows(document, map).await
    }
    async fn controller_status(&self, service: &str) -> CResult<Value> {
        self.inner.controller_status(service).await
    }
    async fn switches(&self) -> CResult<Value> {
        self.inner.switches().await
    }
}
