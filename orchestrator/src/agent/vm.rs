//! The agent's VMs: start, snapshot (QMP migration to a snapshot server), unpause,
//! restore (incoming migration fed by a snapshot server), cont, stop.

use super::hold::{now_us, EgressHold};
use super::protocol::{AgentEvent, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus};
use super::qemu::{command_line, detect_accel, qemu_binary, Accel, VmPaths};
use super::qmp::{Qmp, QmpError, QmpEvent};
use super::relay;
use super::validate::{RequestError, RequestPolicy};
use crate::auth::{AuthError, Credentials};
use crate::snapshot_server::SnapshotServerClient;
use crate::wire::WireError;
use qapi::qmp::MigrationCapability;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot, Mutex};

/// Errors of the agent.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("invalid VM name {0:?}")]
    BadName(String),
    #[error("VM {0} already exists")]
    Exists(String),
    #[error("no VM {0}")]
    NoVm(String),
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: String,
        source: std::io::Error,
    },
    #[error("QEMU for {vm} exited or did not answer: {detail}")]
    QemuDied { vm: String, detail: String },
    #[error(transparent)]
    Qmp(#[from] QmpError),
    #[error("migration of {vm} {status}: {detail}")]
    Migration {
        vm: String,
        status: String,
        detail: String,
    },
    #[error("{0} timed out")]
    Timeout(String),
    #[error("VM {0} is not held paused by a snapshot")]
    NotHeld(String),
    #[error("VM {0} is {1}, not running: nothing to snapshot live")]
    NotRunning(String, String),
    #[error("VM {0} is already being snapshotted")]
    Busy(String),
    #[error("snapshot server: {0}")]
    Server(#[from] WireError),
    #[error("refused: {0}")]
    Refused(#[from] RequestError),
    #[error("data connection: {0}")]
    Data(#[from] AuthError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Agent settings.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// QMP sockets and serial logs go here.
    pub run_dir: PathBuf,
    /// The IP a snapshot server can reach this host's restoring QEMUs on.
    pub advertise_ip: String,
    /// Force an accelerator instead of detecting it once.
    pub accel: Option<Accel>,
    /// How long a pre-copy snapshot holds the guest paused waiting for `unpause` before it
    /// gives up and resumes it.
    pub hold_timeout: Duration,
    /// Limit for a whole migration (snapshot or restore).
    pub migration_timeout: Duration,
    /// Background mode: hold the guest's outgoing packets from before the cut until
    /// `unpause` (a QEMU `filter-buffer`, see [`super::hold`]). Off, the guest's packets
    /// flow again as soon as QEMU resumes it, before the epoch is advanced.
    pub hold_egress: bool,
    /// What this agent proves itself with, to its clients, to snapshot servers and on
    /// data connections.
    pub credentials: Credentials,
    /// Where kernels and initramfs images may come from, and the memory cap.
    pub policy: RequestPolicy,
}

impl AgentConfig {
    pub fn new(run_dir: impl Into<PathBuf>) -> Self {
        AgentConfig {
            run_dir: run_dir.into(),
            advertise_ip: "127.0.0.1".into(),
            accel: None,
            hold_timeout: Duration::from_secs(120),
            migration_timeout: Duration::from_secs(600),
            hold_egress: true,
            credentials: Credentials::Insecure,
            policy: RequestPolicy {
                image_dirs: Vec::new(),
                max_memory_mb: 4096,
            },
        }
    }
}

struct Vm {
    config: VmConfig,
    child: Mutex<tokio::process::Child>,
    qmp: Qmp,
    paths: VmPaths,
    accel: Accel,
    command_line: Vec<String>,
    qemu_version: String,
    hold: Mutex<Option<oneshot::Sender<()>>>,
    /// The egress hold of a background snapshot, until released.
    egress: Mutex<Option<EgressHold>>,
    busy: Mutex<()>,
}

/// QOM id of the egress hold filter (one snapshot at a time per VM).
const HOLD_ID: &str = "viola-egress-hold";

/// Releases `vm`'s egress hold if one is engaged; the wall-clock time of the release.
async fn release_egress(vm: &Vm) -> Result<Option<u64>, AgentError> {
    let Some(h) = vm.egress.lock().await.take() else {
        return Ok(None);
    };
    Ok(Some(h.release(&vm.qmp).await?))
}

/// The VM-server agent.
pub struct Agent {
    config: AgentConfig,
    vms: Mutex<HashMap<String, Arc<Vm>>>,
    accel: tokio::sync::OnceCell<Accel>,
    generation: AtomicU64,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

impl Agent {
    pub fn new(config: AgentConfig) -> Result<Arc<Self>, AgentError> {
        std::fs::create_dir_all(&config.run_dir)?;
        create_private_dir(&config.run_dir.join(SOCKET_DIR))?;
        Ok(Arc::new(Agent {
            config,
            vms: Mutex::new(HashMap::new()),
            accel: tokio::sync::OnceCell::new(),
            generation: AtomicU64::new(1),
        }))
    }

    /// What the agent authenticates with.
    pub fn credentials(&self) -> &Credentials {
        &self.config.credentials
    }

    fn socket_path(&self, vm: &str, what: &str) -> PathBuf {
        let n = self.generation.fetch_add(1, Ordering::Relaxed);
        self.config
            .run_dir
            .join(SOCKET_DIR)
            .join(format!("{vm}.{n}.{what}.sock"))
    }

    async fn vm(&self, name: &str) -> Result<Arc<Vm>, AgentError> {
        self.vms
            .lock()
            .await
            .get(name)
            .cloned()
            .ok_or_else(|| AgentError::NoVm(name.into()))
    }

    async fn accel(&self, kernel: &str) -> Accel {
        if let Some(a) = self.config.accel {
            return a;
        }
        *self
            .accel
            .get_or_init(|| detect_accel(kernel, &self.config.run_dir))
            .await
    }

    /// Boots a VM.
    pub async fn start(&self, cfg: VmConfig) -> Result<VmStatus, AgentError> {
        let vm = self.spawn(cfg, false).await?;
        status_of(&vm).await
    }

    async fn spawn(&self, cfg: VmConfig, incoming: bool) -> Result<Arc<Vm>, AgentError> {
        // Nothing runs (not even the accelerator probe) before the request is checked.
        let cfg = self.config.policy.check(&cfg)?;
        if self.vms.lock().await.contains_key(&cfg.vm) {
            return Err(AgentError::Exists(cfg.vm.clone()));
        }
        let accel = self.accel(&cfg.kernel).await;
        let paths = VmPaths::new(
            &self.config.run_dir,
            &cfg.vm,
            self.generation.fetch_add(1, Ordering::Relaxed),
        );
        let _ = std::fs::remove_file(&paths.qmp);
        let args = command_line(&cfg, &paths, accel, incoming);
        let binary = qemu_binary();
        let stderr = std::fs::File::create(&paths.stderr)?;
        let mut child = tokio::process::Command::new(&binary)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| AgentError::Spawn {
                binary: binary.clone(),
                source,
            })?;
        let qmp = match Qmp::connect(&paths.qmp, Duration::from_secs(15)).await {
            Ok(q) => q,
            Err(e) => {
                let _ = child.kill().await;
                let log = std::fs::read_to_string(&paths.stderr).unwrap_or_default();
                return Err(AgentError::QemuDied {
                    vm: cfg.vm.clone(),
                    detail: format!("{e}; stderr: {}", log.trim()),
                });
            }
        };
        let qemu_version = qmp.version().await.unwrap_or_default();
        let mut command_line = vec![binary];
        command_line.extend(args);
        tracing::info!(vm = %cfg.vm, accel = accel.as_str(), incoming, "QEMU started");
        let vm = Arc::new(Vm {
            config: cfg,
            child: Mutex::new(child),
            qmp,
            paths,
            accel,
            command_line,
            qemu_version,
            hold: Mutex::new(None),
            egress: Mutex::new(None),
            busy: Mutex::new(()),
        });
        let mut vms = self.vms.lock().await;
        if vms.contains_key(&vm.config.vm) {
            return Err(AgentError::Exists(vm.config.vm.clone()));
        }
        vms.insert(vm.config.vm.clone(), vm.clone());
        Ok(vm)
    }

    /// Snapshots `vm` to the snapshot-server data address `target`, reporting progress on
    /// `events`. See [`super::protocol::Request::Snapshot`].
    pub async fn snapshot(
        &self,
        name: &str,
        target: &str,
        ticket: &str,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> Result<SnapshotReport, AgentError> {
        let result = self
            .snapshot_inner(name, target, ticket, mode, events)
            .await;
        // Whatever happened, the guest's packets must not stay held (unless the hold is
        // another snapshot's, still running).
        let own = !matches!(result, Err(AgentError::Busy(_)));
        if let (true, Ok(vm)) = (own, self.vm(name).await) {
            if let Err(e) = release_egress(&vm).await {
                tracing::warn!(vm = name, "releasing the egress hold: {e}");
            }
        }
        match result {
            // A MIGRATION "failed" event carries no reason: ask QEMU for it.
            Err(AgentError::Migration { vm, status, detail }) if detail.is_empty() => {
                let desc = match self.vm(name).await {
                    Ok(v) => v.qmp.query_migrate().await.ok().and_then(|i| {
                        i.get("error-desc")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    }),
                    Err(_) => None,
                };
                Err(AgentError::Migration {
                    vm,
                    status,
                    detail: desc.unwrap_or_else(|| "QEMU gave no reason".into()),
                })
            }
            other => other,
        }
    }

    async fn snapshot_inner(
        &self,
        name: &str,
        target: &str,
        ticket: &str,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> Result<SnapshotReport, AgentError> {
        let vm = self.vm(name).await?;
        let _busy = vm
            .busy
            .try_lock()
            .map_err(|_| AgentError::Busy(name.into()))?;
        // The snapshot point is QEMU's STOP: a guest that is not running has none.
        let state = vm.qmp.status().await?;
        if state != "running" {
            return Err(AgentError::NotRunning(name.into(), state));
        }
        let mut rx = vm.qmp.subscribe();
        vm.qmp
            .set_capabilities(&[
                (MigrationCapability::events, true),
                (
                    MigrationCapability::background_snapshot,
                    mode == SnapshotMode::Background,
                ),
            ])
            .await?;
        if mode == SnapshotMode::Precopy && vm.accel == Accel::Tcg {
            // Measured with QEMU 7.2 (docs/src/orchestrator.md): slow pre-copy streams of
            // busy TCG guests can miss writes, and the image then differs from the guest.
            tracing::warn!(
                vm = name,
                "pre-copy under TCG: QEMU 7.2 may write an inconsistent image; prefer background mode"
            );
        }
        // The target authenticates (and takes the ticket) before QEMU is asked anything.
        let (uri, relay) = relay::outgoing(
            target,
            ticket,
            &self.config.credentials,
            self.socket_path(name, "migrate"),
            Duration::from_secs(30),
        )
        .await?;
        // Background mode: hold the guest's egress from just before the cut.
        let hold_egress = mode == SnapshotMode::Background && self.config.hold_egress;
        if hold_egress {
            let h = EgressHold::engage(&vm.qmp, HOLD_ID).await?;
            *vm.egress.lock().await = Some(h);
        }
        let t0 = Instant::now();
        vm.qmp.migrate(&uri).await?;
        let deadline = tokio::time::Instant::now() + self.config.migration_timeout;

        // Until STOP: the snapshot point.
        let mut completed = false;
        let mut completed_at: Option<Instant> = None;
        let cut_us = loop {
            let ev = next_event(&vm, &mut rx, deadline, name).await?;
            match ev.name.as_str() {
                "STOP" => break ev.at_us.unwrap_or_else(now_us),
                "MIGRATION" if migration_status(&ev, name)? => {
                    completed = true;
                    completed_at.get_or_insert_with(Instant::now);
                }
                _ => {}
            }
        };
        let stop_at = Instant::now();
        let to_stop_ms = ms(stop_at - t0);
        let (hold_tx, mut hold_rx) = oneshot::channel();
        *vm.hold.lock().await = Some(hold_tx);
        let _ = events.send(AgentEvent::VmPaused {
            vm: name.into(),
            ms: to_stop_ms,
        });
        if completed {
            let _ = events.send(AgentEvent::MigrationCompleted {
                vm: name.into(),
                ms: ms(t0.elapsed()),
            });
        }

        // Hold until unpause, noting completion (and, in background mode, the resume).
        let hold_deadline = tokio::time::Instant::now() + self.config.hold_timeout;
        // CPU running again: QEMU's RESUME timestamp (µs since the Unix epoch).
        let mut resumed_us: Option<u64> = None;
        let mut unpaused = false;
        while !unpaused {
            tokio::select! {
                r = &mut hold_rx => { unpaused = r.is_ok(); if !unpaused { break; } }
                ev = rx.recv() => match ev {
                    Ok(ev) => match ev.name.as_str() {
                        "RESUME" => { resumed_us.get_or_insert(ev.at_us.unwrap_or_else(now_us)); }
                        "MIGRATION" => {
                            let done = migration_status(&ev, name)?;
                            if done && !completed {
                                completed = true;
                                completed_at.get_or_insert_with(Instant::now);
                                let _ = events.send(AgentEvent::MigrationCompleted { vm: name.into(), ms: ms(t0.elapsed()) });
                            }
                        }
                        "SHUTDOWN" => return Err(AgentError::QemuDied { vm: name.into(), detail: "guest shut down".into() }),
                        _ => {}
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        return Err(AgentError::QemuDied { vm: name.into(), detail: "QMP closed".into() })
                    }
                },
                _ = tokio::time::sleep_until(hold_deadline) => break,
            }
        }
        vm.hold.lock().await.take();
        // VM_UNPAUSE (or the hold timed out): the guest's packets may go.
        let released_us = release_egress(&vm).await?;

        // Wait for the stream to be complete.
        while !completed {
            let ev = next_event(&vm, &mut rx, deadline, name).await?;
            match ev.name.as_str() {
                "MIGRATION" => {
                    completed = migration_status(&ev, name)?;
                    if completed {
                        completed_at.get_or_insert_with(Instant::now);
                        let _ = events.send(AgentEvent::MigrationCompleted {
                            vm: name.into(),
                            ms: ms(t0.elapsed()),
                        });
                    }
                }
                "RESUME" => {
                    resumed_us.get_or_insert(ev.at_us.unwrap_or_else(now_us));
                }
                _ => {}
            }
        }
        if !completed {
            return Err(AgentError::Timeout(format!("snapshot of {name}")));
        }
        // QEMU has written everything to the relay: wait until it reached the server.
        relay.finish(Duration::from_secs(60)).await?;
        if mode == SnapshotMode::Precopy {
            wait_status(
                &vm.qmp,
                &["postmigrate", "running"],
                Duration::from_secs(30),
            )
            .await?;
            if vm.qmp.status().await? != "running" {
                vm.qmp.cont().await?;
            }
            resumed_us.get_or_insert_with(now_us);
        }
        if !unpaused {
            return Err(AgentError::Timeout(format!(
                "waiting {:?} for unpause of {name} (the guest was resumed)",
                self.config.hold_timeout
            )));
        }
        let info = vm.qmp.query_migrate().await?;
        // No RESUME seen (it should have come): the agent's own view.
        let resumed_us =
            resumed_us.unwrap_or_else(|| cut_us + stop_at.elapsed().as_micros() as u64);
        let released_us = released_us.unwrap_or(resumed_us);
        let cpu_stopped_ms = resumed_us.saturating_sub(cut_us) / 1000;
        let paused_ms = network_pause_ms(cut_us, resumed_us, released_us);
        Ok(SnapshotReport {
            vm: name.into(),
            mode,
            downtime_ms: info.get("downtime").and_then(Value::as_i64),
            total_time_ms: info
                .get("total-time")
                .and_then(Value::as_i64)
                .filter(|t| *t > 0),
            migration_ms: completed_at.map(|c| ms(c - t0)).unwrap_or(0),
            paused_ms,
            cpu_stopped_ms,
            egress_held: hold_egress,
            cut_unix_us: cut_us,
            released_unix_us: released_us,
            to_stop_ms,
            transferred_bytes: info.pointer("/ram/transferred").and_then(Value::as_u64),
            qemu_version: vm.qemu_version.clone(),
            command_line: vm.command_line.clone(),
        })
    }

    /// Releases a VM held paused by a snapshot.
    pub async fn unpause(&self, name: &str) -> Result<(), AgentError> {
        let vm = self.vm(name).await?;
        let tx = vm
            .hold
            .lock()
            .await
            .take()
            .ok_or_else(|| AgentError::NotHeld(name.into()))?;
        tx.send(()).map_err(|_| AgentError::NotHeld(name.into()))
    }

    /// Starts `config` as an incoming QEMU, has the snapshot server stream the image and
    /// waits until it is loaded; the guest stays paused until [`Agent::cont`].
    pub async fn restore(
        &self,
        config: VmConfig,
        from: RestoreFrom,
    ) -> Result<VmStatus, AgentError> {
        let name = config.vm.clone();
        let vm = self.spawn(config, true).await?;
        let result = async {
            let socket = self.socket_path(&name, "incoming");
            let _ = std::fs::remove_file(&socket);
            vm.qmp
                .migrate_incoming(&format!("unix:{}", socket.display()))
                .await?;
            let (listen, ticket, relay) = relay::incoming(
                &self.config.advertise_ip,
                &self.config.credentials,
                socket,
                self.config.migration_timeout,
            )
            .await?;
            let server =
                SnapshotServerClient::new(from.server.clone(), self.config.credentials.clone());
            let image = from.image.clone().unwrap_or_else(|| name.clone());
            server
                .serve(&from.snapshot_id, &image, &listen, &ticket.to_hex())
                .await?;
            relay.finish(Duration::from_secs(60)).await?;
            let deadline = Instant::now() + self.config.migration_timeout;
            loop {
                let info = vm.qmp.query_migrate().await?;
                match info.get("status").and_then(Value::as_str).unwrap_or("") {
                    "completed" => break,
                    s @ ("failed" | "cancelled") => {
                        return Err(AgentError::Migration {
                            vm: name.clone(),
                            status: s.into(),
                            detail: info
                                .get("error-desc")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .into(),
                        })
                    }
                    _ => {}
                }
                if vm.qmp.status().await? != "inmigrate" && info.get("status").is_none() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(AgentError::Timeout(format!("restore of {name}")));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            wait_status(&vm.qmp, &["paused", "prelaunch"], Duration::from_secs(30)).await?;
            status_of(&vm).await
        }
        .await;
        if result.is_err() {
            let _ = self.stop(&name).await;
        }
        result
    }

    /// Resumes a paused VM.
    pub async fn cont(&self, name: &str) -> Result<VmStatus, AgentError> {
        let vm = self.vm(name).await?;
        vm.qmp.cont().await?;
        status_of(&vm).await
    }

    /// Quits QEMU; killing it if it does not exit within 10 s. Unknown VMs are fine.
    pub async fn stop(&self, name: &str) -> Result<(), AgentError> {
        let Some(vm) = self.vms.lock().await.remove(name) else {
            return Ok(());
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), vm.qmp.quit()).await;
        let mut child = vm.child.lock().await;
        if tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
        let _ = std::fs::remove_file(&vm.paths.qmp);
        tracing::info!(vm = name, "QEMU stopped");
        Ok(())
    }

    /// Every VM's state.
    pub async fn status(&self) -> Vec<VmStatus> {
        let vms: Vec<Arc<Vm>> = self.vms.lock().await.values().cloned().collect();
        let mut out = Vec::new();
        for vm in vms {
            match status_of(&vm).await {
                Ok(s) => out.push(s),
                Err(e) => tracing::warn!(vm = %vm.config.vm, "status: {e}"),
            }
        }
        out.sort_by(|a, b| a.vm.cmp(&b.vm));
        out
    }

    /// Stops every VM (agent shutdown).
    pub async fn stop_all(&self) {
        let names: Vec<String> = self.vms.lock().await.keys().cloned().collect();
        for n in names {
            let _ = self.stop(&n).await;
        }
    }
}

async fn status_of(vm: &Vm) -> Result<VmStatus, AgentError> {
    let pid = vm.child.lock().await.id();
    let status = match tokio::time::timeout(Duration::from_secs(5), vm.qmp.status()).await {
        Ok(Ok(s)) => s,
        _ => "gone".into(),
    };
    Ok(VmStatus {
        vm: vm.config.vm.clone(),
        pid,
        status,
        accel: vm.accel.as_str().into(),
        serial_log: vm.paths.serial.display().to_string(),
        qemu_version: vm.qemu_version.clone(),
        command_line: vm.command_line.clone(),
    })
}

/// The next QMP event before `deadline`; QEMU exiting or QMP closing is an error.
async fn next_event(
    vm: &Vm,
    rx: &mut broadcast::Receiver<QmpEvent>,
    deadline: tokio::time::Instant,
    name: &str,
) -> Result<QmpEvent, AgentError> {
    loop {
        let r = tokio::select! {
            r = rx.recv() => r,
            _ = tokio::time::sleep_until(deadline) => return Err(AgentError::Timeout(format!("migration of {name}"))),
            _ = tokio::time::sleep(Duration::from_secs(2)) => {
                // No event for a while: check QEMU is still there and the migration alive.
                let info = vm.qmp.query_migrate().await?;
                if let Some(s @ ("failed" | "cancelled")) = info.get("status").and_then(Value::as_str) {
                    return Err(AgentError::Migration {
                        vm: name.into(),
                        status: s.into(),
                        detail: info.get("error-desc").and_then(Value::as_str).unwrap_or("").into(),
                    });
                }
                continue;
            }
        };
        match r {
            Ok(ev) => {
                if ev.name == "SHUTDOWN" {
                    return Err(AgentError::QemuDied {
                        vm: name.into(),
                        detail: "guest shut down".into(),
                    });
                }
                return Ok(ev);
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => {
                return Err(AgentError::QemuDied {
                    vm: name.into(),
                    detail: "QMP closed".into(),
                })
            }
        }
    }
}

/// `true` when a MIGRATION event says completed; an error when it failed.
fn migration_status(ev: &QmpEvent, name: &str) -> Result<bool, AgentError> {
    match ev.data.get("status").and_then(Value::as_str).unwrap_or("") {
        "completed" => Ok(true),
        s @ ("failed" | "cancelled") => Err(AgentError::Migration {
            vm: name.into(),
            status: s.into(),
            detail: String::new(),
        }),
        _ => Ok(false),
    }
}

async fn wait_status(qmp: &Qmp, want: &[&str], limit: Duration) -> Result<String, AgentError> {
    let deadline = Instant::now() + limit;
    loop {
        let s = qmp.status().await?;
        if want.contains(&s.as_str()) {
            return Ok(s);
        }
        if Instant::now() > deadline {
            return Err(AgentError::Timeout(format!(
                "waiting for run state {want:?} (now {s})"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Subdirectory of the run directory holding the migration sockets (mode 0700).
const SOCKET_DIR: &str = "sockets";

/// Creates `dir` readable by this user only (and makes it so if it exists).
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// The pause the network sees: the cut → the guest's packets flow again, which needs both
/// its egress released and its CPU running. (An `unpause` that comes before QEMU resumes
/// the CPU of a background snapshot releases the hold early, but nothing can flow yet.)
fn network_pause_ms(cut_us: u64, resumed_us: u64, released_us: u64) -> u64 {
    released_us.max(resumed_us).saturating_sub(cut_us) / 1000
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_network_pause_lasts_until_the_egress_is_released_and_the_cpu_runs() {
        // Released 0.4 ms after the cut, CPU resumed at 16 ms: 16 ms, not 0.
        assert_eq!(super::network_pause_ms(1_000_000, 1_016_000, 1_000_400), 16);
        // Released at 30 ms, CPU resumed at 16 ms: 30 ms.
        assert_eq!(super::network_pause_ms(1_000_000, 1_016_000, 1_030_000), 30);
    }
}
