//! Client of the VM agent's control protocol.

use super::protocol::{
    AgentEvent, Request, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus,
};
use crate::auth::Credentials;
use crate::wire::{self, WireError};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;

/// An agent reached at its control address.
#[derive(Debug, Clone)]
pub struct AgentClient {
    pub addr: String,
    pub credentials: Credentials,
    /// Timeout of short requests (start, restore and snapshot have their own limits).
    pub timeout: Duration,
}

impl AgentClient {
    pub fn new(addr: impl Into<String>, credentials: Credentials) -> Self {
        AgentClient {
            addr: addr.into(),
            credentials,
            timeout: Duration::from_secs(120),
        }
    }

    pub async fn start(&self, cfg: VmConfig) -> Result<VmStatus, WireError> {
        wire::call(
            &self.addr,
            &self.credentials,
            &Request::Start(cfg),
            self.timeout,
        )
        .await
    }

    /// Runs a snapshot; events (VM paused, migration completed) arrive on `events` while
    /// the returned future is still pending. It resolves after [`Self::unpause`].
    pub async fn snapshot(
        &self,
        vm: &str,
        target: &str,
        ticket: &str,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> Result<SnapshotReport, WireError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        let forward = tokio::spawn(async move {
            while let Some(v) = rx.recv().await {
                match serde_json::from_value::<AgentEvent>(v) {
                    Ok(ev) => {
                        let _ = events.send(ev);
                    }
                    Err(e) => tracing::warn!("unknown agent event: {e}"),
                }
            }
        });
        let req = Request::Snapshot {
            vm: vm.into(),
            target: target.into(),
            ticket: ticket.into(),
            mode,
        };
        let r = wire::call_with_events(&self.addr, &self.credentials, &req, Some(tx)).await;
        let _ = forward.await;
        Ok(serde_json::from_value(r?)?)
    }

    pub async fn unpause(&self, vm: &str) -> Result<(), WireError> {
        let _: Value = wire::call(
            &self.addr,
            &self.credentials,
            &Request::Unpause { vm: vm.into() },
            self.timeout,
        )
        .await?;
        Ok(())
    }

    pub async fn restore(
        &self,
        config: VmConfig,
        from: RestoreFrom,
    ) -> Result<VmStatus, WireError> {
        wire::call(
            &self.addr,
            &self.credentials,
            &Request::Restore { config, from },
            Duration::from_secs(900),
        )
        .await
    }

    pub async fn cont(&self, vm: &str) -> Result<VmStatus, WireError> {
        wire::call(
            &self.addr,
            &self.credentials,
            &Request::Cont { vm: vm.into() },
            self.timeout,
        )
        .await
    }

    pub async fn stop(&self, vm: &str) -> Result<(), WireError> {
        let _: Value = wire::call(
            &self.addr,
            &self.credentials,
            &Request::Stop { vm: vm.into() },
            self.timeout,
        )
        .await?;
        Ok(())
    }

    pub async fn status(&self) -> Result<Vec<VmStatus>, WireError> {
        wire::call(
            &self.addr,
            &self.credentials,
            &Request::Status,
            self.timeout,
        )
        .await
    }
}
