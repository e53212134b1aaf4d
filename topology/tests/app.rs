//! The topology app through the framework's test harness: probes, LLDP consumption, HMAC,
//! host tracking, port-down, the typed events and GET /api/v1/topology.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use viola_topology::Dpid;

use openflow::{port, port_reason, Action, Match, Message, Version};
use viola_framework::testing::{fake_port, Harness};
use viola_framework::{App, Context, Event, Verdict};
use viola_topology::{lldp, Link, PortRef, TopologyApp, TopologyConfig, TopologyEvent};

/// Records the topology events other apps receive.
#[derive(Default)]
struct Recorder(Mutex<Vec<TopologyEvent>>);
impl App for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn handle(&self, e: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if let Event::App(any) = e {
            if let Some(ev) = any.downcast_ref::<TopologyEvent>() {
                self.0.lock().unwrap().push(ev.clone());
            }
        }
        Verdict::Continue
    }
}

fn setup(cfg: TopologyConfig) -> (Harness, Arc<TopologyApp>, Arc<Recorder>) {
    let topo = Arc::new(TopologyApp::new(cfg));
    let rec = Arc::new(Recorder::default());
    let h = Harness::new(vec![topo.clone(), rec.clone()]);
    (h, topo, rec)
}

/// LLDP frames the app sent out of `dpid`, as (port, frame).
fn probes(h: &Harness, dpid: u64) -> Vec<(u32, bytes::Bytes)> {
    h.take_sent(Dpid(dpid))
        .iter()
        .filter_map(Message::packet_out)
        .filter_map(|po| match po.actions.as_slice() {
            [Action::Output { port, .. }] => Some((*port, po.data.clone())),
            _ => None,
        })
        .collect()
}

/// Connects s1 (ports 1-3) and s2 (ports 1-2), wires s1:3 <-> s2:2 by carrying probes.
fn two_switches(h: &mut Harness, version: Version) {
    h.add_switch(Dpid(1), version, &[1, 2, 3]);
    h.add_switch(Dpid(2), version, &[1, 2]);
    for _ in 0..2 {
        for (p, f) in probes(h, 1) {
            if p == 3 {
                assert_eq!(
                    h.packet_in(Dpid(2), 2, f),
                    Verdict::Stop,
                    "LLDP is consumed"
                );
            }
        }
        for (p, f) in probes(h, 2) {
            if p == 2 {
                h.packet_in(Dpid(1), 3, f);
            }
        }
    }
}

#[test]
fn switch_up_installs_the_lldp_rule_and_probes_every_port() {
    for version in [Version::V1_0, Version::V1_3] {
        let (mut h, _, _) = setup(TopologyConfig::default());
        h.add_switch(Dpid(1), version, &[1, 2, 3]);
        let fms = h.flow_mods(Dpid(1));
        assert_eq!(fms.len(), 1);
        assert_eq!(fms[0].match_, Match::new().eth_type(0x88cc));
        assert_eq!(
            h.forward(Dpid(1), &Match::new().in_port(1).eth_type(0x88cc)),
            vec![port::CONTROLLER]
        );
        let mut ports: Vec<u32> = probes(&h, 1)
            .into_iter()
            .map(|(p, f)| {
                let probe = lldp::parse(&f).unwrap();
                assert_eq!((probe.dpid, probe.port), (Dpid(1), p));
                p
            })
            .collect();
        ports.sort();
        assert_eq!(ports, vec![1, 2, 3]);
    }
}

#[test]
fn discovery_events_and_snapshot() {
    let (mut h, topo, rec) = setup(TopologyConfig::default());
    two_switches(&mut h, Version::V1_3);
    let v = topo.snapshot();
    let l = Link::new(PortRef::new(Dpid(1), 3), PortRef::new(Dpid(2), 2));
    assert_eq!(v.links(), &[l, l.reversed()][..]);
    assert_eq!(v.shortest_path(Dpid(1), Dpid(2)), Some(vec![l]));
    assert!(v.is_tree_port(PortRef::new(Dpid(2), 2)));
    let events = rec.0.lock().unwrap().clone();
    assert!(events.contains(&TopologyEvent::SwitchUp { dpid: Dpid(1) }));
    assert!(events.contains(&TopologyEvent::LinkUp { link: l }));
    assert!(events.contains(&TopologyEvent::LinkUp { link: l.reversed() }));
    assert!(
        topo.stats()
            .probes_received
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2
    );
}

#[test]
fn a_one_way_link_is_probed_back_at_once() {
    let (mut h, topo, _) = setup(TopologyConfig::default());
    h.add_switch(Dpid(1), Version::V1_3, &[1]);
    h.add_switch(Dpid(2), Version::V1_3, &[1]);
    let _ = probes(&h, 2);
    let f = probes(&h, 1).into_iter().find(|(p, _)| *p == 1).unwrap().1;
    h.packet_in(Dpid(2), 1, f);
    // s2 answered with a probe out of the port the LLDP came in on.
    let back = probes(&h, 2);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].0, 1);
    h.packet_in(Dpid(1), 1, back[0].1.clone());
    assert_eq!(topo.snapshot().graph().edge_count(), 1);
}

#[test]
fn port_down_removes_links_at_once() {
    let (mut h, topo, rec) = setup(TopologyConfig::default());
    two_switches(&mut h, Version::V1_0);
    rec.0.lock().unwrap().clear();
    let mut p = fake_port(Dpid(1), 3);
    p.config = openflow::port_config::PORT_DOWN;
    h.port_status(Dpid(1), port_reason::MODIFY, p);
    assert!(topo.snapshot().links().is_empty());
    let downs = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, TopologyEvent::LinkDown { .. }))
        .count();
    assert_eq!(downs, 2);
    // Back up: probed again at once.
    h.port_status(Dpid(1), port_reason::MODIFY, fake_port(Dpid(1), 3));
    assert_eq!(
        probes(&h, 1).iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        vec![3]
    );
}

#[test]
fn hosts_are_tracked_only_at_host_ports() {
    let (mut h, topo, rec) = setup(TopologyConfig::default());
    two_switches(&mut h, Version::V1_3);
    h.advance(Duration::from_millis(600));
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[
        0, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1, 0, 0, 0, 0, 0, 1, 10, 0, 0, 1,
    ]);
    arp.extend_from_slice(&[0; 10]);
    // Seen at s1:1 (a host port): learned, and the packet goes on down the pipeline.
    assert_eq!(h.packet_in(Dpid(1), 1, arp.clone()), Verdict::Continue);
    // Seen again at the inter-switch port s2:2 (a flooded copy): no move.
    h.packet_in(Dpid(2), 2, arp.clone());
    let v = topo.snapshot();
    let host = v.host(openflow::MacAddr([0, 0, 0, 0, 0, 1])).unwrap();
    assert_eq!(host.at, PortRef::new(Dpid(1), 1));
    assert_eq!(
        host.ips.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec!["10.0.0.1"]
    );
    // At another host port: a move, published.
    h.packet_in(Dpid(2), 1, arp);
    let moved = rec.0.lock().unwrap().iter().any(
        |e| matches!(e, TopologyEvent::HostMoved { to, .. } if *to == PortRef::new(Dpid(2), 1)),
    );
    assert!(moved);
}

#[test]
fn hmac_rejects_forged_and_replayed_probes() {
    let cfg = TopologyConfig {
        hmac_key: Some(b"k3y".to_vec()),
        ..TopologyConfig::default()
    };
    let (mut h, topo, _) = setup(cfg);
    two_switches(&mut h, Version::V1_3);
    assert_eq!(
        topo.snapshot().links().len(),
        2,
        "signed probes are accepted"
    );
    // A host at s1:1 forges a probe claiming to be s2 port 1 (no key: no tag).
    let forged = lldp::build(Dpid(2), 1, openflow::MacAddr([2, 0, 0, 0, 0, 9]), None, 0);
    assert_eq!(h.packet_in(Dpid(1), 1, forged), Verdict::Stop);
    // Or signs it with the wrong key.
    let wrong = lldp::build(
        Dpid(2),
        1,
        openflow::MacAddr([2, 0, 0, 0, 0, 9]),
        Some(b"guess"),
        0,
    );
    h.packet_in(Dpid(1), 1, wrong);
    assert_eq!(topo.snapshot().links().len(), 2);
    assert!(
        topo.stats()
            .probes_rejected
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2
    );
    // A genuine probe captured now and replayed after the link timeout is stale.
    let (_, genuine) = probes(&h, 1).into_iter().next().unwrap_or_else(|| {
        let ctl = h.controller();
        topo.tick(&ctl, h.now());
        probes(&h, 1).into_iter().next().unwrap()
    });
    h.advance(Duration::from_secs(10));
    h.packet_in(Dpid(2), 1, genuine);
    assert!(!topo
        .snapshot()
        .is_inter_switch_port(PortRef::new(Dpid(2), 1)));
}

#[tokio::test]
async fn get_topology_lists_exactly_the_links() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use viola_framework::rest::RestRoutes;

    let (mut h, topo, _) = setup(TopologyConfig::default());
    two_switches(&mut h, Version::V1_3);
    let router = topo.clone().routes(h.controller());
    let req = axum::http::Request::get("/api/v1/topology")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let doc: viola_topology::TopologyDoc = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc.switches.len(), 2);
    let links: Vec<(String, u32, String, u32)> = doc
        .links
        .iter()
        .map(|l| {
            (
                l.src.dpid.to_string(),
                l.src.port,
                l.dst.dpid.to_string(),
                l.dst.port,
            )
        })
        .collect();
    assert_eq!(
        links,
        vec![
            ("0000000000000001".into(), 3, "0000000000000002".into(), 2),
            ("0000000000000002".into(), 2, "0000000000000001".into(), 3),
        ]
    );
    assert!(doc.links.iter().all(|l| l.bidirectional && l.in_tree));
    assert!(doc
        .to_text()
        .contains("0000000000000001:3 -> 0000000000000002:2"));
    assert!(doc.to_dot().starts_with("graph topology {"));
    // A declared topology app's gauges are in its controller's metrics.
    let (mut h, _app) =
        viola_framework::testing::Harness::declared::<TopologyApp>(Default::default()).unwrap();
    h.add_switch(Dpid(1), Version::V1_3, &[1]);
    let text = h.controller().app_metrics().encode_text();
    assert!(
        text.contains("viola_links 0") && text.contains("viola_hosts 0"),
        "{text}"
    );
}
