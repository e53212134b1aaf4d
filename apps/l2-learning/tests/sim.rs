//! l2-learning + topology driving the simulated network (`viola_sim`: switches
//! speaking OpenFlow over real TCP on 127.0.0.1, in-memory links, hosts that ARP and ping)
//! on looped topologies: every pair pings, PACKET_INs stay bounded, nothing is dropped by
//! the simulator's loop guard, and the tables hold l2 rules.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::Version;
use viola_framework::{ControllerBuilder, ListenAddr};
use viola_l2_learning::{L2Config, L2Learning, Mode};
use viola_sim::{Network, NetworkOptions};
use viola_topo_spec::Topology;
use viola_topology::{TopologyApp, TopologyConfig};

async fn all_pairs_ping(spec: &str, version: Version, mode: Mode) {
    let topology = Arc::new(TopologyApp::new(TopologyConfig::default()));
    let l2 = Arc::new(L2Learning::new(L2Config {
        mode,
        ..L2Config::default()
    }));
    let ctl = ControllerBuilder::new()
        .app(topology.clone())
        .app(l2.clone())
        .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
        .start()
        .await
        .expect("controller starts");
    let addr = ctl.local_addrs()[0];
    let topo = Topology::parse(spec).unwrap();
    let net = Network::start(&topo, NetworkOptions::new(Some(addr)).version(version))
        .await
        .unwrap();
    net.wait_connected(Duration::from_secs(10)).await.unwrap();
    // Discovery: every link in both directions, then the host ports settle.
    let want = 2 * topo.links.len();
    let t0 = Instant::now();
    while topology.snapshot().links().len() != want {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "{spec}: {} of {want} links found",
            topology.snapshot().links().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let n = topo.hosts.len();
    let mut failures = Vec::new();
    for a in &topo.hosts {
        for b in &topo.hosts {
            if a.name != b.name {
                if let Err(e) = net.ping(&a.name, &b.name, Duration::from_secs(3)).await {
                    failures.push(format!("{} -> {}: {e}", a.name, b.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{spec} {version:?} {mode:?}: {failures:?}"
    );
    // Bounded PACKET_INs: per ordered pair at most one broadcast seen once per switch, plus
    // the unicast misses along a path each way (ARP reply, echo request and reply).
    let pins = l2.stats().packet_ins.load(Ordering::Relaxed) as usize;
    let s = topo.switches.len();
    let bound = n * (n - 1) * (s + 3 * s);
    eprintln!(
        "{spec} {version:?} {mode:?}: {pins} packet-ins for {} ordered pairs (bound {bound})",
        n * (n - 1)
    );
    assert!(pins <= bound, "{spec}: {pins} packet-ins > bound {bound}");
    assert_eq!(
        net.loop_drops(),
        0,
        "{spec}: frames circulated until the loop guard dropped them"
    );
    // Pings again: answered from the tables.
    let before = l2.stats().packet_ins.load(Ordering::Relaxed);
    net.ping(
        &topo.hosts[0].name,
        &topo.hosts[n - 1].name,
        Duration::from_secs(3),
    )
    .await
    .unwrap();
    let after = l2.stats().packet_ins.load(Ordering::Relaxed);
    assert_eq!(
        after, before,
        "{spec}: a repeated ping still went to the controller"
    );
    for sw in net.switches() {
        let l2_rules = sw
            .flows()
            .iter()
            .filter(|f| f.cookie == viola_l2_learning::COOKIE)
            .count();
        assert!(l2_rules > 0, "{spec}: no l2 rule on {}", sw.name());
    }
    net.stop().await;
    ctl.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_ring5_of13() {
    all_pairs_ping("ring,5", Version::V1_3, Mode::Learning).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_mesh4_of10() {
    all_pairs_ping("mesh,4", Version::V1_0, Mode::Learning).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_torus33_of13_path() {
    all_pairs_ping("torus,3,3", Version::V1_3, Mode::Path).await;
}

/// The negative control: without the topology app (plain FLOOD) a ring storms, which the
/// simulator's loop guard shows — so the checks above can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_ring_without_topology_storms() {
    let l2 = Arc::new(L2Learning::new(L2Config::default()));
    let ctl = ControllerBuilder::new()
        .app(l2.clone())
        .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
        .start()
        .await
        .expect("controller starts");
    let topo = Topology::parse("ring,3").unwrap();
    let net = Network::start(&topo, NetworkOptions::new(Some(ctl.local_addrs()[0])))
        .await
        .unwrap();
    net.wait_connected(Duration::from_secs(10)).await.unwrap();
    let _ = net.ping("h1", "h2", Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pins = l2.stats().packet_ins.load(Ordering::Relaxed);
    assert!(
        net.loop_drops() > 0 || pins > 100,
        "no storm: {pins} packet-ins, {} loop drops",
        net.loop_drops()
    );
    net.stop().await;
    ctl.shutdown().await;
}
