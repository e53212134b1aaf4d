//! [`Lab`]: a running lab, brought up here or opened from its state file.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use viola_topo_spec::Topology;

use super::command::{cmd, is_root, output};
use super::config::LabConfig;
use super::daemons::OvsDaemons;
use super::down::{down, list_links, list_netns, DownReport};
use super::names::Names;
use super::ovs::Ovs;
use super::ping::{pingall, PingReport};
use super::state::{HostState, LabState};
use super::up::{create_bridges, create_links, plan};
use super::LabError;

/// A running lab. Dropping a `Lab` that was brought up by [`Lab::up`] tears it down (so a
/// failing test leaves nothing behind) unless [`Lab::detach`] was called; a `Lab` from
/// [`Lab::open`] is left running on drop.
#[derive(Debug)]
pub struct Lab {
    run_dir: PathBuf,
    state: LabState,
    daemons: Option<OvsDaemons>,
    armed: bool,
}

impl Lab {
    /// Brings up `topo`: OVS daemons (found or started), one bridge per switch, veths for the
    /// links, a namespace per host; writes `RUNDIR/state.json`. Fails if a lab is already up
    /// in the run directory or leftovers with the prefix exist; on failure, removes what it
    /// created.
    pub fn up(topo: &Topology, config: &LabConfig) -> Result<Lab, LabError> {
        if !is_root() {
            return Err(LabError::NotRoot);
        }
        let names = Names::new(&config.prefix)?;
        if LabState::load(&config.run_dir)?.is_some() {
            return Err(LabError::AlreadyUp(config.run_dir.clone()));
        }
        let leftovers: Vec<String> = list_netns()?
            .into_iter()
            .chain(list_links()?)
            .filter(|n| names.owns(n))
            .collect();
        if !leftovers.is_empty() {
            return Err(LabError::Config(format!(
                "leftovers named {}* exist ({}); run `viola lab down` first",
                config.prefix,
                leftovers.join(" ")
            )));
        }
        let daemons = OvsDaemons::find_or_start(&config.run_dir, config.daemons)?;
        let state = plan(topo, config, daemons.ovs(), daemons.started_by_us())?;
        let lab = Lab {
            run_dir: config.run_dir.clone(),
            state,
            daemons: Some(daemons),
            armed: true,
        };
        // Written first, so `down` in another process finds the lab even if this one dies.
        lab.state.save(&lab.run_dir)?;
        create_bridges(&lab.state)?;
        create_links(topo, &lab.state, config)?;
        Ok(lab)
    }

    /// Opens the lab that is up in `run_dir`.
    pub fn open(run_dir: &Path) -> Result<Lab, LabError> {
        let state =
            LabState::load(run_dir)?.ok_or_else(|| LabError::NoLab(run_dir.to_path_buf()))?;
        Ok(Lab {
            run_dir: run_dir.to_path_buf(),
            state,
            daemons: None,
            armed: false,
        })
    }

    /// What the lab is made of.
    pub fn state(&self) -> &LabState {
        &self.state
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The OVS instance holding the bridges (for `vsctl`/`ofctl` calls).
    pub fn ovs(&self) -> &Ovs {
        &self.state.ovs
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Result<&HostState, LabError> {
        self.state
            .host(name)
            .ok_or_else(|| LabError::NoHost(name.to_string()))
    }

    /// Waits until every bridge reports `is_connected` for its controller.
    pub fn wait_connected(&self, timeout: Duration) -> Result<(), LabError> {
        let start = Instant::now();
        loop {
            let missing = self.unconnected_bridges()?;
            if missing.is_empty() {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(LabError::NotConnected {
                    controller: self.state.controller.clone(),
                    waited_ms: start.elapsed().as_millis(),
                    bridges: missing.join(" "),
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Bridges of the lab whose controller connection is not up.
    pub fn unconnected_bridges(&self) -> Result<Vec<String>, LabError> {
        let mut missing = Vec::new();
        for s in &self.state.switches {
            let text = self.state.ovs.vsctl(&[
                "--bare",
                "--columns=controller",
                "list",
                "Bridge",
                &s.bridge,
            ])?;
            let mut connected = false;
            for uuid in text.split_whitespace() {
                let c =
                    self.state
                        .ovs
                        .vsctl(&["--bare", "get", "Controller", uuid, "is_connected"])?;
                connected |= c.trim() == "true";
            }
            if !connected {
                missing.push(s.bridge.clone());
            }
        }
        Ok(missing)
    }

    /// Pings every ordered pair of hosts once.
    pub fn pingall(&self) -> Result<PingReport, LabError> {
        pingall(&self.state)
    }

    /// Runs `argv` in `host`'s namespace with this process's stdin/stdout/stderr.
    pub fn exec(&self, host: &str, argv: &[String]) -> Result<ExitStatus, LabError> {
        let mut c = self.exec_command(host, argv)?;
        c.stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        c.status().map_err(|e| LabError::Spawn {
            command: argv.join(" "),
            source: e,
        })
    }

    /// Runs `argv` in `host`'s namespace and captures its output.
    pub fn exec_output(&self, host: &str, argv: &[String]) -> Result<Output, LabError> {
        output(&mut self.exec_command(host, argv)?)
    }

    /// `ip netns exec NS argv…` for `host`, not yet started.
    pub fn exec_command(
        &self,
        host: &str,
        argv: &[String],
    ) -> Result<std::process::Command, LabError> {
        let h = self.host(host)?;
        if argv.is_empty() {
            return Err(LabError::Config("no command given".into()));
        }
        let mut c = cmd("ip", ["netns", "exec", &h.netns]);
        c.args(argv);
        Ok(c)
    }

    /// Leaves the lab (and daemons this value started) running after this value is dropped.
    pub fn detach(mut self) {
        self.armed = false;
        if let Some(d) = self.daemons.take() {
            d.keep_running();
        }
    }

    /// Removes the lab and stops the private daemons of its run directory.
    pub fn down(mut self) -> Result<DownReport, LabError> {
        self.armed = false;
        let report = down(&self.run_dir, &self.state.prefix);
        if let Some(d) = self.daemons.take() {
            d.stop()?;
        }
        report
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if self.armed {
            let _ = down(&self.run_dir, &self.state.prefix);
        }
    }
}
