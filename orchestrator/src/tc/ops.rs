//! `up`, `down` and `status` of a service.

use super::cluster::Cluster;
use super::service::ServiceFile;
use super::snapshot::{Phase, TcError};
use crate::agent::VmStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What `up` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct UpReport {
    /// Controller registration answer, or why it was skipped.
    pub registration: Value,
    pub vms: Vec<VmStatus>,
}

/// Registers the service with the controller (if every VM has an access switch and port),
/// then boots every VM; on a failure the VMs already booted are stopped.
pub async fn up<C: Cluster>(c: &C, svc: &ServiceFile) -> Result<UpReport, TcError> {
    let registration = if svc.controller.is_empty() {
        Value::String("no controller configured".into())
    } else {
        match svc.registration() {
            Some(body) => c.register(body).await.map_err(|cause| TcError::Failed {
                phase: Phase::Start,
                target: "controller".into(),
                cause,
            })?,
            None => Value::String("skipped: a VM has no dpid/port".into()),
        }
    };
    let starts = svc.vms.iter().filter_map(|vm| {
        let a = svc.agent_of(vm)?;
        let cfg = svc.vm_config(vm);
        Some(async move { (vm.name.clone(), a, c.start_vm(a, cfg).await) })
    });
    let results = futures::future::join_all(starts).await;
    let mut vms = Vec::new();
    let mut failure = None;
    for (vm, a, r) in &results {
        match r {
            Ok(s) => vms.push(s.clone()),
            Err(cause) => {
                failure.get_or_insert(TcError::Failed {
                    phase: Phase::Start,
                    target: format!("{vm} on {}", a.name),
                    cause: cause.clone(),
                });
            }
        }
    }
    if let Some(e) = failure {
        for (vm, a, r) in &results {
            if r.is_ok() {
                let _ = c.stop_vm(a, vm).await;
            }
        }
        return Err(e);
    }
    Ok(UpReport { registration, vms })
}

/// What `down` stopped, and where it could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DownReport {
    /// `(vm, vm server)` stopped.
    pub stopped: Vec<(String, String)>,
    /// VM servers that did not answer (a failed site: its VMs went with it), one line each.
    pub unreachable: Vec<String>,
    /// VMs a VM server failed to stop, one line each.
    pub errors: Vec<String>,
}

/// Stops the service's VMs on every VM server (wherever a restore put them), dead guests
/// included. An unreachable VM server does not keep the others from being stopped.
pub async fn down<C: Cluster>(c: &C, svc: &ServiceFile) -> DownReport {
    let mut report = DownReport::default();
    for a in &svc.vm_servers {
        let list = match c.vm_status(a).await {
            Ok(l) => l,
            Err(e) => {
                report.unreachable.push(format!("{}: {e}", a.name));
                continue;
            }
        };
        for s in list
            .iter()
            .filter(|s| svc.vms.iter().any(|v| v.name == s.vm))
        {
            match c.stop_vm(a, &s.vm).await {
                Ok(()) => report.stopped.push((s.vm.clone(), a.name.clone())),
                Err(e) => report.errors.push(format!("{} on {}: {e}", s.vm, a.name)),
            }
        }
    }
    report
}

/// Agents' VMs, snapshot servers' snapshots, the controller's view.
pub async fn status<C: Cluster>(c: &C, svc: &ServiceFile) -> Value {
    let mut agents = BTreeMap::new();
    for a in &svc.vm_servers {
        let v = match c.vm_status(a).await {
            Ok(list) => serde_json::to_value(
                list.into_iter()
                    .filter(|s| svc.vms.iter().any(|v| v.name == s.vm))
                    .collect::<Vec<_>>(),
            )
            .unwrap_or(Value::Null),
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        agents.insert(a.name.clone(), v);
    }
    let mut servers = BTreeMap::new();
    for s in &svc.snapshot_servers {
        let v = match c.list(s).await {
            Ok(l) => serde_json::json!({
                "committed": l.committed.iter().map(|m| m.snapshot_id.clone()).collect::<Vec<_>>(),
                "pending": l.pending,
            }),
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        servers.insert(s.name.clone(), v);
    }
    let controller = if svc.controller.is_empty() {
        Value::Null
    } else {
        c.controller_status(&svc.name)
            .await
            .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
    };
    serde_json::json!({"service": svc.name, "vm_servers": agents, "snapshot_servers": servers, "controller": controller})
}
