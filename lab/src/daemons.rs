//! Finding or starting `ovsdb-server` + `ovs-vswitchd`. A private instance lives entirely in
//! one run directory (database, sockets, pid files, logs) and needs no kernel module: the
//! lab's bridges use the userspace datapath.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::command::{cmd, output, run};
use super::discover::running_vswitchd;
use super::ovs::{process_is, Ovs};
use super::LabError;

/// Where Debian keeps the database schema.
const SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// Which daemons a lab may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DaemonPolicy {
    /// Daemons already running in the run dir, else the system's (Debian's default paths),
    /// else any other `ovs-vswitchd` of this network namespace, else start private ones in
    /// the run dir.
    #[default]
    Auto,
    /// Daemons already running in the run dir, else start private ones there; never the
    /// system's. Fails if another `ovs-vswitchd` runs in this network namespace (see
    /// [`running_vswitchd`](super::running_vswitchd)). Tests use this in their own namespace.
    Private,
}

/// A running Open vSwitch instance; stops it on drop if this value started it (unless
/// [`OvsDaemons::keep_running`] was called).
#[derive(Debug)]
pub struct OvsDaemons {
    ovs: Ovs,
    started: bool,
}

impl OvsDaemons {
    /// Finds running daemons or starts private ones in `run_dir` (see [`DaemonPolicy`]).
    pub fn find_or_start(run_dir: &Path, policy: DaemonPolicy) -> Result<OvsDaemons, LabError> {
        let private = Ovs::at(run_dir);
        if private.is_up() {
            return Ok(OvsDaemons {
                ovs: private,
                started: false,
            });
        }
        if policy == DaemonPolicy::Auto {
            let system = Ovs::system();
            if system.is_up() {
                return Ok(OvsDaemons {
                    ovs: system,
                    started: false,
                });
            }
            // Any other instance of this network namespace (only one can run netdev bridges).
            for running in running_vswitchd() {
                if let Some(ovs) = running.ovs.filter(Ovs::is_up) {
                    return Ok(OvsDaemons {
                        ovs,
                        started: false,
                    });
                }
            }
        }
        Self::start(run_dir)
    }

    /// Starts a fresh private instance in `run_dir` (created if missing). Stale daemons of an
    /// earlier crash in that directory are stopped first.
    pub fn start(run_dir: &Path) -> Result<OvsDaemons, LabError> {
        stop_private(run_dir)?;
        if let Some(other) = running_vswitchd().first() {
            let db = other
                .ovs
                .as_ref()
                .map(|o| format!(", database {}", o.db.display()))
                .unwrap_or_default();
            return Err(LabError::Daemons(format!(
                "another ovs-vswitchd (pid {}{db}) runs in this network namespace and the userspace \
                 datapath allows one per namespace: use it (no --private) or stop it",
                other.pid
            )));
        }
        std::fs::create_dir_all(run_dir).map_err(|e| LabError::io(run_dir, e))?;
        let db_file = run_dir.join("conf.db");
        for stale in ["conf.db", ".conf.db.~lock~", "db.sock"] {
            let p = run_dir.join(stale);
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| LabError::io(&p, e))?;
            }
        }
        let schema = Path::new(SCHEMA);
        if !schema.exists() {
            return Err(LabError::ToolMissing {
                tool: SCHEMA.into(),
                package: "openvswitch-switch".into(),
            });
        }
        run(&mut cmd(
            "ovsdb-tool",
            [Path::new("create"), &db_file, schema],
        ))?;
        let ovs = Ovs::at(run_dir);
        // From here on, a failure stops what was started.
        let daemons = OvsDaemons { ovs, started: true };
        let dir = run_dir.display();
        daemons.daemon(
            "ovsdb-server",
            &[
                db_file.display().to_string(),
                format!("--remote=punix:{}", daemons.ovs.db.display()),
                format!("--pidfile={dir}/ovsdb-server.pid"),
                format!("--unixctl={dir}/ovsdb-server.ctl"),
                format!("--log-file={dir}/ovsdb-server.log"),
                "--detach".into(),
                "--no-chdir".into(),
            ],
        )?;
        daemons.ovs.vsctl(&["--no-wait", "init"])?;
        daemons.daemon(
            "ovs-vswitchd",
            &[
                format!("unix:{}", daemons.ovs.db.display()),
                format!("--pidfile={dir}/ovs-vswitchd.pid"),
                format!("--unixctl={dir}/ovs-vswitchd.ctl"),
                format!("--log-file={dir}/ovs-vswitchd.log"),
                "--detach".into(),
                "--no-chdir".into(),
            ],
        )?;
        if !daemons.ovs.is_up() {
            return Err(LabError::Daemons(format!(
                "not answering; see {dir}/ovs-vswitchd.log"
            )));
        }
        Ok(daemons)
    }

    /// Starts one daemon with `--detach`; its console output goes to `RUNDIR/DAEMON.err`
    /// (not a pipe: the detached daemon would hold a pipe open forever).
    fn daemon(&self, name: &str, args: &[String]) -> Result<(), LabError> {
        let err_path = self.ovs.run_dir.join(format!("{name}.err"));
        let err_file = File::create(&err_path).map_err(|e| LabError::io(&err_path, e))?;
        let err_file2 = err_file
            .try_clone()
            .map_err(|e| LabError::io(&err_path, e))?;
        let mut c = cmd(name, args);
        c.env("OVS_RUNDIR", &self.ovs.run_dir)
            .env("OVS_LOGDIR", &self.ovs.run_dir)
            .env("OVS_DBDIR", &self.ovs.run_dir)
            .stdout(Stdio::from(err_file))
            .stderr(Stdio::from(err_file2));
        let status = c.status().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LabError::ToolMissing {
                tool: name.into(),
                package: "openvswitch-switch".into(),
            },
            _ => LabError::Spawn {
                command: name.into(),
                source: e,
            },
        })?;
        if !status.success() {
            let text = std::fs::read_to_string(&err_path).unwrap_or_default();
            let last = text.lines().last().unwrap_or("").to_string();
            return Err(LabError::Daemons(format!(
                "{name} exited with {status}: {last}"
            )));
        }
        Ok(())
    }

    /// The instance's sockets.
    pub fn ovs(&self) -> &Ovs {
        &self.ovs
    }

    /// Whether this value started the daemons (and so stops them).
    pub fn started_by_us(&self) -> bool {
        self.started
    }

    /// Leaves the daemons running after this value is gone (`viola lab up` exits while the
    /// lab stays); [`stop_private`] stops them later.
    pub fn keep_running(mut self) -> Ovs {
        self.started = false;
        self.ovs.clone()
    }

    /// Stops the daemons now if this value started them.
    pub fn stop(mut self) -> Result<(), LabError> {
        let started = std::mem::replace(&mut self.started, false);
        if started {
            stop_private(&self.ovs.run_dir)?;
        }
        Ok(())
    }
}

impl Drop for OvsDaemons {
    fn drop(&mut self) {
        if self.started {
            let _ = stop_private(&self.ovs.run_dir);
        }
    }
}

/// Stops the daemons whose pid files are in `run_dir` (what [`OvsDaemons::start`] started,
/// also after a crash). Returns whether any was running.
pub fn stop_private(run_dir: &Path) -> Result<bool, LabError> {
    let ovs = Ovs::at(run_dir);
    let mut any = false;
    for daemon in ["ovs-vswitchd", "ovsdb-server"] {
        let Some(pid) = ovs.pid(daemon) else { continue };
        any = true;
        let args: &[&str] = if daemon == "ovs-vswitchd" {
            &["exit", "--cleanup"]
        } else {
            &["exit"]
        };
        // A wedged daemon may not answer; the pid is killed below in that case.
        let mut c = cmd("ovs-appctl", ["-t".to_string(), ctl(run_dir, daemon)]);
        let _ = output(c.args(args));
        if !wait_gone(pid, daemon, Duration::from_secs(5)) {
            let _ = output(&mut cmd("kill", ["-9".to_string(), pid.to_string()]));
            if !wait_gone(pid, daemon, Duration::from_secs(2)) {
                return Err(LabError::Daemons(format!(
                    "{daemon} (pid {pid}) does not stop"
                )));
            }
        }
    }
    for f in [
        "db.sock",
        "ovs-vswitchd.ctl",
        "ovsdb-server.ctl",
        "ovs-vswitchd.pid",
        "ovsdb-server.pid",
    ] {
        let _ = std::fs::remove_file(run_dir.join(f));
    }
    Ok(any)
}

fn ctl(run_dir: &Path, daemon: &str) -> String {
    run_dir.join(format!("{daemon}.ctl")).display().to_string()
}

fn wait_gone(pid: u32, daemon: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while process_is(pid, daemon) {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Default run directory of `viola lab`.
pub fn default_run_dir() -> PathBuf {
    PathBuf::from(super::DEFAULT_RUN_DIR)
}
