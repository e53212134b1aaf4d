//! The demo runner against the real framework with a minimal hub app on loop-free
//! topologies (the binary runs it with topology + l2-learning).

use std::sync::Arc;

use openflow::{port, Action, FlowMod, Match, PacketOut, Version};
use viola::demo::{self, DemoOptions};
use viola_framework::{App, Context, Event, Verdict};

/// Floods every packet-in; installs a table-miss flow on 1.3 switches.
struct Hub;

impl App for Hub {
    fn name(&self) -> &'static str {
        "test-hub"
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match event {
            Event::SwitchUp(s) if s.version == Version::V1_3 => {
                let miss = FlowMod::add(Match::new())
                    .priority(0)
                    .actions(vec![Action::output(port::CONTROLLER)]);
                let _ = cx.send(s.dpid, &miss);
            }
            Event::PacketIn { dpid, packet_in } => {
                let po = PacketOut::new(
                    packet_in.in_port(),
                    vec![Action::output(port::FLOOD)],
                    packet_in.data.clone(),
                );
                let _ = cx.send(*dpid, &po);
            }
            _ => {}
        }
        Verdict::Continue
    }
}

async fn run(spec: &str, v: Version) -> demo::DemoReport {
    let mut opts = DemoOptions::new(vec![Arc::new(Hub)]);
    opts.switch_versions = vec![v];
    demo::run(spec, opts).await.expect("demo runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_on_tree_2_2_reaches_every_pair_1_3() {
    let r = run("tree,2,2", Version::V1_3).await;
    assert!(r.all_reached(), "{}", r.to_text());
    assert_eq!(r.pings.len(), 12);
    assert!(
        r.ping_matrix().contains("h1 -> h2 h3 h4\n"),
        "{}",
        r.ping_matrix()
    );
    assert!(r
        .ping_matrix()
        .contains("Results: 0% dropped (12/12 received)"));
    // Flow tables were read through the controller: the table-miss flow on each switch.
    assert_eq!(r.flows.len(), 3);
    for f in &r.flows {
        assert_eq!(f.error, None);
        assert_eq!(f.flows.len(), 1, "{:?}", f.flows);
        assert!(f.flows[0].contains("actions=CONTROLLER"), "{}", f.flows[0]);
    }
    assert!(r.switches.iter().all(|s| s.version == Some(Version::V1_3)));
    assert_eq!(r.loop_drops, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_on_linear_3_reaches_every_pair_1_0() {
    let r = run("linear,3", Version::V1_0).await;
    assert!(r.all_reached(), "{}", r.to_text());
    assert!(r.switches.iter().all(|s| s.version == Some(Version::V1_0)));
    assert!(r
        .flows
        .iter()
        .all(|f| f.flows.is_empty() && f.error.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_app_means_no_reachability() {
    // Without an app nothing forwards: the demo must report failure, not success.
    let mut opts = DemoOptions::new(Vec::new());
    opts.ping_timeout = std::time::Duration::from_millis(200);
    let r = demo::run("single,2", opts).await.unwrap();
    assert!(!r.all_reached());
    assert!(r.ping_matrix().contains("h1 -> X"), "{}", r.ping_matrix());
    assert!(r.ping_matrix().contains("100% dropped (0/2 received)"));
}

#[tokio::test]
async fn bad_spec_is_an_error() {
    assert!(demo::run("nonsense,1", DemoOptions::new(Vec::new()))
        .await
        .is_err());
}
