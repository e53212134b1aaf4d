//! Everything the transaction controller talks to, behind one trait so the transaction
//! logic runs against in-memory fakes in tests. [`RealCluster`] is the networked one.

use super::service::{SnapshotServerEntry, VmServerEntry};
use crate::agent::{
    AgentClient, AgentEvent, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus,
};
use crate::auth::Credentials;
use crate::snapshot_server::protocol::Listing;
use crate::snapshot_server::{Manifest, SnapshotServerClient};
use crate::wire::WireError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use viola_client::{ClientError, RestClient};

/// A failure of one remote operation (agent, snapshot server or controller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(pub String);

impl From<WireError> for ClusterError {
    fn from(e: WireError) -> Self {
        ClusterError(e.to_string())
    }
}

impl From<ClientError> for ClusterError {
    fn from(e: ClientError) -> Self {
        ClusterError(e.to_string())
    }
}

pub type CResult<T> = Result<T, ClusterError>;

/// A prepared data port: where an image goes and the one-time ticket it takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataPort {
    /// `HOST:PORT`.
    pub addr: String,
    pub ticket: String,
}

/// The agents, snapshot servers and controller of a service.
#[allow(async_fn_in_trait)]
pub trait Cluster {
    // Snapshot servers.
    /// Opens a data port for one image.
    async fn prepare(&self, server: &SnapshotServerEntry, id: &str, vm: &str) -> CResult<DataPort>;
    /// Phase one: the server checks its images of `id` and votes durably; the manifest
    /// it will commit.
    async fn vote(&self, server: &SnapshotServerEntry, id: &str, meta: Value) -> CResult<Manifest>;
    /// Phase two: commits a voted snapshot (idempotent).
    async fn commit(&self, server: &SnapshotServerEntry, id: &str) -> CResult<Manifest>;
    /// Deletes a pending or voted snapshot (idempotent; refused once committed).
    async fn abort_server(&self, server: &SnapshotServerEntry, id: &str) -> CResult<()>;
    /// Deletes a committed snapshot; whether there was one.
    async fn delete(&self, server: &SnapshotServerEntry, id: &str) -> CResult<bool>;
    async fn copy(
        &self,
        from: &SnapshotServerEntry,
        id: &str,
        to: &SnapshotServerEntry,
        as_id: &str,
    ) -> CResult<Manifest>;
    async fn manifest(&self, server: &SnapshotServerEntry, id: &str) -> CResult<Manifest>;
    async fn list(&self, server: &SnapshotServerEntry) -> CResult<Listing>;

    // Agents.
    async fn start_vm(&self, agent: &VmServerEntry, cfg: VmConfig) -> CResult<VmStatus>;
    /// Resolves after `unpause`; `VmPaused` must be sent on `events` first.
    async fn snapshot(
        &self,
        agent: &VmServerEntry,
        vm: &str,
        target: &DataPort,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> CResult<SnapshotReport>;
    async fn unpause(&self, agent: &VmServerEntry, vm: &str) -> CResult<()>;
    async fn restore_vm(
        &self,
        agent: &VmServerEntry,
        cfg: VmConfig,
        from: RestoreFrom,
    ) -> CResult<VmStatus>;
    async fn cont(&self, agent: &VmServerEntry, vm: &str) -> CResult<VmStatus>;
    async fn stop_vm(&self, agent: &VmServerEntry, vm: &str) -> CResult<()>;
    async fn vm_status(&self, agent: &VmServerEntry) -> CResult<Vec<VmStatus>>;

    // Controller (`viola run --api`).
    async fn register(&self, body: Value) -> CResult<Value>;
    /// `DELETE /api/v1/snapshot/{service}`.
    async fn unregister(&self, service: &str) -> CResult<Value>;
    async fn start_epoch(&self, service: &str) -> CResult<Value>;
    async fn advance(&self, service: &str, vm: &str) -> CResult<Value>;
    async fn reinject(&self, service: &str, vm: &str) -> CResult<Value>;
    async fn abort_controller(&self, service: &str) -> CResult<Value>;
    async fn flows_state(&self) -> CResult<Value>;
    async fn restore_flows(&self, document: Value, map: BTreeMap<String, String>)
        -> CResult<Value>;
    async fn controller_status(&self, service: &str) -> CResult<Value>;
    /// `GET /api/v1/switches`: the switches connected to the controller.
    async fn switches(&self) -> CResult<Value>;
}

/// The networked cluster.
pub struct RealCluster {
    /// `None` when the service names no controller.
    controller: Option<RestClient>,
    credentials: Credentials,
}

impl RealCluster {
    /// `controller`: base URL such as `http://127.0.0.1:8080` (empty: none);
    /// `credentials`: what agents and snapshot servers are authenticated with.
    pub fn new(
        controller: &str,
        timeout: Duration,
        credentials: Credentials,
    ) -> Result<Self, ClusterError> {
        let controller = match controller.trim() {
            "" => None,
            api => Some(RestClient::new(api)?.with_timeout(timeout)?),
        };
        Ok(RealCluster {
            controller,
            credentials,
        })
    }

    /// Sends `Authorization: Bearer TOKEN` to the controller (its `[api] token`).
    pub fn with_controller_token(mut self, token: Option<String>) -> Self {
        self.controller = self.controller.map(|c| c.with_token(token));
        self
    }

    fn ss(&self, s: &SnapshotServerEntry) -> SnapshotServerClient {
        SnapshotServerClient::new(s.address.clone(), self.credentials.clone())
    }

    fn agent(&self, a: &VmServerEntry) -> AgentClient {
        AgentClient::new(a.agent.clone(), self.credentials.clone())
    }

    fn controller(&self) -> CResult<&RestClient> {
        self.controller
            .as_ref()
            .ok_or_else(|| ClusterError("no controller configured".into()))
    }

    async fn post(&self, path: &str, body: Value) -> CResult<Value> {
        Ok(self.controller()?.post(path, &body).await?)
    }

    async fn get(&self, path: &str) -> CResult<Value> {
        Ok(self.controller()?.get(path).await?)
    }
}

fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Cluster for RealCluster {
    async fn prepare(&self, server: &SnapshotServerEntry, id: &str, vm: &str) -> CResult<DataPort> {
        let c = self.ss(server);
        let prepared = c.prepare(id, vm).await?;
        Ok(DataPort {
            addr: c.data_addr(prepared.port),
            ticket: prepared.ticket,
        })
    }
    async fn vote(&self, server: &SnapshotServerEntry, id: &str, meta: Value) -> CResult<Manifest> {
        Ok(self.ss(server).vote(id, meta, BTreeMap::new()).await?)
    }
    async fn commit(&self, server: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        Ok(self
            .ss(server)
            .commit(id, Value::Null, BTreeMap::new())
            .await?)
    }
    async fn abort_server(&self, server: &SnapshotServerEntry, id: &str) -> CResult<()> {
        Ok(self.ss(server).abort(id).await?)
    }
    async fn delete(&self, server: &SnapshotServerEntry, id: &str) -> CResult<bool> {
        Ok(self.ss(server).delete(id).await?)
    }
    async fn copy(
        &self,
        from: &SnapshotServerEntry,
        id: &str,
        to: &SnapshotServerEntry,
        as_id: &str,
    ) -> CResult<Manifest> {
        Ok(self.ss(from).copy(id, &to.address, Some(as_id)).await?)
    }
    async fn manifest(&self, server: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        Ok(self.ss(server).manifest(id).await?)
    }
    async fn list(&self, server: &SnapshotServerEntry) -> CResult<Listing> {
        Ok(self.ss(server).list().await?)
    }
    async fn start_vm(&self, a: &VmServerEntry, cfg: VmConfig) -> CResult<VmStatus> {
        Ok(self.agent(a).start(cfg).await?)
    }
    async fn snapshot(
        &self,
        a: &VmServerEntry,
        vm: &str,
        target: &DataPort,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> CResult<SnapshotReport> {
        Ok(self
            .agent(a)
            .snapshot(vm, &target.addr, &target.ticket, mode, events)
            .await?)
    }
    async fn unpause(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        Ok(self.agent(a).unpause(vm).await?)
    }
    async fn restore_vm(
        &self,
        a: &VmServerEntry,
        cfg: VmConfig,
        from: RestoreFrom,
    ) -> CResult<VmStatus> {
        Ok(self.agent(a).restore(cfg, from).await?)
    }
    async fn cont(&self, a: &VmServerEntry, vm: &str) -> CResult<VmStatus> {
        Ok(self.agent(a).cont(vm).await?)
    }
    async fn stop_vm(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        Ok(self.agent(a).stop(vm).await?)
    }
    async fn vm_status(&self, a: &VmServerEntry) -> CResult<Vec<VmStatus>> {
        Ok(self.agent(a).status().await?)
    }
    async fn register(&self, body: Value) -> CResult<Value> {
        self.post("/snapshot/services", body).await
    }
    async fn unregister(&self, service: &str) -> CResult<Value> {
        Ok(self
            .controller()?
            .delete(&format!("/snapshot/{}", seg(service)))
            .await?)
    }
    async fn start_epoch(&self, service: &str) -> CResult<Value> {
        self.post(&format!("/snapshot/{}/epochs", seg(service)), Value::Null)
            .await
    }
    async fn advance(&self, service: &str, vm: &str) -> CResult<Value> {
        self.post(
            &format!("/snapshot/{}/vms/{}/advance", seg(service), seg(vm)),
            Value::Null,
        )
        .await
    }
    async fn reinject(&self, service: &str, vm: &str) -> CResult<Value> {
        self.post(
            &format!("/snapshot/{}/vms/{}/reinject", seg(service), seg(vm)),
            Value::Null,
        )
        .await
    }
    async fn abort_controller(&self, service: &str) -> CResult<Value> {
        self.post(
            &format!("/snapshot/{}/abort", seg(service)),
            serde_json::json!({"buffered": "release"}),
        )
        .await
    }
    async fn flows_state(&self) -> CResult<Value> {
        self.get("/flows/state").await
    }
    async fn restore_flows(
        &self,
        document: Value,
        map: BTreeMap<String, String>,
    ) -> CResult<Value> {
        self.post(
            "/flows/state",
            serde_json::json!({"document": document, "map": map}),
        )
        .await
    }
    async fn controller_status(&self, service: &str) -> CResult<Value> {
        self.get(&format!("/snapshot/{}", seg(service))).await
    }
    async fn switches(&self) -> CResult<Value> {
        self.get("/switches").await
    }
}
