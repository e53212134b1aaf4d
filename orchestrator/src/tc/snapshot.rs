//! The snapshot transaction: START_SNAPSHOT → VM_PAUSED → ADVANCE_EPOCH → VM_UNPAUSE +
//! REINJECT_PACKETS → a two-phase commit across the snapshot servers ([`super::two_phase`]),
//! or ABORT everywhere on any failure or timeout before the decision.

use super::cluster::{Cluster, ClusterError};
use super::journal::Journal;
use super::progress::{self, OnProgress, Progress};
use super::record::Timings;
use super::record::{SnapshotRecord, VmRecord, RECORD_FORMAT};
use super::service::{ServiceFile, SnapshotServerEntry, VmEntry, VmServerEntry};
use super::two_phase;
use crate::agent::{AgentEvent, SnapshotReport};
use crate::snapshot_server::protocol::valid_name;
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// The phases, as reported in errors and progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Prepare,
    Flows,
    Epoch,
    Snapshot,
    Advance,
    Unpause,
    Reinject,
    /// Every access switch of the service's VMs is connected (checked before the epoch).
    Switches,
    Vote,
    Commit,
    Copy,
    Delete,
    /// The service's registration with the controller.
    Register,
    Start,
    Resume,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        f.write_str(&s)
    }
}

/// Why a transaction failed (everything was aborted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TcError {
    #[error("{phase} failed at {target}: {cause}")]
    Failed {
        phase: Phase,
        target: String,
        cause: ClusterError,
    },
    #[error("{phase}: timed out after {after:?} waiting for {target}")]
    Timeout {
        phase: Phase,
        target: String,
        after: Duration,
    },
    #[error("{0}")]
    Config(String),
    /// Another `viola tc` holds the service's lock.
    #[error("{0}")]
    Busy(String),
    /// The decision is commit (the snapshot is recorded) but these servers did not confirm
    /// it yet; recovery (`viola tc status`) finishes it.
    #[error("snapshot {id} is decided (committed) but {servers:?} did not confirm the commit ({cause}); `viola tc status` finishes it")]
    Unfinished {
        id: String,
        servers: Vec<String>,
        cause: ClusterError,
    },
}

/// Options of one snapshot.
#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    /// Defaults to `<service>-<unix ms>`.
    pub snapshot_id: Option<String>,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

pub(crate) struct Ctx<'a> {
    svc: &'a ServiceFile,
    vms: Vec<(&'a VmEntry, &'a VmServerEntry, &'a SnapshotServerEntry)>,
}

impl<'a> Ctx<'a> {
    /// Each VM where it runs now (`located`, else its `server`), and the snapshot server
    /// it writes to: its own, or — once a restore moved it away from a site that also
    /// held its snapshot server — the new site's.
    fn new(
        svc: &'a ServiceFile,
        located: &BTreeMap<String, &'a VmServerEntry>,
    ) -> Result<Self, TcError> {
        let mut vms = Vec::new();
        for vm in &svc.vms {
            let home = svc
                .vm_server(&vm.server)
                .ok_or_else(|| TcError::Config(format!("no VM server {}", vm.server)))?;
            let own = svc.snapshot_server(&vm.snapshot_server).ok_or_else(|| {
                TcError::Config(format!("no snapshot server {}", vm.snapshot_server))
            })?;
            let a = located.get(&vm.name).copied().unwrap_or(home);
            // Moved away from a site that also held its images (that site may be gone):
            // the new site's server. An off-site snapshot server is kept.
            let s = if a.site == home.site || own.site != home.site {
                own
            } else {
                svc.site_snapshot_server(&a.site).ok_or_else(|| {
                    TcError::Config(format!(
                        "VM {} runs at site {} (on {}), which has no snapshot server",
                        vm.name, a.site, a.name
                    ))
                })?
            };
            vms.push((vm, a, s));
        }
        Ok(Ctx { svc, vms })
    }

    pub(crate) fn servers(&self) -> Vec<&'a SnapshotServerEntry> {
        let mut seen = BTreeSet::new();
        self.vms
            .iter()
            .map(|(_, _, s)| *s)
            .filter(|s| seen.insert(s.name.clone()))
            .collect()
    }

    fn agent(&self, vm: &str) -> Option<&'a VmServerEntry> {
        self.vms
            .iter()
            .find(|(v, _, _)| v.name == vm)
            .map(|(_, a, _)| *a)
    }
}

/// Per-VM progress inside the snapshot phase.
#[derive(Default)]
struct VmProgress {
    /// The snapshot request went out (the VM may be paused even if no event came back).
    started: bool,
    paused_at: Option<Instant>,
    unpaused: bool,
    handled: bool,
    report: Option<SnapshotReport>,
    advance_ms: u64,
    advanced_unix_us: u64,
    unpause_ms: u64,
    advance: Value,
    reinject: Value,
}

/// Runs one snapshot of `svc`, holding the service's lock ([`Journal::lock`]). On any
/// failure before the decision every paused VM is unpaused, the controller's snapshot is
/// aborted and every snapshot server's pending images are deleted; once decided, the
/// snapshot is committed everywhere (now, or by the next recovery).
pub async fn snapshot<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    opts: &SnapshotOptions,
) -> Result<SnapshotRecord, TcError> {
    snapshot_with(c, svc, opts, &progress::ignore).await
}

/// [`snapshot`], reporting its phases and each VM's steps to `on`.
pub async fn snapshot_with<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    opts: &SnapshotOptions,
    on: OnProgress<'_>,
) -> Result<SnapshotRecord, TcError> {
    let located = locate(c, svc).await;
    let ctx = Ctx::new(svc, &located)?;
    let journal = Journal::of(svc)?;
    let _lock = journal.lock()?;
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let id = opts
        .snapshot_id
        .clone()
        .unwrap_or_else(|| new_snapshot_id(&svc.name));
    if !valid_name(&id) {
        return Err(TcError::Config(format!(
            "bad snapshot id {id:?} (letters, digits, '-', '_', '.'; not starting with '.')"
        )));
    }
    if journal.committed(&id)? {
        return Err(TcError::Config(format!("snapshot {id} exists already")));
    }
    journal.begin(&id, ctx.servers().iter().map(|s| s.name.clone()).collect())?;
    let t0 = Instant::now();
    let mut progress: BTreeMap<String, VmProgress> = svc
        .vms
        .iter()
        .map(|v| (v.name.clone(), VmProgress::default()))
        .collect();
    let result = run(c, &ctx, &id, &mut progress, t0, on).await;
    match result {
        Ok((epoch, flow_state, timings)) => {
            let mut record = SnapshotRecord {
                format: RECORD_FORMAT.into(),
                snapshot_id: id.clone(),
                service: svc.name.clone(),
                epoch,
                mode: svc.mode,
                started_at: started.as_secs(),
                vms: BTreeMap::new(),
                flow_state,
                timings,
            };
            for (vm, a, s) in &ctx.vms {
                let p = progress.remove(&vm.name).unwrap_or_default();
                record.vms.insert(vm.name.clone(), vm_record(a, s, p));
            }
            two_phase::commit(c, &journal, &ctx.servers(), record, t0, on).await
        }
        Err(e) => {
            tracing::warn!(snapshot = %id, "snapshot failed, aborting: {e}");
            if abort_all(c, &ctx, &id, &progress).await {
                journal.finish(&id)?;
            }
            Err(e)
        }
    }
}

/// Where the service's VMs run now (a restore may have moved them to another site): the
/// first VM server, its own listed first, that has the VM alive. Unreachable servers (a
/// failed site) are skipped.
async fn locate<'a, C: Cluster>(
    c: &C,
    svc: &'a ServiceFile,
) -> BTreeMap<String, &'a VmServerEntry> {
    let answers = futures::future::join_all(
        svc.vm_servers
            .iter()
            .map(|a| async move { (a, c.vm_status(a).await) }),
    )
    .await;
    let mut alive: Vec<(&VmServerEntry, String)> = Vec::new();
    for (a, r) in answers {
        for s in r.unwrap_or_default() {
            if s.status != "gone" {
                alive.push((a, s.vm));
            }
        }
    }
    let mut out = BTreeMap::new();
    for vm in &svc.vms {
        let mut here = alive.iter().filter(|(_, v)| *v == vm.name).map(|(a, _)| *a);
        let first = here.clone().next();
        if let Some(a) = here.find(|a| a.name == vm.server).or(first) {
            out.insert(vm.name.clone(), a);
        }
    }
    out
}

/// The id of a new snapshot of `service`: `SERVICE-UNIXMS`.
pub fn new_snapshot_id(service: &str) -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("{service}-{ms}")
}

/// What the record keeps of one VM (digest and size come with the votes).
fn vm_record(a: &VmServerEntry, s: &SnapshotServerEntry, p: VmProgress) -> VmRecord {
    let r = p.report.unwrap_or_default();
    VmRecord {
        server: a.name.clone(),
        snapshot_server: s.name.clone(),
        sha256: String::new(),
        size: 0,
        downtime_ms: r.downtime_ms,
        paused_ms: r.paused_ms,
        cpu_stopped_ms: r.cpu_stopped_ms,
        egress_held: r.egress_held,
        cut_unix_us: r.cut_unix_us,
        advanced_unix_us: p.advanced_unix_us,
        released_unix_us: r.released_unix_us,
        total_time_ms: r.total_time_ms,
        migration_ms: r.migration_ms,
        to_stop_ms: r.to_stop_ms,
        advance_ms: p.advance_ms,
        unpause_ms: p.unpause_ms,
        qemu_version: r.qemu_version,
        command_line: r.command_line,
        advance: p.advance,
        reinject: p.reinject,
    }
}

/// Unpause what may be paused (an agent answers "not held" for the others), abort the
/// controller's snapshot, delete pending images. Whether every snapshot server confirmed
/// its abort (if not, the transaction stays open for recovery).
async fn abort_all<C: Cluster>(
    c: &C,
    ctx: &Ctx<'_>,
    id: &str,
    progress: &BTreeMap<String, VmProgress>,
) -> bool {
    for (vm, p) in progress {
        if (p.started || p.paused_at.is_some()) && !p.unpaused {
            if let Some(a) = ctx.agent(vm) {
                if let Err(e) = c.unpause(a, vm).await {
                    tracing::warn!(vm, "unpause during abort: {e}");
                }
            }
        }
    }
    if !ctx.svc.controller.is_empty() {
        if let Err(e) = c.abort_controller(&ctx.svc.name).await {
            tracing::warn!("controller abort: {e}");
        }
    }
    super::two_phase::abort_servers(c, &ctx.servers(), id).await
}

type RunOk = (Option<u64>, Value, Timings);

async fn run<C: Cluster>(
    c: &C,
    ctx: &Ctx<'_>,
    id: &str,
    progress: &mut BTreeMap<String, VmProgress>,
    t0: Instant,
    on: OnProgress<'_>,
) -> Result<RunOk, TcError> {
    let svc = ctx.svc;
    let mut timings = Timings::default();
    let controller = !svc.controller.is_empty();
    let ctl_timeout = Duration::from_secs(svc.timeouts.controller_s.max(1));

    // Prepare a data port per image.
    on(Progress::Phase(Phase::Prepare));
    let preps = ctx.vms.iter().map(|(vm, _, s)| async move {
        (
            vm.name.clone(),
            s.name.clone(),
            c.prepare(s, id, &vm.name).await,
        )
    });
    let mut targets = BTreeMap::new();
    for (vm, server, r) in futures::future::join_all(preps).await {
        let addr = r.map_err(|cause| TcError::Failed {
            phase: Phase::Prepare,
            target: server,
            cause,
        })?;
        targets.insert(vm, addr);
    }
    timings.prepare_ms = ms(t0.elapsed());

    // Flow tables, saved before the cut.
    let t = Instant::now();
    on(Progress::Phase(Phase::Flows));
    let flow_state = if controller {
        timed(Phase::Flows, "controller", ctl_timeout, c.flows_state()).await?
    } else {
        Value::Null
    };
    timings.flows_ms = ms(t.elapsed());
    if controller {
        on(Progress::Phase(Phase::Switches));
        check_access_switches(c, svc, ctl_timeout).await?;
    }

    // START_SNAPSHOT at the controller.
    let t = Instant::now();
    on(Progress::Phase(Phase::Epoch));
    let epoch = if controller {
        let v = timed(
            Phase::Epoch,
            "controller",
            ctl_timeout,
            c.start_epoch(&svc.name),
        )
        .await?;
        v.get("epoch").and_then(Value::as_u64)
    } else {
        None
    };
    timings.epoch_ms = ms(t.elapsed());

    // Snapshot every VM; handle each VM_PAUSED as it arrives.
    let t_snap = Instant::now();
    on(Progress::Phase(Phase::Snapshot));
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(svc.timeouts.snapshot_s.max(1));
    let largest = svc.vms.iter().map(|v| v.memory_mb).max().unwrap_or(0);
    let (tx, mut rx) = mpsc::unbounded_channel::<AgentEvent>();
    let mut snaps = FuturesUnordered::new();
    for (vm, a, _) in &ctx.vms {
        if let Some(p) = progress.get_mut(&vm.name) {
            p.started = true;
        }
        progress::vm(on, &vm.name, "snapshotting");
        let target = targets.get(&vm.name).cloned().unwrap_or_default();
        let delay =
            Duration::from_millis(u64::from(largest - vm.memory_mb) * svc.stagger_ms_per_mb);
        let tx = tx.clone();
        let name = vm.name.clone();
        snaps.push(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let r = c.snapshot(a, &name, &target, svc.mode, tx).await;
            (name, r)
        });
    }
    drop(tx);
    let mut handlers = FuturesUnordered::new();
    let mut first_pause: Option<Instant> = None;
    let mut last_pause: Option<Instant> = None;
    let mut snaps_left = ctx.vms.len();
    while snaps_left > 0 || !handlers.is_empty() {
        tokio::select! {
            biased;
            Some(ev) = rx.recv() => {
                if let AgentEvent::VmPaused { vm, .. } = ev {
                    let Some(p) = progress.get_mut(&vm) else { continue };
                    if p.paused_at.is_some() { continue; }
                    let now = Instant::now();
                    p.paused_at = Some(now);
                    first_pause.get_or_insert(now);
                    last_pause = Some(now);
                    tracing::info!(vm = %vm, "VM_PAUSED");
                    progress::vm(on, &vm, "paused");
                    let Some(a) = ctx.agent(&vm) else { continue };
                    handlers.push(handle_pause(c, svc, a, vm, now, on));
                }
            }
            Some((vm, r)) = snaps.next() => {
                snaps_left -= 1;
                let report = r.map_err(|cause| TcError::Failed { phase: Phase::Snapshot, target: vm.clone(), cause })?;
                let p = progress.get_mut(&vm).ok_or_else(|| TcError::Config(format!("unknown VM {vm}")))?;
                if p.paused_at.is_none() {
                    return Err(TcError::Failed { phase: Phase::Snapshot, target: vm, cause: ClusterError("finished without VM_PAUSED".into()) });
                }
                p.unpaused = true;
                p.report = Some(report);
                progress::vm(on, &vm, "written");
            }
            Some(h) = handlers.next() => {
                let h: HandleOk = h?;
                if let Some(p) = progress.get_mut(&h.vm) {
                    p.handled = true;
                    p.unpaused = true;
                    p.advance_ms = h.advance_ms;
                    p.advanced_unix_us = h.advanced_unix_us;
                    p.unpause_ms = h.unpause_ms;
                    p.advance = h.advance;
                    p.reinject = h.reinject;
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                let waiting: Vec<&String> = progress.iter().filter(|(_, p)| p.report.is_none()).map(|(k, _)| k).collect();
                return Err(TcError::Timeout { phase: Phase::Snapshot, target: format!("{waiting:?}"), after: Duration::from_secs(svc.timeouts.snapshot_s) });
            }
        }
    }
    if let Some((vm, _)) = progress.iter().find(|(_, p)| !p.handled) {
        return Err(TcError::Failed {
            phase: Phase::Advance,
            target: vm.clone(),
            cause: ClusterError("never advanced".into()),
        });
    }
    timings.snapshot_ms = ms(t_snap.elapsed());
    if let (Some(f), Some(l)) = (first_pause, last_pause) {
        timings.pause_skew_ms = ms(l - f);
    }
    Ok((epoch, flow_state, timings))
}

/// A VM whose access switch is not connected to the controller cannot be gated, so its
/// snapshot would not be a consistent cut: refused before the cut, naming the switch.
async fn check_access_switches<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    limit: Duration,
) -> Result<(), TcError> {
    let status = timed(
        Phase::Switches,
        "controller",
        limit,
        c.controller_status(&svc.name),
    )
    .await?;
    let answer = timed(Phase::Switches, "controller", limit, c.switches()).await?;
    let connected = super::restore::connected(&answer);
    let vms = status.get("vms").and_then(Value::as_array);
    for v in vms.into_iter().flatten() {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
        let Some(dpid) = v
            .get("dpid")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<openflow::Dpid>().ok())
        else {
            continue;
        };
        if !connected.contains(&dpid) {
            return Err(TcError::Failed {
                phase: Phase::Switches,
                target: format!("switch {dpid}"),
                cause: ClusterError(format!(
                    "VM {name}'s access switch {dpid} is not connected to the controller \
                     (after a failover, `viola tc restore` registers the service at the new site)"
                )),
            });
        }
    }
    Ok(())
}

struct HandleOk {
    vm: String,
    advance_ms: u64,
    advanced_unix_us: u64,
    unpause_ms: u64,
    advance: Value,
    reinject: Value,
}

/// VM_PAUSED → ADVANCE_EPOCH → VM_UNPAUSE → REINJECT_PACKETS for one VM.
async fn handle_pause<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    agent: &VmServerEntry,
    vm: String,
    paused_at: Instant,
    on: OnProgress<'_>,
) -> Result<HandleOk, TcError> {
    let limit = Duration::from_secs(svc.timeouts.pause_s.max(1));
    let ctl_timeout = Duration::from_secs(svc.timeouts.controller_s.max(1));
    let controller = !svc.controller.is_empty();
    let work = async {
        let advance = if controller {
            timed(Phase::Advance, &vm, ctl_timeout, c.advance(&svc.name, &vm)).await?
        } else {
            Value::Null
        };
        if advance.get("switch_connected").and_then(Value::as_bool) == Some(false) {
            return Err(TcError::Failed {
                phase: Phase::Advance,
                target: vm.clone(),
                cause: ClusterError(
                    "its access switch is not connected to the controller: no gate".into(),
                ),
            });
        }
        let advance_ms = ms(paused_at.elapsed());
        progress::vm(on, &vm, "advanced");
        let advanced_unix_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        c.unpause(agent, &vm)
            .await
            .map_err(|cause| TcError::Failed {
                phase: Phase::Unpause,
                target: vm.clone(),
                cause,
            })?;
        let unpause_ms = ms(paused_at.elapsed());
        progress::vm(on, &vm, "running");
        let reinject = if controller {
            timed(
                Phase::Reinject,
                &vm,
                ctl_timeout,
                c.reinject(&svc.name, &vm),
            )
            .await?
        } else {
            Value::Null
        };
        Ok(HandleOk {
            vm: vm.clone(),
            advance_ms,
            advanced_unix_us,
            unpause_ms,
            advance,
            reinject,
        })
    };
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(TcError::Timeout {
            phase: Phase::Advance,
            target: vm.clone(),
            after: limit,
        }),
    }
}

pub(crate) async fn timed<T>(
    phase: Phase,
    target: &str,
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, ClusterError>>,
) -> Result<T, TcError> {
    match tokio::time::timeout(limit, f).await {
        Err(_) => Err(TcError::Timeout {
            phase,
            target: target.into(),
            after: limit,
        }),
        Ok(Err(cause)) => Err(TcError::Failed {
            phase,
            target: target.into(),
            cause,
        }),
        Ok(Ok(v)) => Ok(v),
    }
}
