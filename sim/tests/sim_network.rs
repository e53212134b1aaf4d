//! Whole simulated networks: hosts ping across switches driven by an in-test controller
//! over TCP, links go down and up, and forwarding loops are caught by the loop guard.

mod sim_support;

use std::time::Duration;

use openflow::{port, Action, FlowMod, Match, Version};
use sim_support::{start, Mode};
use viola_sim::{Network, NetworkOptions};
use viola_topo_spec::Topology;

const T: Duration = Duration::from_secs(3);

async fn ping_all(net: &Network) -> Vec<String> {
    let names: Vec<String> = net.hosts().iter().map(|h| h.name().to_string()).collect();
    let mut failed = Vec::new();
    for a in &names {
        for b in &names {
            if a != b {
                if let Err(e) = net.ping(a, b, T).await {
                    failed.push(format!("{a} -> {b}: {e}"));
                }
            }
        }
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linear3_learning_controller_1_3() {
    let ctl = start(Mode::Learning, vec![Version::V1_3]).await;
    let topo = Topology::parse("linear,3").unwrap();
    let net = Network::start(
        &topo,
        NetworkOptions::new(Some(ctl.addr)).version(Version::V1_3),
    )
    .await
    .unwrap();
    net.wait_connected(T).await.unwrap();
    // Let the table-miss flows land before traffic starts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(ping_all(&net).await, Vec::<String>::new());
    // The learning controller installed eth_dst flows on every switch.
    for s in net.switches() {
        assert!(
            s.flows().iter().any(|f| f.priority == 10),
            "{} has no learned flows",
            s.name()
        );
    }
    assert!(
        net.settle(Duration::from_millis(200), T).await,
        "traffic keeps circulating"
    );
    assert_eq!(net.loop_drops(), 0);
    // A second round uses the installed flows: fewer packet-ins than the first.
    let before = ctl.log.lock().unwrap().packet_ins;
    assert_eq!(ping_all(&net).await, Vec::<String>::new());
    let after = ctl.log.lock().unwrap().packet_ins;
    assert!(
        after - before < before,
        "second round: {} packet-ins, first: {before}",
        after - before
    );
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linear3_hub_controller_1_0_and_link_down() {
    let ctl = start(Mode::Hub, vec![Version::V1_0]).await;
    let topo = Topology::parse("linear,3").unwrap();
    let net = Network::start(
        &topo,
        NetworkOptions::new(Some(ctl.addr)).version(Version::V1_0),
    )
    .await
    .unwrap();
    net.wait_connected(T).await.unwrap();
    assert_eq!(net.switches()[0].version(), Some(Version::V1_0));
    net.ping("h1", "h3", T).await.unwrap();
    // Cut s1-s2: h1 cannot reach h3, and the controller hears about both ports.
    net.set_link("s1", "s2", false).unwrap();
    assert!(net
        .ping("h1", "h3", Duration::from_millis(500))
        .await
        .is_err());
    assert!(ctl.log.lock().unwrap().port_status >= 2);
    net.set_link("s2", "s1", true).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    net.ping("h1", "h3", T).await.unwrap();
    // Host links too.
    net.set_link("h2", "s2", false).unwrap();
    assert!(net
        .ping("h1", "h2", Duration::from_millis(300))
        .await
        .is_err());
    assert!(net.set_link("h2", "s3", false).is_err());
    net.stop().await;
}

fn flood_everywhere(net: &Network) {
    for s in net.switches() {
        s.with_core(|c| {
            c.table_mut()
                .flow_mod(&FlowMod::add(Match::new()).actions(vec![Action::output(port::FLOOD)]))
        })
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proactive_flooding_without_controller() {
    let topo = Topology::parse("tree,2,2").unwrap();
    let net = Network::start(&topo, NetworkOptions::new(None))
        .await
        .unwrap();
    flood_everywhere(&net);
    assert_eq!(ping_all(&net).await, Vec::<String>::new());
    assert!(net.settle(Duration::from_millis(100), T).await);
    assert_eq!(net.loop_drops(), 0, "a tree has no loop");
    assert!(net.host("h4").unwrap().echo_requests_answered() >= 3);
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooding_on_a_ring_is_caught_by_the_loop_guard() {
    let topo = Topology::parse("ring,4").unwrap();
    let net = Network::start(&topo, NetworkOptions::new(None))
        .await
        .unwrap();
    flood_everywhere(&net);
    // The broadcast ARP circulates until the guard drops it; the network must go quiet.
    let _ = net.ping("h1", "h3", Duration::from_millis(500)).await;
    assert!(
        net.settle(Duration::from_millis(200), Duration::from_secs(10))
            .await,
        "storm never ended"
    );
    assert!(
        net.loop_drops() > 0,
        "the guard should have dropped circulating copies"
    );
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_exchange_udp() {
    let topo = Topology::parse("single,2").unwrap();
    let net = Network::start(&topo, NetworkOptions::new(None))
        .await
        .unwrap();
    flood_everywhere(&net);
    let (h1, h2) = (net.host("h1").unwrap(), net.host("h2").unwrap());
    h1.send_udp(h2.ip(), 4000, 5000, b"hello", T).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = h2.received_udp(5000);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].0, got[0].1, &got[0].2[..]),
        (h1.ip(), 4000, &b"hello"[..])
    );
    assert_eq!(h1.arp_entry(h2.ip()), Some(h2.mac()));
    net.stop().await;
}
