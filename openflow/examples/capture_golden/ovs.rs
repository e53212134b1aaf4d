//! A private Open vSwitch instance (ovsdb-server + ovs-vswitchd, userspace datapath) whose
//! files all live in one run directory, so it never touches a system-wide instance.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run, Fail};

/// The running daemons; stopped on drop.
pub struct Ovs {
    dir: PathBuf,
}

impl Ovs {
    /// Creates the database and starts both daemons under `dir`.
    pub fn start(dir: &Path) -> Result<Ovs, Fail> {
        std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let ovs = Ovs {
            dir: dir.to_path_buf(),
        };
        let d = |f: &str| dir.join(f).display().to_string();
        run(Command::new("ovsdb-tool").args([
            "create",
            &d("conf.db"),
            "/usr/share/openvswitch/vswitch.ovsschema",
        ]))?;
        run(ovs.env(&mut Command::new("ovsdb-server")).args([
            d("conf.db"),
            format!("--remote=punix:{}", d("db.sock")),
            format!("--pidfile={}", d("ovsdb-server.pid")),
            format!("--unixctl={}", d("ovsdb-server.ctl")),
            format!("--log-file={}", d("ovsdb-server.log")),
            "--detach".into(),
            "--no-chdir".into(),
        ]))?;
        ovs.vsctl(&["--no-wait", "init"])?;
        run(ovs.env(&mut Command::new("ovs-vswitchd")).args([
            format!("unix:{}", d("db.sock")),
            format!("--pidfile={}", d("ovs-vswitchd.pid")),
            format!("--unixctl={}", d("ovs-vswitchd.ctl")),
            format!("--log-file={}", d("ovs-vswitchd.log")),
            "--detach".into(),
            "--no-chdir".into(),
        ]))?;
        Ok(ovs)
    }

    fn env<'a>(&self, c: &'a mut Command) -> &'a mut Command {
        c.env("OVS_RUNDIR", &self.dir)
            .env("OVS_LOGDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
    }

    /// Runs `ovs-vsctl` against this instance's database.
    pub fn vsctl(&self, args: &[&str]) -> Result<String, Fail> {
        let db = format!("--db=unix:{}", self.dir.join("db.sock").display());
        run(self
            .env(&mut Command::new("ovs-vsctl"))
            .arg(db)
            .args(["--timeout=20"])
            .args(args))
    }

    /// `ovs-vswitchd --version`, first line.
    pub fn version() -> String {
        run(Command::new("ovs-vswitchd").arg("--version"))
            .ok()
            .and_then(|s| s.lines().next().map(str::to_string))
            .unwrap_or_else(|| "ovs-vswitchd (version unknown)".into())
    }

    fn kill(&self, pidfile: &str) {
        let Ok(pid) = std::fs::read_to_string(self.dir.join(pidfile)) else {
            return;
        };
        let pid = pid.trim();
        if !pid.is_empty() {
            let _ = Command::new("kill").arg(pid).status();
        }
    }
}

impl Drop for Ovs {
    fn drop(&mut self) {
        self.kill("ovs-vswitchd.pid");
        self.kill("ovsdb-server.pid");
    }
}
