//! Restore a snapshot at a site: copy the images to the site's snapshot server, push the
//! saved flow tables back (dpids mapped), register the service where its VMs will run,
//! start every VM paused from its image, then resume them all together. Any failure stops
//! the VMs already started.
//!
//! The images may lie on any number of snapshot servers at any sites. A part on the
//! target server is used in place; every other part is copied to the target as
//! `ID.from-SOURCE` (never as `ID`, which may name the target's own part). Every part is
//! checked against the record's digests before a VM starts.

use super::cluster::{Cluster, ClusterError};
use super::progress::{self, OnProgress, Progress};
use super::record::SnapshotRecord;
use super::service::{ServiceFile, SnapshotServerEntry, VmEntry, VmServerEntry};
use super::snapshot::{timed as timed_call, Phase, TcError};
use crate::agent::RestoreFrom;
use crate::snapshot_server::Manifest;
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
    /// The controller's answer to the service's registration at the site.
    #[serde(default)]
    pub registration: Value,
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
    restore_with(c, svc, record, site, &progress::ignore).await
}

/// [`restore`], reporting its phases and each VM's steps to `on`.
pub async fn restore_with<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    record: &SnapshotRecord,
    site: &str,
    on: OnProgress<'_>,
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

    // Images: in place on the target, or copied there, each part digest-checked.
    on(Progress::Phase(Phase::Copy));
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
    let mut image_id: BTreeMap<String, String> = BTreeMap::new();
    for src in sources.values() {
        let as_id = place_part(c, record, src, target).await?;
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
    on(Progress::Phase(Phase::Flows));
    if !svc.controller.is_empty() && !record.flow_state.is_null() {
        let map = svc
            .sites
            .get(site)
            .map(|s| s.dpid_map.clone())
            .unwrap_or_default();
        let document = without_gate_rules(&replaced_at_site(&record.flow_state, &map));
        report.flows = push_flows(c, svc, &document, map).await?;
    }
    report.flows_ms = ms(t.elapsed());

    // The controller learns where the VMs now run before they resume.
    if !svc.controller.is_empty() {
        on(Progress::Phase(Phase::Register));
        report.registration = reregister(c, svc, site).await?;
    }

    // Placement: a VM keeps its server if that is at the site, else round-robin.
    let mut placement: Vec<(&VmEntry, &VmServerEntry)> = Vec::new();
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

    replace_gone(c, &placement).await;

    // Start all paused.
    let t = Instant::now();
    on(Progress::Phase(Phase::Start));
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
        async move {
            progress::vm(on, &vm.name, "starting");
            let r = c.restore_vm(a, cfg, from).await;
            if r.is_ok() {
                progress::vm(on, &vm.name, "loaded");
            }
            (vm.name.clone(), *a, r)
        }
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
    on(Progress::Phase(Phase::Resume));
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
    for (vm, _) in &placement {
        progress::vm(on, &vm.name, "running");
    }
    report.total_ms = ms(t0.elapsed());
    Ok(report)
}

/// A guest that died (`gone`) still holds its name on the agent: stopped, so the restore
/// can start it again. A VM that still runs is left alone (the restore then fails on it).
async fn replace_gone<C: Cluster>(c: &C, placement: &[(&VmEntry, &VmServerEntry)]) {
    let mut agents: Vec<&VmServerEntry> = placement.iter().map(|(_, a)| *a).collect();
    agents.sort_by(|x, y| x.name.cmp(&y.name));
    agents.dedup_by(|x, y| x.name == y.name);
    for a in agents {
        let Ok(list) = c.vm_status(a).await else {
            continue;
        };
        for s in list.iter().filter(|s| s.status == "gone") {
            if placement
                .iter()
                .any(|(vm, at)| vm.name == s.vm && at.name == a.name)
            {
                tracing::info!(vm = %s.vm, agent = %a.name, "replacing a dead guest");
                if let Err(e) = c.stop_vm(a, &s.vm).await {
                    tracing::warn!(vm = %s.vm, "removing the dead guest: {e}");
                }
            }
        }
    }
}

/// The digests the record holds for the VMs whose part is on `server`.
fn expected_images(record: &SnapshotRecord, server: &str) -> BTreeMap<String, String> {
    record
        .vms
        .iter()
        .filter(|(_, v)| v.snapshot_server == server)
        .map(|(vm, v)| (vm.clone(), v.sha256.clone()))
        .collect()
}

/// Whether `m` holds every expected image with its digest (an empty expected digest, from
/// an old record, checks presence only).
fn check_digests(m: &Manifest, expected: &BTreeMap<String, String>) -> Result<(), ClusterError> {
    for (vm, want) in expected {
        match m.images.get(vm) {
            None => {
                return Err(ClusterError(format!(
                    "image {vm} missing from {}",
                    m.snapshot_id
                )))
            }
            Some(info) if !want.is_empty() && !info.sha256.eq_ignore_ascii_case(want) => {
                return Err(ClusterError(format!(
                    "image {vm} of {}: sha256 {} != recorded {want}",
                    m.snapshot_id, info.sha256
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Makes `src`'s part of the snapshot available on `target`; returns the id it has there.
async fn place_part<C: Cluster>(
    c: &C,
    record: &SnapshotRecord,
    src: &SnapshotServerEntry,
    target: &SnapshotServerEntry,
) -> Result<String, TcError> {
    let id = &record.snapshot_id;
    let expected = expected_images(record, &src.name);
    let fail = |cause| TcError::Failed {
        phase: Phase::Copy,
        target: format!("{} → {}", src.name, target.name),
        cause,
    };
    if src.name == target.name {
        let m = c.manifest(target, id).await.map_err(fail)?;
        check_digests(&m, &expected).map_err(fail)?;
        return Ok(id.clone());
    }
    let as_id = format!("{id}.from-{}", src.name);
    match c.manifest(target, &as_id).await {
        Ok(m) if check_digests(&m, &expected).is_ok() => return Ok(as_id),
        Ok(_) => {
            tracing::warn!(copy = %as_id, server = %target.name, "stale copy: replaced");
            c.delete(target, &as_id).await.map_err(fail)?;
        }
        Err(_) => {}
    }
    let m = c.copy(src, id, target, &as_id).await.map_err(fail)?;
    check_digests(&m, &expected).map_err(fail)?;
    Ok(as_id)
}

/// Registers the service with the access switches and ports it has at `site` (replacing
/// the registration it had elsewhere).
async fn reregister<C: Cluster>(c: &C, svc: &ServiceFile, site: &str) -> Result<Value, TcError> {
    let Some(body) = svc.registration_at(site) else {
        return Ok(Value::String("skipped: a VM has no dpid/port".into()));
    };
    let fail = |cause| TcError::Failed {
        phase: Phase::Register,
        target: "controller".into(),
        cause,
    };
    if let Err(e) = c.unregister(&svc.name).await {
        tracing::debug!("unregister before re-registering: {e}");
    }
    c.register(body).await.map_err(fail)
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

/// `document` without the switches the site's mapped ones replace: a switch that is a
/// target of `map` (and not itself mapped) takes the tables of the switch mapped onto it,
/// not the ones it had when the snapshot was taken (both would go to the same switch).
pub(crate) fn replaced_at_site(document: &Value, map: &BTreeMap<String, String>) -> Value {
    let sources: Vec<Dpid> = map.keys().filter_map(|k| parse_dpid(k)).collect();
    let targets: Vec<Dpid> = map.values().filter_map(|v| parse_dpid(v)).collect();
    let mut out = document.clone();
    if let Some(switches) = out.get_mut("switches").and_then(Value::as_array_mut) {
        switches.retain(|sw| {
            let dpid = sw.get("dpid").and_then(Value::as_str).and_then(parse_dpid);
            !dpid.is_some_and(|d| targets.contains(&d) && !sources.contains(&d))
        });
    }
    out
}

/// The cookie prefix of the controller's snapshot app (`"SP"` in the top 16 bits; its
/// `gate::COOKIE_PREFIX`): its gate and pair rules carry the registration's service id.
const SNAPSHOT_APP_COOKIE: u64 = 0x5350 << 48;
const COOKIE_PREFIX_MASK: u64 = 0xffff << 48;

/// `document` without the snapshot app's rules. The restore registers the service anew
/// (another service id): the app installs its own gate, and pair rules of the old
/// registration — which its advance would not know to delete — would carry the VMs'
/// packets past the gate of the next snapshot.
pub(crate) fn without_gate_rules(document: &Value) -> Value {
    let mut out = document.clone();
    let switches = out.get_mut("switches").and_then(Value::as_array_mut);
    for sw in switches.into_iter().flatten() {
        if let Some(flows) = sw.get_mut("flows").and_then(Value::as_array_mut) {
            flows.retain(|f| {
                let cookie = f.get("cookie").and_then(Value::as_u64).unwrap_or(0);
                cookie & COOKIE_PREFIX_MASK != SNAPSHOT_APP_COOKIE
            });
        }
    }
    out
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
pub(crate) fn connected(answer: &Value) -> Vec<Dpid> {
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
