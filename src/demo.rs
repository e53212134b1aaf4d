//! `viola demo` as a library: a controller with the caller's apps, a simulated network
//! built from a topology SPEC, a Mininet-style ping of every ordered host pair, and the flow
//! tables read back through the controller.
//!
//! The apps are passed in; [`DemoOptions::standard`] gives what `viola demo` runs
//! (topology + l2-learning, with [`TopologyAppObserver`] reading what was discovered).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::instruction::DisplayInstructions;
use openflow::{Dpid, FlowStatsRequest, StatsReplyBody, StatsRequest, Version};
use viola_framework::{App, Controller, ControllerBuilder, ListenAddr};

mod report;
mod standard;

pub use report::{DemoReport, FoundHost, FoundTopology, PingResult, SwitchFlows, SwitchSummary};
pub use standard::TopologyAppObserver;

use viola_lab::{Lab, LabConfig, OfVersions};
use viola_sim::{Network, NetworkOptions};
use viola_topo_spec::Topology;

/// Reads the discovered topology from the running controller (e.g. from the topology app).
pub trait TopologyObserver: Send + Sync {
    fn observe(&self, ctl: &Controller) -> FoundTopology;
}

/// A progress callback: one line per step.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// How to run the demo.
#[derive(Clone)]
pub struct DemoOptions {
    /// Controller apps in pipeline order.
    pub apps: Vec<Arc<dyn App>>,
    /// Versions the simulated switches offer (the controller offers 1.0 and 1.3).
    pub switch_versions: Vec<Version>,
    /// Per ping (ARP included).
    pub ping_timeout: Duration,
    /// Longest wait for switches to connect and for the topology to be discovered.
    pub settle_timeout: Duration,
    /// Shortest wait after every switch is up before pinging (e.g. the topology app's
    /// port-settle time, after which host ports join the flood set).
    pub min_settle: Duration,
    pub observer: Option<Arc<dyn TopologyObserver>>,
    /// Called with a line at each step (the binary prints them on a terminal).
    pub progress: Option<Progress>,
}

impl DemoOptions {
    pub fn new(apps: Vec<Arc<dyn App>>) -> Self {
        DemoOptions {
            apps,
            switch_versions: vec![Version::V1_3],
            ping_timeout: Duration::from_secs(2),
            settle_timeout: Duration::from_secs(10),
            min_settle: Duration::ZERO,
            observer: None,
            progress: None,
        }
    }
}

/// Why the demo could not run (failed pings are a result, not an error).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Topology(#[from] viola_topo_spec::TopoError),
    #[error("cannot start the controller: {0}")]
    Controller(#[from] viola_framework::StartError),
    #[error(transparent)]
    Network(#[from] viola_sim::SimError),
    #[error(transparent)]
    Lab(#[from] viola_lab::LabError),
    #[error("background task failed: {0}")]
    Task(String),
}

fn flow_line(f: &openflow::FlowStats) -> String {
    let m = f.match_.to_string();
    format!(
        "cookie={:#x}, duration={}.{:03}s, table={}, n_packets={}, n_bytes={}, priority={}{}{}{} actions={}",
        f.cookie,
        f.duration_sec,
        f.duration_nsec / 1_000_000,
        f.table_id,
        f.packet_count,
        f.byte_count,
        f.priority,
        if f.idle_timeout > 0 {
            format!(", idle_timeout={}", f.idle_timeout)
        } else {
            String::new()
        },
        if f.hard_timeout > 0 {
            format!(", hard_timeout={}", f.hard_timeout)
        } else {
            String::new()
        },
        if m.is_empty() { String::new() } else { format!(",{m}") },
        DisplayInstructions(&f.instructions)
    )
}

async fn read_flows(ctl: &Controller, name: &str, dpid: Dpid) -> SwitchFlows {
    let req = StatsRequest::Flow(FlowStatsRequest::default());
    match ctl.request(dpid, &req).await {
        Ok(parts) => {
            let flows = parts
                .into_iter()
                .flat_map(|p| match p.body {
                    StatsReplyBody::Flow(f) => f,
                    _ => Vec::new(),
                })
                .map(|f| flow_line(&f))
                .collect();
            SwitchFlows {
                name: name.to_string(),
                dpid,
                flows,
                error: None,
            }
        }
        Err(e) => SwitchFlows {
            name: name.to_string(),
            dpid,
            flows: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

async fn start_controller(
    opts: &DemoOptions,
) -> Result<(viola_framework::RunningController, SocketAddr), DemoError> {
    let mut builder = ControllerBuilder::new()
        .listen(ListenAddr::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .versions(vec![Version::V1_0, Version::V1_3]);
    for a in &opts.apps {
        builder = builder.app(a.clone());
    }
    let running = builder.start().await?;
    let addr = running
        .local_addrs()
        .first()
        .copied()
        .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, 6653)));
    Ok((running, addr))
}

/// Waits (until `deadline`) for every switch to be up at the controller and, with an
/// observer, for every link of the topology to be discovered.
async fn wait_discovery(ctl: &Controller, topo: &Topology, opts: &DemoOptions, deadline: Instant) {
    while ctl.switches().len() < topo.switches.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_up = Instant::now();
    if let Some(obs) = &opts.observer {
        while Instant::now() < deadline {
            if obs.observe(ctl).normalise().links.len() >= topo.links.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    } else {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled = all_up + opts.min_settle;
    if settled > Instant::now() {
        tokio::time::sleep_until(settled.into()).await;
    }
}

fn progress(opts: &DemoOptions, msg: &str) {
    if let Some(p) = &opts.progress {
        p(msg);
    }
}

/// Runs the demo on `spec` (see [`viola_topo_spec::Topology::parse`]) with simulated switches.
pub async fn run(spec: &str, opts: DemoOptions) -> Result<DemoReport, DemoError> {
    let topo = Topology::parse(spec)?;
    let (running, addr) = start_controller(&opts).await?;
    let ctl = running.handle();
    let mut nopts = NetworkOptions::new(Some(addr));
    nopts.versions = opts.switch_versions.clone();
    let result = run_on(&topo, &ctl, addr, nopts, &opts).await;
    running.shutdown().await;
    result
}

async fn run_on(
    topo: &Topology,
    ctl: &Controller,
    addr: SocketAddr,
    nopts: NetworkOptions,
    opts: &DemoOptions,
) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    progress(
        opts,
        &format!(
            "starting {} simulated switches and {} hosts",
            topo.switches.len(),
            topo.hosts.len()
        ),
    );
    let net = Network::start(topo, nopts).await?;
    let connected = net.wait_connected(opts.settle_timeout).await;
    if let Err(e) = connected {
        net.stop().await;
        return Err(e.into());
    }
    progress(opts, "waiting for the controller to discover the topology");
    wait_discovery(ctl, topo, opts, started + opts.settle_timeout).await;
    let settle_ms = started.elapsed().as_millis() as u64;

    progress(opts, "pinging every pair of hosts");
    let ping_start = Instant::now();
    let mut pings = Vec::new();
    for a in net.hosts() {
        for b in net.hosts() {
            if a.name() == b.name() {
                continue;
            }
            let r = a.ping(b.ip(), opts.ping_timeout).await;
            pings.push(PingResult {
                from: a.name().to_string(),
                to: b.name().to_string(),
                ok: r.is_ok(),
                rtt_ms: r.as_ref().ok().map(|d| d.as_secs_f64() * 1000.0),
                error: r.err().map(|e| e.to_string()),
            });
        }
    }
    let ping_ms = ping_start.elapsed().as_millis() as u64;

    let mut flows = Vec::new();
    let mut switches = Vec::new();
    for s in net.switches() {
        flows.push(read_flows(ctl, s.name(), Dpid(s.dpid().get())).await);
        let ports = s.with_core(|c| c.ports().count());
        switches.push(SwitchSummary {
            name: s.name().to_string(),
            dpid: Dpid(s.dpid().get()),
            version: s.version(),
            ports,
        });
    }
    let found = opts.observer.as_ref().map(|o| o.observe(ctl).normalise());
    let report = DemoReport {
        spec: topo.spec.clone(),
        network: "simulated",
        controller: addr,
        switches,
        hosts: net.hosts().iter().map(|h| h.name().to_string()).collect(),
        expected_links: topo.links.len(),
        found,
        pings,
        flows,
        frames_forwarded: Some(net.frames_forwarded()),
        loop_drops: Some(net.loop_drops()),
        settle_ms,
        ping_ms,
    };
    net.stop().await;
    Ok(report)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DemoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DemoError::Task(e.to_string()))
}

/// Runs the demo on real Open vSwitch bridges and network namespaces (needs root; see
/// [`viola_lab`]). `lab.controller` and `lab.of` are set from the started controller and
/// `opts.switch_versions`; the lab is torn down afterwards.
pub async fn run_ovs(
    spec: &str,
    opts: DemoOptions,
    mut lab: LabConfig,
) -> Result<DemoReport, DemoError> {
    let topo = Topology::parse(spec)?;
    let (running, addr) = start_controller(&opts).await?;
    let ctl = running.handle();
    lab.controller = addr.to_string();
    lab.of = match opts.switch_versions.as_slice() {
        [Version::V1_0] => OfVersions::V10,
        [Version::V1_3] => OfVersions::V13,
        _ => OfVersions::Both,
    };
    let started = Instant::now();
    progress(
        &opts,
        &format!(
            "starting {} Open vSwitch bridges and {} namespaces",
            topo.switches.len(),
            topo.hosts.len()
        ),
    );
    let (t2, c2) = (topo.clone(), lab.clone());
    let up = blocking(move || Lab::up(&t2, &c2)).await;
    let the_lab = match up {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => {
            running.shutdown().await;
            return Err(e.into());
        }
        Err(e) => {
            running.shutdown().await;
            return Err(e);
        }
    };
    let result = ovs_body(&topo, &ctl, addr, the_lab, &opts, started).await;
    running.shutdown().await;
    result
}

async fn ovs_body(
    topo: &Topology,
    ctl: &Controller,
    addr: SocketAddr,
    lab: Lab,
    opts: &DemoOptions,
    started: Instant,
) -> Result<DemoReport, DemoError> {
    // The controller seeing every switch is what counts: OVS refreshes a bridge's
    // `is_connected` only every ~5 s, so polling it would add seconds to every demo.
    let deadline = Instant::now() + opts.settle_timeout;
    let all_up = |ctl: &Controller| topo.switches.iter().all(|s| ctl.switch(s.dpid).is_some());
    while !all_up(ctl) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !all_up(ctl) {
        // Name the bridges that did not connect (as OVS sees them).
        let (lab, connected) = blocking(move || {
            let r = lab.wait_connected(Duration::ZERO);
            (lab, r)
        })
        .await?;
        let _ = blocking(move || lab.down()).await;
        return Err(match connected {
            Err(e) => e.into(),
            Ok(()) => viola_lab::LabError::NotConnected {
                controller: addr.to_string(),
                waited_ms: opts.settle_timeout.as_millis(),
                bridges: topo
                    .switches
                    .iter()
                    .filter(|s| ctl.switch(s.dpid).is_none())
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            }
            .into(),
        });
    }
    progress(opts, "waiting for the controller to discover the topology");
    wait_discovery(ctl, topo, opts, started + opts.settle_timeout).await;
    let settle_ms = started.elapsed().as_millis() as u64;
    progress(opts, "pinging every pair of hosts");
    let ping_start = Instant::now();
    let (lab, report) = blocking(move || {
        let r = lab.pingall();
        (lab, r)
    })
    .await?;
    let ping_ms = ping_start.elapsed().as_millis() as u64;
    let mut flows = Vec::new();
    let mut switches = Vec::new();
    for s in &topo.switches {
        flows.push(read_flows(ctl, &s.name, s.dpid).await);
        let info = ctl.switch(s.dpid);
        switches.push(SwitchSummary {
            name: s.name.clone(),
            dpid: s.dpid,
            version: info.as_ref().map(|i| i.version),
            ports: info.map_or(0, |i| i.ports.len()),
        });
    }
    let found = opts.observer.as_ref().map(|o| o.observe(ctl).normalise());
    let down = blocking(move || lab.down()).await;
    let pings = report?
        .results
        .into_iter()
        .map(|r| PingResult {
            from: r.src,
            to: r.dst,
            ok: r.ok,
            rtt_ms: None,
            error: None,
        })
        .collect();
    if let Ok(Err(e)) = down {
        tracing::warn!("lab teardown: {e}");
    }
    Ok(DemoReport {
        spec: topo.spec.clone(),
        network: "ovs",
        controller: addr,
        switches,
        hosts: topo.hosts.iter().map(|h| h.name.clone()).collect(),
        expected_links: topo.links.len(),
        found,
        pings,
        flows,
        frames_forwarded: None,
        loop_drops: None,
        settle_ms,
        ping_ms,
    })
}
