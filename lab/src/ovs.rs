//! Talking to one Open vSwitch instance: every `ovs-vsctl` call names its database socket and
//! every `ovs-ofctl` call the bridge's management socket, so a private instance in its own
//! run directory never mixes with the system one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::command::{cmd, run};
use super::LabError;

/// Debian's default run directory (`mn` and `ovs-vsctl` without options use it).
pub const SYSTEM_RUN_DIR: &str = "/var/run/openvswitch";

/// Seconds `ovs-vsctl` may wait for the database and for `ovs-vswitchd` to apply a change.
const VSCTL_TIMEOUT_S: u32 = 30;

/// Where one Open vSwitch instance keeps its sockets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ovs {
    /// Directory of `db.sock`, `BRIDGE.mgmt` and the daemons' pid files.
    pub run_dir: PathBuf,
    /// The ovsdb-server socket.
    pub db: PathBuf,
}

impl Ovs {
    /// The instance whose sockets live in `run_dir` (`run_dir/db.sock`).
    pub fn at(run_dir: &Path) -> Ovs {
        Ovs {
            run_dir: run_dir.to_path_buf(),
            db: run_dir.join("db.sock"),
        }
    }

    /// The system instance on Debian's default paths.
    pub fn system() -> Ovs {
        Ovs::at(Path::new(SYSTEM_RUN_DIR))
    }

    /// `--db=` argument.
    pub fn db_arg(&self) -> String {
        format!("--db=unix:{}", self.db.display())
    }

    /// The OpenFlow management target of `bridge` (`unix:RUNDIR/BRIDGE.mgmt`).
    pub fn mgmt(&self, bridge: &str) -> String {
        format!(
            "unix:{}",
            self.run_dir.join(format!("{bridge}.mgmt")).display()
        )
    }

    /// Runs `ovs-vsctl --db=… --timeout=… ARGS` and returns its stdout.
    pub fn vsctl<S: AsRef<str>>(&self, args: &[S]) -> Result<String, LabError> {
        let mut c = cmd(
            "ovs-vsctl",
            [self.db_arg(), format!("--timeout={VSCTL_TIMEOUT_S}")],
        );
        c.args(args.iter().map(|a| a.as_ref()));
        run(&mut c)
    }

    /// Runs `ovs-ofctl OPTS COMMAND unix:RUNDIR/BRIDGE.mgmt ARGS`, e.g.
    /// `ofctl(&["-O", "OpenFlow13"], "dump-flows", "vl-s1", &[])`.
    pub fn ofctl(
        &self,
        opts: &[&str],
        command: &str,
        bridge: &str,
        args: &[&str],
    ) -> Result<String, LabError> {
        let mut c = cmd("ovs-ofctl", opts);
        c.arg(command).arg(self.mgmt(bridge)).args(args);
        run(&mut c)
    }

    /// Runs `ovs-appctl -t RUNDIR/DAEMON.ctl ARGS` (daemon `ovs-vswitchd` or `ovsdb-server`).
    /// The system daemons name their socket `DAEMON.PID.ctl`; both forms are tried.
    pub fn appctl(&self, daemon: &str, args: &[&str]) -> Result<String, LabError> {
        let mut c = cmd(
            "ovs-appctl",
            [
                "-t".to_string(),
                self.ctl_path(daemon).display().to_string(),
            ],
        );
        c.args(args);
        run(&mut c)
    }

    fn ctl_path(&self, daemon: &str) -> PathBuf {
        let plain = self.run_dir.join(format!("{daemon}.ctl"));
        if plain.exists() {
            return plain;
        }
        match self.pid(daemon) {
            Some(pid) => self.run_dir.join(format!("{daemon}.{pid}.ctl")),
            None => plain,
        }
    }

    /// The pid in `RUNDIR/DAEMON.pid` if that process is alive and is that daemon.
    pub fn pid(&self, daemon: &str) -> Option<u32> {
        let text = std::fs::read_to_string(self.run_dir.join(format!("{daemon}.pid"))).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        process_is(pid, daemon).then_some(pid)
    }

    /// Whether the database answers and `ovs-vswitchd` runs.
    pub fn is_up(&self) -> bool {
        self.db.exists()
            && self.pid("ovs-vswitchd").is_some()
            && run(&mut cmd(
                "ovs-vsctl",
                [self.db_arg(), "--timeout=3".into(), "show".into()],
            ))
            .is_ok()
    }

    /// Bridges this instance has.
    pub fn list_bridges(&self) -> Result<Vec<String>, LabError> {
        Ok(self
            .vsctl(&["list-br"])?
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect())
    }
}

/// Whether process `pid` is alive and its command name starts with `name` (truncated to the
/// kernel's 15 characters).
pub(crate) fn process_is(pid: u32, name: &str) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let short: String = name.chars().take(15).collect();
    let comm = comm.trim();
    !comm.is_empty() && comm == short && !is_zombie(pid)
}

/// A zombie has exited; only its parent has not reaped it yet.
fn is_zombie(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Format: "PID (COMM) STATE …"; COMM may hold spaces, so look after the last ')'.
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        .unwrap_or(true)
}
