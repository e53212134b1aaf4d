//! Shared rig of the `ovs_*` tests: the controller in-process (apps from `viola-apps`, REST
//! on 127.0.0.1:0) and a real Open vSwitch lab (private daemons, userspace datapath) whose
//! bridges connect to it — all inside the test's own network namespace
//! (`viola_lab::isolate`).
//!
//! The test bodies are synchronous: the controller runs on the worker threads of a tokio
//! runtime owned by the rig, the lab commands block the test thread, and REST calls go
//! through `Rig::block_on`.

#![allow(dead_code)] // each test binary uses a different part of the rig

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use viola_framework::{
    Config, Controller, ControllerBuilder, Dpid, ListenAddr, RunningController, SwitchInfo,
};
use viola_lab::isolate::{self, RunDir};
use viola_lab::{DaemonPolicy, Lab, LabConfig, OfVersions, Ovs, OvsDaemons};
use viola_topo_spec::Topology;

/// Tools the `ovs_*` tests need besides [`isolate::LAB_TOOLS`].
pub const TOOLS: &[&str] = &["ovs-appctl", "ovsdb-tool"];

/// What to build.
pub struct Setup {
    /// Lab prefix (≤ 5 characters, unique per test so leftovers never collide).
    pub prefix: &'static str,
    /// Topology spec (`single,2`…).
    pub topo: &'static str,
    pub of: OfVersions,
    /// Apps of `viola_apps::builtin()`, in pipeline order (their tables from `config`).
    pub apps: Vec<String>,
    pub config: Config,
    /// Listen with TLS (`tls://127.0.0.1:0`); `config.tls` must name the files and the
    /// bridges then connect with `ssl:` after `ovs-vsctl set-ssl` (see [`SwitchSsl`]).
    pub tls: Option<SwitchSsl>,
}

impl Setup {
    pub fn new(prefix: &'static str, of: OfVersions) -> Setup {
        Setup {
            prefix,
            topo: "single,2",
            of,
            apps: Vec::new(),
            config: Config::default(),
            tls: None,
        }
    }
}

/// The switch side of TLS: PEM files for `ovs-vsctl set-ssl KEY CERT CACERT`.
pub struct SwitchSsl {
    pub key: PathBuf,
    pub cert: PathBuf,
    pub ca: PathBuf,
}

/// A running controller + REST API + OVS lab. Fields drop in order: the lab first, then
/// the daemons, the controller, and the run directory last.
pub struct Rig {
    lab: Option<Lab>,
    daemons: Option<OvsDaemons>,
    running: Option<RunningController>,
    pub ctl: Controller,
    /// The OpenFlow listener the bridges connect to.
    pub of_addr: SocketAddr,
    /// The REST API.
    pub api: SocketAddr,
    pub of: OfVersions,
    /// When `Lab::up` began (bridges are created with their controller right away).
    pub lab_started: Instant,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    dir: RunDir,
}

impl Rig {
    /// Starts the controller and REST API, then private OVS daemons, then the lab (bridges
    /// point at the controller). Does not wait for the bridges to connect.
    pub fn start(setup: Setup, dir: RunDir) -> Rig {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let listen: ListenAddr = if setup.tls.is_some() {
            "tls://127.0.0.1:0".parse().expect("tls listen address")
        } else {
            "127.0.0.1:0".parse().expect("listen address")
        };
        let (running, api) = rt.block_on(async {
            let b = ControllerBuilder::new()
                .listen(listen)
                .config(setup.config.clone());
            let table = |n: &str| setup.config.app_config(n);
            let s = viola_system_tests::controller::start(b, &setup.apps, &table)
                .await
                .expect("start the controller");
            (s.running, s.api)
        });
        let ctl = running.handle();
        let of_addr = running.local_addrs()[0];
        // Daemons first: with TLS, ovs-vswitchd must start after the PEM files exist (it
        // keeps what it loaded once), and `set-ssl` must precede the bridges.
        let daemons = OvsDaemons::start(dir.path()).unwrap_or_else(|e| {
            panic!(
                "start private OVS daemons: {e}{}",
                isolate::ovs_diag(dir.path())
            )
        });
        let controller = match &setup.tls {
            Some(ssl) => {
                daemons
                    .ovs()
                    .vsctl(&[
                        "set-ssl",
                        &ssl.key.display().to_string(),
                        &ssl.cert.display().to_string(),
                        &ssl.ca.display().to_string(),
                    ])
                    .expect("ovs-vsctl set-ssl");
                format!("ssl:127.0.0.1:{}", of_addr.port())
            }
            None => of_addr.to_string(),
        };
        let topo = Topology::parse(setup.topo).expect("topology");
        let cfg = LabConfig {
            run_dir: dir.path().to_path_buf(),
            prefix: setup.prefix.to_string(),
            controller,
            of: setup.of,
            daemons: DaemonPolicy::Private,
            ..LabConfig::default()
        };
        let lab_started = Instant::now();
        let lab = Lab::up(&topo, &cfg).unwrap_or_else(|e| {
            panic!(
                "lab up {}: {e}{}",
                setup.topo,
                isolate::ovs_diag(dir.path())
            )
        });
        Rig {
            lab: Some(lab),
            daemons: Some(daemons),
            running: Some(running),
            ctl,
            of_addr,
            api,
            of: setup.of,
            lab_started,
            http: reqwest::Client::new(),
            rt,
            dir,
        }
    }

    pub fn lab(&self) -> &Lab {
        self.lab.as_ref().expect("the lab is up")
    }

    pub fn ovs(&self) -> &Ovs {
        self.lab().ovs()
    }

    pub fn run_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The bridge of switch `s1`…
    pub fn bridge(&self, switch: &str) -> String {
        self.lab()
            .state()
            .switches
            .iter()
            .find(|s| s.name == switch)
            .map(|s| s.bridge.clone())
            .unwrap_or_else(|| panic!("no switch {switch} in the lab"))
    }

    /// Runs a future on the rig's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The last lines of the OVS logs, for failure messages.
    pub fn diag(&self) -> String {
        isolate::ovs_diag(self.dir.path())
    }

    /// Waits until the controller has the switch `dpid` (its handshake done).
    pub fn wait_switch(&self, dpid: Dpid, limit: Duration) -> SwitchInfo {
        let start = Instant::now();
        loop {
            if let Some(s) = self.ctl.switch(dpid) {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "switch {dpid} did not connect to the controller within {limit:?}{}",
                self.diag()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `ovs-ofctl -O VERSION COMMAND BRIDGE ARGS`.
    pub fn ofctl(&self, command: &str, bridge: &str, args: &[&str]) -> String {
        self.ovs()
            .ofctl(&["-O", self.of.ofctl_version()], command, bridge, args)
            .unwrap_or_else(|e| panic!("ovs-ofctl {command} {bridge}: {e}{}", self.diag()))
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.api)
    }

    /// A REST call; returns the status and the JSON body (`Null` if the body is not JSON).
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.rt.block_on(async {
            let mut req = self.http.request(method.clone(), self.url(path));
            if method != reqwest::Method::GET {
                // Every mutating route wants it, with or without a body.
                req = req.header("content-type", "application/json");
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req
                .timeout(Duration::from_secs(30))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// `GET path`, which must answer 200 with JSON.
    pub fn get_json(&self, path: &str) -> Value {
        let (status, v) = self.call(reqwest::Method::GET, path, None);
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    /// The text of `GET /metrics`.
    pub fn metrics_text(&self) -> String {
        self.rt.block_on(async {
            let resp = self
                .http
                .get(self.url("/metrics"))
                .send()
                .await
                .expect("GET /metrics");
            assert_eq!(resp.status().as_u16(), 200);
            resp.text().await.expect("metrics body")
        })
    }

    /// Stops `ovs-vswitchd` (not the database): every bridge drops its controller connection.
    pub fn stop_vswitchd(&self) {
        let ovs = self.ovs();
        let pid = ovs.pid("ovs-vswitchd").expect("ovs-vswitchd runs");
        ovs.appctl("ovs-vswitchd", &["exit"])
            .unwrap_or_else(|e| panic!("ovs-appctl exit: {e}{}", self.diag()));
        let start = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "ovs-vswitchd (pid {pid}) does not exit{}",
                self.diag()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts `ovs-vswitchd` again with the same files as `OvsDaemons::start` used.
    pub fn start_vswitchd(&self) {
        let dir = self.dir.path();
        let ovs = self.ovs();
        let err = std::fs::File::create(dir.join("ovs-vswitchd.err")).expect("create .err");
        let err2 = err.try_clone().expect("clone .err");
        let d = dir.display();
        let status = Command::new("ovs-vswitchd")
            .arg(format!("unix:{}", ovs.db.display()))
            .arg(format!("--pidfile={d}/ovs-vswitchd.pid"))
            .arg(format!("--unixctl={d}/ovs-vswitchd.ctl"))
            .arg(format!("--log-file={d}/ovs-vswitchd.log"))
            .args(["--detach", "--no-chdir"])
            .env("OVS_RUNDIR", dir)
            .env("OVS_LOGDIR", dir)
            .env("OVS_DBDIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(err))
            .stderr(Stdio::from(err2))
            .status()
            .expect("start ovs-vswitchd");
        assert!(status.success(), "ovs-vswitchd: {status}{}", self.diag());
    }

    /// Tears everything down in order and checks the lab went away cleanly.
    pub fn finish(mut self) {
        if let Some(lab) = self.lab.take() {
            lab.down().unwrap_or_else(|e| panic!("lab down: {e}"));
        }
        if let Some(d) = self.daemons.take() {
            d.stop().unwrap_or_else(|e| panic!("stop OVS: {e}"));
        }
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

/// `(port number as ovs-ofctl prints it, port name)` of every port in `ovs-ofctl show`
/// output, sorted. Port lines look like ` 1(vf1-s1-eth1): addr:…` and ` LOCAL(vf1-s1): addr:…`.
pub fn ofctl_show_ports(show: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = show
        .lines()
        .filter(|l| l.starts_with(' ') && l.contains("): addr:"))
        .filter_map(|l| {
            let l = l.trim_start();
            let (no, rest) = l.split_once('(')?;
            let (name, _) = rest.split_once("): addr:")?;
            Some((no.to_string(), name.to_string()))
        })
        .collect();
    out.sort();
    out
}

/// The same pairs from a switch's JSON (`GET /api/v1/switches`), port numbers rendered the
/// way `ovs-ofctl` does (`LOCAL` for 0xfffffffe).
pub fn json_ports(switch: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = switch["ports"]
        .as_array()
        .unwrap_or_else(|| panic!("no ports array in {switch}"))
        .iter()
        .map(|p| {
            let no = p["port_no"]
                .as_u64()
                .unwrap_or_else(|| panic!("port_no in {p}"));
            let name = p["name"].as_str().unwrap_or_else(|| panic!("name in {p}"));
            let no = if no == u64::from(openflow::port::LOCAL) {
                "LOCAL".to_string()
            } else {
                no.to_string()
            };
            (no, name.to_string())
        })
        .collect();
    out.sort();
    out
}

/// The value of a metric sample line `NAME{LABELS} VALUE` (or `NAME VALUE`), if present.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (name, value) = l.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

/// Runs `ping` in a host's namespace; returns (sent, received).
pub fn ping(lab: &Lab, from: &str, to_ip: &str, count: u32, interval: &str) -> (u32, u32) {
    let argv: Vec<String> = [
        "ping",
        "-c",
        &count.to_string(),
        "-i",
        interval,
        "-W",
        "1",
        to_ip,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = lab.exec_output(from, &argv).expect("run ping");
    ping_counts(&String::from_utf8_lossy(&out.stdout))
}

/// `(transmitted, received)` from ping's summary line.
pub fn ping_counts(text: &str) -> (u32, u32) {
    let line = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .unwrap_or_else(|| panic!("no ping summary in:\n{text}"));
    let num = |key: &str| -> u32 {
        line.split(',')
            .find(|p| p.contains(key))
            .and_then(|p| p.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no `{key}` in {line}"))
    };
    (num("transmitted"), num("received"))
}

#[test]
fn parsers() {
    let show = "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000000000000001\n\
                n_tables:254, n_buffers:0\n \
                2(vf1-s1-eth2): addr:aa:bb:cc:dd:ee:02\n     config:     0\n \
                1(vf1-s1-eth1): addr:aa:bb:cc:dd:ee:01\n \
                LOCAL(vf1-s1): addr:aa:bb:cc:dd:ee:00\n";
    assert_eq!(
        ofctl_show_ports(show),
        vec![
            ("1".to_string(), "vf1-s1-eth1".to_string()),
            ("2".to_string(), "vf1-s1-eth2".to_string()),
            ("LOCAL".to_string(), "vf1-s1".to_string()),
        ]
    );
    let m = "# TYPE x counter\nviola_x{type=\"A\"} 3\nviola_y 1.5\n";
    assert_eq!(metric(m, "viola_x{type=\"A\"}"), Some(3.0));
    assert_eq!(metric(m, "viola_y"), Some(1.5));
    assert_eq!(metric(m, "viola_z"), None);
    let p = "--- 10.0.0.2 ping statistics ---\n5 packets transmitted, 4 received, 20% packet loss, time 4005ms\n";
    assert_eq!(ping_counts(p), (5, 4));
}
