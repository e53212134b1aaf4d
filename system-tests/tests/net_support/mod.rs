//! Shared by the `net_*` tests: Viola in-process (the registry's apps, OpenFlow on
//! 127.0.0.1:0, REST on 127.0.0.1:0) next to a lab of real Open vSwitch bridges, and the
//! checks those tests make (links found vs. the topology model, packet-in counts).
//!
//! Each test body runs inside its own network namespace (`viola_lab::isolate`), so
//! the process-wide Prometheus counters belong to that one test.

#![allow(dead_code)] // each test binary uses a different part

use openflow::Dpid;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use openflow::Version;
use viola_framework::{Controller, ControllerBuilder, ListenAddr, RunningController};
use viola_lab::isolate::{ovs_diag, RunDir};
use viola_lab::{DaemonPolicy, Lab, LabConfig, OfVersions};
use viola_topo_spec::Topology;
use viola_topology::TopologyApp;

/// A directed switch-to-switch link: (src dpid, src port, dst dpid, dst port).
pub type DirLink = (Dpid, u32, Dpid, u32);

/// The controller of a test: the registry's apps, OpenFlow and REST on loopback.
pub struct Viola {
    pub rt: tokio::runtime::Runtime,
    running: Option<RunningController>,
    pub ctl: Controller,
    pub of_addr: SocketAddr,
    pub api: SocketAddr,
    http: reqwest::Client,
}

/// `[apps.topology]` settings of the tests: the defaults (1 s probes, 3.5 s link timeout).
pub fn app_table(name: &str) -> toml::Value {
    let _ = name;
    toml::Value::Table(Default::default())
}

impl Viola {
    /// Starts `apps` (comma-separated registry names) offering OpenFlow 1.0 and 1.3.
    pub fn start(apps: &str) -> Viola {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let names: Vec<String> = apps.split(',').map(str::to_string).collect();
        let (running, api) = rt.block_on(async {
            let b = ControllerBuilder::new()
                .listen(ListenAddr::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
                .versions(vec![Version::V1_0, Version::V1_3]);
            let s = viola_system_tests::controller::start(b, &names, &app_table)
                .await
                .expect("start the controller");
            (s.running, s.api)
        });
        let of_addr = *running.local_addrs().first().expect("an OpenFlow listener");
        Viola {
            ctl: running.handle(),
            running: Some(running),
            rt,
            of_addr,
            api,
            http: reqwest::Client::new(),
        }
    }

    /// `GET path` on the REST API; panics unless 200.
    pub fn get_text(&self, path: &str) -> String {
        let url = format!("http://{}{path}", self.api);
        self.rt.block_on(async {
            let resp = self
                .http
                .get(&url)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "GET {url}: {status}: {body}");
            body
        })
    }

    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let text = self.get_text(path);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"))
    }

    /// Switch-to-switch links `GET /api/v1/topology` lists (each direction separately).
    pub fn rest_links(&self) -> BTreeSet<DirLink> {
        let doc = self.get_json("/api/v1/topology");
        let links = doc["links"].as_array().cloned().unwrap_or_default();
        links
            .iter()
            .map(|l| {
                let end = |e: &serde_json::Value| {
                    let dpid = e["dpid"].as_str().expect("dpid string");
                    let dpid: Dpid = dpid.parse().expect("a datapath id");
                    let port = e["port"].as_u64().expect("port number") as u32;
                    (dpid, port)
                };
                let (a, pa) = end(&l["src"]);
                let (b, pb) = end(&l["dst"]);
                (a, pa, b, pb)
            })
            .collect()
    }

    /// PACKET_INs received from every switch (`viola_messages_received_total{type="PACKET_IN"}`).
    pub fn packet_ins(&self) -> u64 {
        let text = self.get_text("/metrics");
        // Per-switch series go when a switch disconnects; the per-type total stays.
        sum_metric(&text, "viola_messages_received_total{type=\"PACKET_IN\"}")
    }

    /// LLDP probes the topology app received (each one a packet-in).
    pub fn lldp_received(&self) -> u64 {
        self.ctl
            .app::<TopologyApp>()
            .map(|t| {
                t.stats()
                    .probes_received
                    .load(std::sync::atomic::Ordering::Relaxed)
                    + t.stats()
                        .probes_rejected
                        .load(std::sync::atomic::Ordering::Relaxed)
            })
            .unwrap_or(0)
    }

    /// Packet-ins that were not LLDP probes: `viola_packet_in_total` minus the probes the
    /// topology app took. Probes arrive in bursts (every probe interval), so the two counters
    /// are read until no probe arrived in between.
    pub fn data_packet_ins(&self) -> u64 {
        let mut last = 0;
        for _ in 0..20 {
            let before = self.lldp_received();
            let total = self.packet_ins();
            let after = self.lldp_received();
            last = total.saturating_sub(after);
            if before == after {
                return last;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        last
    }

    /// Waits until `n` switches are connected; returns how long it took.
    pub fn wait_switches(&self, n: usize, timeout: Duration) -> Duration {
        let start = Instant::now();
        while self.ctl.switches().len() < n {
            assert!(
                start.elapsed() < timeout,
                "only {} of {n} switches connected after {timeout:?}",
                self.ctl.switches().len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        start.elapsed()
    }

    /// Waits until REST lists exactly `expected`; returns how long it took, or what it last
    /// saw.
    pub fn wait_links(
        &self,
        expected: &BTreeSet<DirLink>,
        timeout: Duration,
    ) -> Result<Duration, BTreeSet<DirLink>> {
        let start = Instant::now();
        loop {
            let seen = self.rest_links();
            if &seen == expected {
                return Ok(start.elapsed());
            }
            if start.elapsed() > timeout {
                return Err(seen);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The topology app's port-settle time (host ports flood only after it).
    pub fn port_settle(&self) -> Duration {
        self.ctl
            .app::<TopologyApp>()
            .map(|t| t.config().timers.port_settle)
            .unwrap_or_default()
    }

    pub fn link_timeout(&self) -> Duration {
        self.ctl
            .app::<TopologyApp>()
            .map(|t| t.config().timers.link_timeout)
            .unwrap_or_default()
    }
}

impl Drop for Viola {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

/// Sum of every sample of `name` in a Prometheus text exposition.
pub fn sum_metric(text: &str, name: &str) -> u64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|v| v.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

/// Every switch-to-switch link of the model, in both directions, as dpid/port pairs.
pub fn model_links(topo: &Topology) -> BTreeSet<DirLink> {
    let mut out = BTreeSet::new();
    for l in &topo.links {
        let a = (topo.switches[l.a.switch].dpid, l.a.port);
        let b = (topo.switches[l.b.switch].dpid, l.b.port);
        out.insert((a.0, a.1, b.0, b.1));
        out.insert((b.0, b.1, a.0, a.1));
    }
    out
}

/// A lab of `spec` in private daemons of `dir`, bridges speaking only `of`, connected to
/// `viola`.
pub fn lab_up(dir: &Path, prefix: &str, spec: &str, of: OfVersions, viola: &Viola) -> Lab {
    let topo = Topology::parse(spec).expect("topology SPEC");
    let cfg = LabConfig {
        run_dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
        controller: viola.of_addr.to_string(),
        of,
        daemons: DaemonPolicy::Private,
        ..LabConfig::default()
    };
    Lab::up(&topo, &cfg).unwrap_or_else(|e| panic!("lab up {spec}: {e}{}", ovs_diag(dir)))
}

/// The version the controller must have negotiated with bridges speaking `of`.
pub fn expected_version(of: OfVersions) -> Version {
    match of {
        OfVersions::V10 => Version::V1_0,
        _ => Version::V1_3,
    }
}

/// A run directory for a test (removed on drop).
pub fn run_dir(tag: &str) -> RunDir {
    RunDir::new(tag)
}

/// Prints a figure line; `isolate` forwards lines starting with "FIGURE" to the parent
/// test's output.
pub fn figure(msg: impl std::fmt::Display) {
    println!("FIGURE {msg}");
}

#[test]
fn metric_sums() {
    let text = "# HELP viola_packet_in_total x\n# TYPE viola_packet_in_total counter\n\
                viola_packet_in_total{dpid=\"0000000000000001\"} 5\n\
                viola_packet_in_total{dpid=\"0000000000000002\"} 7\n\
                viola_packet_in_totalx 100\nviola_links 3\n";
    assert_eq!(sum_metric(text, "viola_packet_in_total"), 12);
    assert_eq!(sum_metric(text, "viola_links"), 3);
    assert_eq!(sum_metric(text, "viola_hosts"), 0);
}

/// Flow tables of every bridge (`ovs-ofctl dump-flows`), the topology document and the OVS
/// logs: what a failure message needs.
pub fn lab_diag(lab: &Lab, viola: &Viola, dir: &Path) -> String {
    let mut out = String::new();
    let ver = if lab.state().protocols.contains("OpenFlow13") {
        "OpenFlow13"
    } else {
        "OpenFlow10"
    };
    for s in &lab.state().switches {
        let flows = lab
            .ovs()
            .ofctl(&["-O", ver], "dump-flows", &s.bridge, &[])
            .unwrap_or_else(|e| e.to_string());
        out.push_str(&format!(
            "\n--- flows of {} ({})\n{flows}",
            s.bridge, s.dpid
        ));
    }
    out.push_str(&format!(
        "\n--- GET /api/v1/topology\n{}",
        viola.get_text("/api/v1/topology")
    ));
    out.push_str(&ovs_diag(dir));
    out
}
