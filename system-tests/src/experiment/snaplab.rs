//! [`SnapLab`]: a lab on real Open vSwitch whose controller runs in this process with the
//! registry's apps (`topology,snapshot,l2-learning` by default) and the REST API on
//! loopback, plus the calls the snapshot experiments make through that API.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use viola_framework::{Controller, ControllerBuilder, ListenAddr, RunningController};

use super::{http, ExperimentError};
use viola_lab::{DaemonPolicy, HostState, Lab, LabConfig, OfVersions};
use viola_topo_spec::Topology;

/// How to build a [`SnapLab`].
#[derive(Debug, Clone)]
pub struct SnapLabConfig {
    /// Topology SPEC (`single,2`, `linear,2`…).
    pub topo: String,
    pub of: OfVersions,
    /// Name prefix of the lab's bridges, namespaces and veths (≤ 5 characters).
    pub prefix: String,
    /// Run directory of the lab and its private OVS daemons.
    pub run_dir: PathBuf,
    /// The controller's apps, in pipeline order.
    pub apps: Vec<String>,
}

impl SnapLabConfig {
    pub fn new(topo: &str, of: OfVersions, prefix: &str, run_dir: PathBuf) -> Self {
        SnapLabConfig {
            topo: topo.to_string(),
            of,
            prefix: prefix.to_string(),
            run_dir,
            apps: ["topology", "snapshot", "l2-learning"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// A running lab with its in-process controller. Dropping it takes the lab down and stops
/// the controller.
pub struct SnapLab {
    lab: Option<Lab>,
    api: SocketAddr,
    of_addr: SocketAddr,
    ctl: Controller,
    running: Option<RunningController>,
    rest_task: Option<tokio::task::JoinHandle<()>>,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for SnapLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapLab").field("api", &self.api).finish()
    }
}

fn ctl_err(e: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Controller(e.to_string())
}

impl SnapLab {
    /// Starts the controller and its REST API on 127.0.0.1, brings the lab up with private
    /// OVS daemons, waits until every switch is connected and the topology app knows every
    /// link, sets static ARP entries in all hosts and pings every pair once.
    pub fn up(cfg: &SnapLabConfig) -> Result<SnapLab, ExperimentError> {
        let topo = Topology::parse(&cfg.topo).map_err(|e| ExperimentError::Other(e.to_string()))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| ExperimentError::io("tokio runtime", e))?;
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let builder = ControllerBuilder::new().listen(ListenAddr::Tcp(any));
        let crate::controller::Started {
            running,
            api,
            api_task: task,
        } = rt
            .block_on(crate::controller::start(
                builder,
                &cfg.apps,
                &crate::controller::defaults,
            ))
            .map_err(ctl_err)?;
        let ctl = running.handle();
        let of_addr = running
            .local_addrs()
            .first()
            .copied()
            .ok_or_else(|| ctl_err("the controller listens nowhere"))?;
        let lab_cfg = LabConfig {
            run_dir: cfg.run_dir.clone(),
            prefix: cfg.prefix.clone(),
            controller: of_addr.to_string(),
            of: cfg.of,
            daemons: DaemonPolicy::Private,
            ..LabConfig::default()
        };
        let mut me = SnapLab {
            lab: None,
            api,
            of_addr,
            ctl,
            running: Some(running),
            rest_task: Some(task),
            rt,
        };
        me.lab = Some(Lab::up(&topo, &lab_cfg)?);
        me.wait_switches(topo.switches.len(), Duration::from_secs(30))?;
        me.wait_links(topo.links.len(), Duration::from_secs(30))?;
        me.static_arp()?;
        me.ping_all_pairs()?;
        Ok(me)
    }

    pub fn lab(&self) -> &Lab {
        // Set in `up` before `self` is handed out; taken only in `drop`.
        self.lab
            .as_ref()
            .unwrap_or_else(|| unreachable!("lab is set in up()"))
    }

    /// The REST API's address.
    pub fn api(&self) -> SocketAddr {
        self.api
    }

    /// Where the controller listens for the switches (the OpenFlow channel, on loopback).
    pub fn of_addr(&self) -> SocketAddr {
        self.of_addr
    }

    pub fn controller(&self) -> &Controller {
        &self.ctl
    }

    fn wait_switches(&self, n: usize, timeout: Duration) -> Result<(), ExperimentError> {
        let t0 = Instant::now();
        while self.ctl.switches().len() < n {
            if t0.elapsed() > timeout {
                return Err(ExperimentError::Timeout(format!(
                    "only {} of {n} switches connected after {timeout:?}",
                    self.ctl.switches().len()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// Waits until `GET /api/v1/topology` shows `n` bidirectional links (each counted once
    /// per direction or once: whichever the document does, at least `n` entries).
    fn wait_links(&self, n: usize, timeout: Duration) -> Result<(), ExperimentError> {
        let t0 = Instant::now();
        loop {
            let doc = self.get("/api/v1/topology")?;
            let links = doc["links"].as_array().map_or(0, |l| {
                l.iter()
                    .filter(|x| x["bidirectional"].as_bool().unwrap_or(true))
                    .count()
            });
            if links >= n {
                return Ok(());
            }
            if t0.elapsed() > timeout {
                return Err(ExperimentError::Timeout(format!(
                    "the topology app knows {links} of {n} links after {timeout:?}: {doc}"
                )));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Permanent ARP entries for every other host in every host (no ARP during a snapshot).
    fn static_arp(&self) -> Result<(), ExperimentError> {
        let hosts = self.lab().state().hosts.clone();
        for h in &hosts {
            for o in hosts.iter().filter(|o| o.name != h.name) {
                let argv: Vec<String> = [
                    "ip",
                    "neigh",
                    "replace",
                    &o.ip,
                    "lladdr",
                    &o.mac,
                    "dev",
                    &h.ifname,
                    "nud",
                    "permanent",
                ]
                .map(String::from)
                .to_vec();
                let out = self.lab().exec_output(&h.name, &argv)?;
                if !out.status.success() {
                    return Err(ExperimentError::Other(format!(
                        "static ARP in {}: {}",
                        h.name,
                        String::from_utf8_lossy(&out.stderr)
                    )));
                }
            }
        }
        Ok(())
    }

    /// Pings every ordered pair once (retrying a little while paths settle).
    pub fn ping_all_pairs(&self) -> Result<(), ExperimentError> {
        let t0 = Instant::now();
        loop {
            let r = self.lab().pingall()?;
            if r.all_ok() {
                return Ok(());
            }
            if t0.elapsed() > Duration::from_secs(15) {
                return Err(ExperimentError::Other(format!(
                    "pingall through the controller fails:\n{}",
                    r.render()
                )));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    pub fn host(&self, name: &str) -> Result<&HostState, ExperimentError> {
        Ok(self.lab().host(name)?)
    }

    /// Datapath id (16 hex digits) of the bridge `host` is attached to.
    fn host_dpid(&self, h: &HostState) -> Result<String, ExperimentError> {
        self.lab()
            .state()
            .switches
            .iter()
            .find(|s| s.bridge == h.bridge)
            .map(|s| s.dpid.clone())
            .ok_or_else(|| ExperimentError::Other(format!("no switch for bridge {}", h.bridge)))
    }

    pub fn get(&self, path: &str) -> Result<Value, ExperimentError> {
        http::expect_ok(self.api, "GET", path, None)
    }

    pub fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, ExperimentError> {
        http::expect_ok(self.api, "POST", path, body)
    }

    /// `POST /api/v1/snapshot/services` with `hosts` as the VMs (name, MAC, IP, access
    /// switch and port from the lab). `limits` is passed as given (`None`: defaults).
    pub fn register(
        &self,
        service: &str,
        policy: &str,
        hosts: &[&str],
        auto_reinject: bool,
        limits: Option<Value>,
    ) -> Result<Value, ExperimentError> {
        let mut vms = Vec::new();
        for name in hosts {
            let h = self.host(name)?;
            vms.push(json!({
                "name": h.name, "mac": h.mac, "ip": h.ip,
                "dpid": self.host_dpid(h)?, "port": h.port,
            }));
        }
        let mut body = json!({
            "name": service, "policy": policy, "auto_reinject": auto_reinject, "vms": vms,
        });
        if let Some(l) = limits {
            body["limits"] = l;
        }
        self.post("/api/v1/snapshot/services", Some(&body))
    }

    /// `DELETE /api/v1/snapshot/{service}`.
    pub fn unregister(&self, service: &str) -> Result<Value, ExperimentError> {
        http::expect_ok(
            self.api,
            "DELETE",
            &format!("/api/v1/snapshot/{service}"),
            None,
        )
    }

    /// `POST …/epochs` (current + 1).
    pub fn start_epoch(&self, service: &str) -> Result<Value, ExperimentError> {
        self.post(&format!("/api/v1/snapshot/{service}/epochs"), None)
    }

    /// `POST …/vms/{vm}/advance`.
    pub fn advance(&self, service: &str, vm: &str) -> Result<Value, ExperimentError> {
        self.post(
            &format!("/api/v1/snapshot/{service}/vms/{vm}/advance"),
            None,
        )
    }

    /// `POST …/vms/{vm}/reinject`.
    pub fn reinject(&self, service: &str, vm: &str) -> Result<Value, ExperimentError> {
        self.post(
            &format!("/api/v1/snapshot/{service}/vms/{vm}/reinject"),
            None,
        )
    }

    /// `GET /api/v1/snapshot/{service}`.
    pub fn status(&self, service: &str) -> Result<Value, ExperimentError> {
        self.get(&format!("/api/v1/snapshot/{service}"))
    }

    /// Takes the lab down and stops the controller, reporting a failed `down`.
    pub fn down(mut self) -> Result<(), ExperimentError> {
        let r = match self.lab.take() {
            Some(l) => l.down().map(|_| ()).map_err(ExperimentError::from),
            None => Ok(()),
        };
        self.stop_controller();
        r
    }

    fn stop_controller(&mut self) {
        if let Some(t) = self.rest_task.take() {
            t.abort();
        }
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

impl Drop for SnapLab {
    fn drop(&mut self) {
        drop(self.lab.take());
        self.stop_controller();
    }
}
