//! The network side of the end-to-end rig: the controller in-process (apps from the
//! registry, REST on 127.0.0.1), private Open vSwitch daemons, bridges with fixed datapath
//! ids, patch-port links and tap ports with fixed OpenFlow port numbers.

use openflow::Dpid;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use viola_framework::{Config, Controller, ControllerBuilder, ListenAddr, RunningController};
use viola_lab::isolate;
use viola_lab::Ovs;

/// The controller on a runtime of its own (so the test's own work never delays it).
pub struct Ctl {
    pub ctl: Controller,
    /// OpenFlow listener.
    pub of_addr: SocketAddr,
    /// REST API.
    pub api: SocketAddr,
    running: Option<RunningController>,
    rt: tokio::runtime::Runtime,
}

impl Ctl {
    /// Starts the controller with `apps` (pipeline order) and its REST API. Sync code only.
    pub fn start(apps: &[&str]) -> Ctl {
        let rt = super::runtime(2);
        let names: Vec<String> = apps.iter().map(|s| s.to_string()).collect();
        let (running, api) = rt.block_on(async {
            let listen: ListenAddr = "127.0.0.1:0".parse().expect("listen address");
            let b = ControllerBuilder::new()
                .listen(listen)
                .config(Config::default());
            let defaults = viola_system_tests::controller::defaults;
            let s = viola_system_tests::controller::start(b, &names, &defaults)
                .await
                .expect("start the controller");
            (s.running, s.api)
        });
        let ctl = running.handle();
        let of_addr = running.local_addrs()[0];
        Ctl {
            ctl,
            of_addr,
            api,
            running: Some(running),
            rt,
        }
    }

    /// `http://127.0.0.1:PORT` of the REST API.
    pub fn url(&self) -> String {
        format!("http://{}", self.api)
    }

    /// Whether the controller has switch `dpid` (handshake done).
    pub fn has(&self, dpid: u64) -> bool {
        self.ctl.switch(Dpid(dpid)).is_some()
    }

    /// Stops the controller (sync code only).
    pub fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

/// Waits (blocking) until the controller has every switch of `dpids`.
pub fn wait_switches(ctl: &Ctl, dpids: &[u64], limit: Duration, run_dir: &Path) {
    let t0 = Instant::now();
    while !dpids.iter().all(|d| ctl.has(*d)) {
        assert!(
            t0.elapsed() < limit,
            "switches {dpids:x?} did not all connect within {limit:?}{}",
            isolate::ovs_diag(run_dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A userspace bridge with datapath id `dpid`, secure fail mode, OpenFlow 1.3, pointing at
/// the controller `of_addr`.
pub fn bridge(ovs: &Ovs, name: &str, dpid: u64, of_addr: SocketAddr) {
    let args: Vec<String> = vec![
        "--".into(),
        "add-br".into(),
        name.into(),
        "--".into(),
        "set".into(),
        "Bridge".into(),
        name.into(),
        "datapath_type=netdev".into(),
        "fail-mode=secure".into(),
        "protocols=OpenFlow13".into(),
        format!("other-config:datapath-id={}", Dpid(dpid)),
        "other-config:disable-in-band=true".into(),
        "--".into(),
        "set-controller".into(),
        name.into(),
        format!("tcp:{of_addr}"),
    ];
    ovs.vsctl(&args)
        .unwrap_or_else(|e| panic!("create bridge {name}: {e}"));
}

/// Two patch ports joining bridges `a` and `b`, both with OpenFlow port `ofport`.
pub fn link(ovs: &Ovs, a: &str, b: &str, ofport: u32) {
    let pa = format!("{a}-{b}");
    let pb = format!("{b}-{a}");
    let mut args: Vec<String> = Vec::new();
    for (br, p, peer) in [(a, &pa, &pb), (b, &pb, &pa)] {
        args.extend([
            "--".into(),
            "add-port".into(),
            br.to_string(),
            p.clone(),
            "--".into(),
            "set".into(),
            "Interface".into(),
            p.clone(),
            "type=patch".into(),
            format!("options:peer={peer}"),
            format!("ofport_request={ofport}"),
        ]);
    }
    ovs.vsctl(&args)
        .unwrap_or_else(|e| panic!("link {a} {b}: {e}"));
}

/// Creates tap device `tap` (persistent, up) if it does not exist yet.
pub fn tap(tap: &str) {
    if !Path::new(&format!("/sys/class/net/{tap}")).exists() {
        isolate::text(&["ip", "tuntap", "add", "dev", tap, "mode", "tap"]);
    }
    isolate::text(&["ip", "link", "set", tap, "up"]);
}

/// Adds `port` (an existing device) to `bridge` as OpenFlow port `ofport`.
pub fn add_port(ovs: &Ovs, bridge: &str, port: &str, ofport: u32) {
    let args: Vec<String> = vec![
        "--".into(),
        "add-port".into(),
        bridge.into(),
        port.into(),
        "--".into(),
        "set".into(),
        "Interface".into(),
        port.into(),
        format!("ofport_request={ofport}"),
    ];
    ovs.vsctl(&args)
        .unwrap_or_else(|e| panic!("add {port} to {bridge}: {e}"));
}

/// Deletes a bridge (its ports leave Open vSwitch; tap devices stay).
pub fn del_bridge(ovs: &Ovs, name: &str) {
    ovs.vsctl(&["del-br", name])
        .unwrap_or_else(|e| panic!("delete bridge {name}: {e}"));
}

/// Removes `port` from `bridge` (the device stays).
pub fn del_port(ovs: &Ovs, bridge: &str, port: &str) {
    ovs.vsctl(&["del-port", bridge, port])
        .unwrap_or_else(|e| panic!("remove {port} from {bridge}: {e}"));
}

/// Waits (blocking) until every switch of `dpids` has been connected without a break for
/// `hold`.
pub fn wait_stable(ctl: &Ctl, dpids: &[u64], hold: Duration, limit: Duration, run_dir: &Path) {
    let t0 = Instant::now();
    let mut since: Option<Instant> = None;
    loop {
        if dpids.iter().all(|d| ctl.has(*d)) {
            let s = *since.get_or_insert_with(Instant::now);
            if s.elapsed() >= hold {
                return;
            }
        } else {
            since = None;
        }
        assert!(
            t0.elapsed() < limit,
            "switches {dpids:x?} not connected for {hold:?} in a row within {limit:?}{}",
            isolate::ovs_diag(run_dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
