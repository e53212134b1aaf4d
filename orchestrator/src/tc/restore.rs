//! Restore a snapshot at a site: copy the images to the site's snapshot server, push the
//! saved flow tables back (dpids mapped), start every VM paused from its image, then
//! resume them all together. Any failure stops the VMs already started.

use super::cluster::{Cluster, ClusterError};
use super::record::SnapshotRecord;
use super::service::{ServiceFile, SnapshotServerEntry, VmServerEntry};
use super::snapshot::{timed as timed_call, Phase, TcError};
use crate::agent::RestoreFrom;
use openflow::Dpid;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Where each VM was restored and how long each phase took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RestoreReport {
    pub snapshot_id: String,
    pub site: String,
    /// VM → VM server it now runs on.
    pub placement: BTreeMap<String, String>,
    /// Snapshot id the images have on the site's snapshot server, per VM.
    pub images: BTreeMap<String, String>,
    pub copy_ms: u64,
    pub flows_ms: u64,
    /// All VMs started and loaded (paused).
    pub start_ms: u64,
    /// `cont` sent to all → all answered running.
    pub resume_ms: u64,
    pub total_ms: u64,
    pub flows: Value,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Restores `record` at `site`.
pub async fn restore<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    record: &SnapshotRecord,
    site: &str,
) -> Result<RestoreReport, TcError> {
    let t0 = Instant::now();
    let id = &record.snapshot_id;
    let target = svc
        .site_snapshot_server(site)
        .ok_or_else(|| TcError::Config(format!("no snapshot server at site {site}")))?;
    let agents = svc.site_vm_servers(site);
    if agents.is_empty() {
        return Err(TcError::Config(format!("no VM server at site {site}")));
    }
    let mut report = RestoreReport {
        snapshot_id: id.clone(),
        site: site.into(),
        ..RestoreReport::default()
    };

    // Copy: one copy per source snapshot server that is not the target.
    let mut sources: BTreeMap<String, &SnapshotServerEntry> = BTreeMap::new();
    for (vm, v) in &record.vms {
        let src = svc.snapshot_server(&v.snapshot_server).ok_or_else(|| {
            TcError::Config(format!(
                "VM {vm}: snapshot server {} not in the service file",
                v.snapshot_server
            ))
        })?;
        sources.insert(src.name.clone(), src);
    }
    let several = sources.values().filter(|s| s.name != target.name).count() > 1;
    let mut image_id: BTreeMap<String, String> = BTreeMap::new();
    for src in sources.values() {
        let as_id = if src.name == target.name || !several {
            id.clone()
        } else {
            format!("{id}.from-{}", src.name)
        };
        if src.name != target.name && c.manifest(target, &as_id).await.is_err() {
            c.copy(src, id, target, &as_id)
                .await
                .map_err(|cause| TcError::Failed {
                    phase: Phase::Copy,
                    target: format!("{} → {}", src.name, target.name),
                    cause,
                })?;
        }
        image_id.insert(src.name.clone(), as_id);
    }
    for (vm, v) in &record.vms {
        report.images.insert(
            vm.clone(),
            image_id
                .get(&v.snapshot_server)
                .cloned()
                .unwrap_or_else(|| id.clone()),
        );
    }
    report.copy_ms = ms(t0.elapsed());

    // Flow tables, once the site's switches are connected.
    let t = Instant::now();
    if !svc.controller.is_empty() && !record.flow_state.is_null() {
        let map = svc
            .sites
            .get(site)
            .map(|s| s.dpid_map.clone())
            .unwrap_or_default();
        report.flows = push_flows(c, svc, &record.flow_state, map).await?;
    }
    report.flows_ms = ms(t.elapsed());

    // Placement: a VM keeps its server if that is at the site, else round-robin.
    let mut placement: Vec<(&super::service::VmEntry, &VmServerEntry)> = Vec::new();
    let mut rr = 0usize;
    for vm in &svc.vms {
        if !record.vms.contains_key(&vm.name) {
            continue;
        }
        let here = svc.vm_server(&vm.server).filter(|a| a.site == site);
        let a = match here {
            Some(a) => a,
            None => {
                let a = agents[rr % agents.len()];
                rr += 1;
                a
            }
        };
        placement.push((vm, a));
        report.placement.insert(vm.name.clone(), a.name.clone());
    }
    if placement.len() != record.vms.len() {
        return Err(TcError::Config(
            "the snapshot has VMs the service file does not list".into(),
        ));
    }

    // Start all paused.
    let t = Instant::now();
    let starts = placement.iter().map(|(vm, a)| {
        let from = RestoreFrom {
            server: target.address.clone(),
            snapshot_id: report
                .images
                .get(&vm.name)
                .cloned()
                .unwrap_or_else(|| id.clone()),
            image: Some(vm.name.clone()),
        };
        let cfg = svc.vm_config(vm);
        async move { (vm.name.clone(), *a, c.restore_vm(a, cfg, from).await) }
    });
    let results = futures::future::join_all(starts).await;
    let mut failure: Option<TcError> = None;
    for (vm, a, r) in &results {
        if let Err(cause) = r {
            failure.get_or_insert(TcError::Failed {
                phase: Phase::Start,
                target: format!("{vm} on {}", a.name),
                cause: cause.clone(),
            });
        }
    }
    if let Some(e) = failure {
        stop_started(c, &results).await;
        return Err(e);
    }
    report.start_ms = ms(t.elapsed());

    // Resume together.
    let t = Instant::now();
    let conts = placement
        .iter()
        .map(|(vm, a)| async move { (vm.name.clone(), c.cont(a, &vm.name).await) });
    for (vm, r) in futures::future::join_all(conts).await {
        if let Err(cause) = r {
            stop_started(c, &results).await;
            return Err(TcError::Failed {
                phase: Phase::Resume,
                target: vm,
                cause,
            });
        }
    }
    report.resume_ms = ms(t.elapsed());
    report.total_ms = ms(t0.elapsed());
    Ok(report)
}

async fn stop_started<C: Cluster, T>(
    c: &C,
    results: &[(String, &VmServerEntry, Result<T, ClusterError>)],
) {
    for (vm, a, r) in results {
        if r.is_ok() {
            if let Err(e) = c.stop_vm(a, vm).await {
                tracing::warn!(vm = %vm, "stop after failed restore: {e}");
            }
        }
    }
}

/// A datapath id as the controller and the flow-state documents write it (see [`Dpid`] for
/// the accepted forms).
fn parse_dpid(s: &str) -> Option<Dpid> {
    s.parse().ok()
}

/// The switches `document` will be pushed to: its switches' dpids through `map`.
pub(crate) fn target_switches(document: &Value, map: &BTreeMap<String, String>) -> Vec<Dpid> {
    let map: BTreeMap<Dpid, Dpid> = map
        .iter()
        .filter_map(|(k, v)| Some((parse_dpid(k)?, parse_dpid(v)?)))
        .collect();
    let mut out: Vec<Dpid> = document
        .get("switches")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("dpid").and_then(Value::as_str).and_then(parse_dpid))
                .map(|d| map.get(&d).copied().unwrap_or(d))
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    out.dedup();
    out
}

/// The connected switches of a `GET /switches` answer.
fn connected(answer: &Value) -> Vec<Dpid> {
    answer
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("dpid").and_then(Value::as_str).and_then(parse_dpid))
                .collect()
        })
        .unwrap_or_default()
}

/// Pushes the flow state once every target switch is connected to the controller. The
/// controller refuses the whole document (pushing nothing) if a switch is not connected
/// when it plans the push; a switch that reconnects right then (bridges coming up at a new
/// site do) is waited for again, until `timeouts.switches_s`.
async fn push_flows<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    document: &Value,
    map: BTreeMap<String, String>,
) -> Result<Value, TcError> {
    let targets = target_switches(document, &map);
    let limit = Duration::from_secs(svc.timeouts.switches_s.max(1));
    let call_limit = Duration::from_secs(svc.timeouts.controller_s.max(1) * 6);
    let deadline = Instant::now() + limit;
    let missing_now = |answer: &Value| -> Vec<Dpid> {
        let have = connected(answer);
        targets
            .iter()
            .copied()
            .filter(|d| !have.contains(d))
            .collect()
    };
    loop {
        let answer = timed_call(Phase::Flows, "controller", call_limit, c.switches()).await?;
        let missing = missing_now(&answer);
        if missing.is_empty() {
            match timed_call(
                Phase::Flows,
                "controller",
                call_limit,
                c.restore_flows(document.clone(), map.clone()),
            )
            .await
            {
                Err(TcError::Failed { cause, .. })
                    if cause.0.contains("not connected") && Instant::now() < deadline =>
                {
                    tracing::info!("flow-state restore: {cause}; waiting for the switch again");
                }
                other => return other,
            }
        } else if Instant::now() >= deadline {
            let list: Vec<String> = missing.iter().map(Dpid::to_string).collect();
            return Err(TcError::Timeout {
                phase: Phase::Flows,
                target: format!("switches {} to connect to the controller", list.join(", ")),
                after: limit,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
