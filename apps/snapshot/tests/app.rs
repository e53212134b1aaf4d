//! The snapshot app against fake switches and their flow tables.

mod common;

use std::time::Duration;
use viola_framework::Dpid;

use common::{mac, outputs, ping, seq_of, Net};
use openflow::packet::build;
use openflow::{port, FlowModCommand, Version};
use viola_framework::testing::FlowTable;
use viola_framework::Verdict;
use viola_snapshot::gate::{self, KIND_DEFAULT, KIND_PAIR};
use viola_snapshot::{Limits, Policy, SnapshotError};

fn default_rules(t: &FlowTable) -> Vec<(u32, u64)> {
    t.flows()
        .filter(|e| gate::parse_cookie(e.cookie).is_some_and(|(_, _, k)| k == KIND_DEFAULT))
        .map(|e| (e.match_.in_port_value().unwrap_or(0), e.cookie))
        .collect()
}

fn pair_rules(t: &FlowTable) -> usize {
    t.flows()
        .filter(|e| gate::parse_cookie(e.cookie).is_some_and(|(_, _, k)| k == KIND_PAIR))
        .count()
}

#[tokio::test]
async fn gate_rules_on_registration_and_on_switch_up_beat_other_apps() {
    for v in [Version::V1_0, Version::V1_3] {
        let mut net = Net::with(v, Some(common::routes()), false);
        net.register("gate", Policy::Buffer).await;
        let t1 = net.h.table(Dpid(1)).unwrap();
        let mut got = default_rules(&t1);
        got.sort();
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2]);
        assert_ne!(got[0].1, got[1].1, "cookies tag the VM");
        // Switch 2 connects later: its member port gets the gate at SwitchUp.
        net.h.add_switch(Dpid(2), v, &[1, 2]);
        let t2 = net.h.table(Dpid(2)).unwrap();
        assert_eq!(
            default_rules(&t2).iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![1]
        );
        // A destination-only rule of another app (l2-learning style) does not bypass it.
        let l2 = openflow::FlowMod::add(openflow::Match::new().eth_dst(mac(2)))
            .priority(100)
            .actions(vec![openflow::Action::output(2)]);
        assert_eq!(
            net.h.with_switch(Dpid(1), |s| s.table.flow_mod(&l2)),
            Some(Ok(vec![]))
        );
        assert_eq!(
            net.h.forward_packet(Dpid(1), 1, &ping(1, 2, 1)),
            vec![port::CONTROLLER]
        );
        // ... but it still serves non-member ports.
        assert_eq!(net.h.forward_packet(Dpid(1), 4, &ping(4, 2, 1)), vec![2]);
        // Whole packets come to the controller.
        let e = t1
            .lookup(0, &openflow::packet::flow_match(1, &ping(1, 2, 1)))
            .unwrap();
        assert!(
            e.instructions
                .iter()
                .any(|i| format!("{i:?}").contains("65535")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn same_epoch_traffic_is_forwarded_with_a_pair_rule_and_stopped() {
    let mut net = Net::new(Version::V1_3);
    net.register("t1", Policy::Buffer).await;
    net.clear();
    assert_eq!(net.send_from(1, ping(1, 2, 1)), Verdict::Stop);
    let po = net.packet_outs(Dpid(1));
    assert_eq!(po.len(), 1);
    assert_eq!((po[0].in_port, outputs(&po[0])), (1, vec![2]));
    assert_eq!(
        net.h.forward_packet(Dpid(1), 1, &ping(1, 2, 2)),
        vec![2],
        "the pair rule forwards now"
    );
    // Another switch: output to the next hop of the shortest path, not OFPP_TABLE.
    net.clear();
    net.send_from(1, ping(1, 3, 1));
    assert_eq!(outputs(&net.packet_outs(Dpid(1))[0]), vec![3]);
    assert_eq!(net.h.forward_packet(Dpid(1), 1, &ping(1, 3, 2)), vec![3]);
    net.clear();
    net.send_from(3, ping(3, 1, 1));
    assert_eq!(outputs(&net.packet_outs(Dpid(2))[0]), vec![2]);
    // Member traffic never reached the app behind; non-member traffic does.
    assert_eq!(net.rec.count(), 0);
    assert_eq!(net.send_from(4, ping(4, 1, 1)), Verdict::Continue);
    assert_eq!(net.rec.count(), 1);
    // To a non-member: Type-1, towards where the topology places it.
    net.clear();
    net.send_from(2, ping(2, 4, 1));
    assert_eq!(outputs(&net.packet_outs(Dpid(1))[0]), vec![4]);
    let s = net.status("t1");
    assert_eq!(s["counts"]["type1"], 4);
    assert_eq!(s["counts"]["non_member"], 1);
    assert_eq!(s["counts"]["type3"], 0);
}

#[tokio::test]
async fn advance_deletes_exactly_the_vms_pair_rules_and_waits_for_a_barrier() {
    for v in [Version::V1_0, Version::V1_3] {
        let mut net = Net::new(v);
        net.register("adv", Policy::Buffer).await;
        net.send_from(1, ping(1, 2, 1));
        net.send_from(1, ping(1, 3, 1));
        net.send_from(2, ping(2, 1, 1));
        assert_eq!(pair_rules(&net.h.table(Dpid(1)).unwrap()), 3);
        net.app.start_epoch(&net.ctl, "adv", None).unwrap();
        net.clear();
        let r = net.app.advance(&net.ctl, "adv", "h1").await.unwrap();
        assert_eq!(r["epoch"], 1);
        assert_eq!(r["deleted_rules"], 2);
        assert!(r["elapsed_ms"].as_f64().is_some());
        let t = net.h.table(Dpid(1)).unwrap();
        assert_eq!(pair_rules(&t), 1, "h2's rule stays");
        assert_eq!(
            net.h.forward_packet(Dpid(1), 1, &ping(1, 2, 2)),
            vec![port::CONTROLLER]
        );
        assert_eq!(
            net.h.forward_packet(Dpid(1), 1, &ping(1, 3, 2)),
            vec![port::CONTROLLER]
        );
        assert_eq!(net.h.forward_packet(Dpid(1), 2, &ping(2, 1, 2)), vec![1]);
        assert_eq!(default_rules(&t).len(), 2, "the gate stays");
        let fms = net.h.flow_mods(Dpid(1));
        let strict = fms
            .iter()
            .filter(|f| f.command == FlowModCommand::DeleteStrict)
            .count();
        let masked = fms
            .iter()
            .filter(|f| f.command == FlowModCommand::Delete && f.cookie_mask == u64::MAX)
            .count();
        assert_eq!(strict, 2);
        assert_eq!(
            masked,
            usize::from(v == Version::V1_3),
            "cookie-masked delete on 1.3 only"
        );
        // The barrier is part of the answer: a switch error on it fails the advance.
        let err = openflow::ErrorMsg {
            err_type: 5,
            code: 0,
            experimenter: None,
            data: Default::default(),
        };
        net.h
            .with_switch(Dpid(1), |s| s.barrier_errors.push_back(err));
        let e = net.app.advance(&net.ctl, "adv", "h2").await.unwrap_err();
        assert!(
            matches!(e, SnapshotError::Switch { dpid: Dpid(1), .. }),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn post_to_pre_is_held_and_reinjected_in_order() {
    let mut net = Net::new(Version::V1_3);
    net.register("hold", Policy::Buffer).await;
    net.app.start_epoch(&net.ctl, "hold", None).unwrap();
    net.app.advance(&net.ctl, "hold", "h1").await.unwrap();
    net.clear();
    for seq in 1..=3 {
        assert_eq!(net.send_from(1, ping(1, 2, seq)), Verdict::Stop);
    }
    net.send_from(1, ping(1, 3, 10));
    assert!(
        net.packet_outs(Dpid(1)).is_empty(),
        "Type-3 packets are not forwarded"
    );
    assert_eq!(pair_rules(&net.h.table(Dpid(1)).unwrap()), 0);
    let s = net.status("hold");
    assert_eq!(
        (
            s["counts"]["type3"].as_u64(),
            s["buffered_packets"].as_u64()
        ),
        (Some(4), Some(4))
    );
    assert_eq!(s["vms"][1]["buffered_packets"], 3);
    assert_eq!(
        net.metric("viola_snapshot_buffered_packets", &[("service", "hold")]),
        Some(4.0)
    );
    // Before the receiver advanced nothing may go.
    let r = net.app.reinject(&net.ctl, "hold", "h2").unwrap();
    assert_eq!(
        (r["reinjected"].as_u64(), r["remaining"].as_u64()),
        (Some(0), Some(3))
    );
    net.app.advance(&net.ctl, "hold", "h2").await.unwrap();
    assert!(
        net.packet_outs(Dpid(1)).is_empty(),
        "no auto-reinject by default"
    );
    let r = net.app.reinject(&net.ctl, "hold", "h2").unwrap();
    assert_eq!(r["reinjected"], 3);
    let po = net.packet_outs(Dpid(1));
    assert_eq!(
        po.iter().map(|p| seq_of(&p.data)).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(po.iter().all(|p| p.in_port == 1 && outputs(p) == vec![2]));
    // h3 (other switch) gets its packet at the sender's switch, towards the next hop.
    net.app.advance(&net.ctl, "hold", "h3").await.unwrap();
    net.clear();
    net.app.reinject(&net.ctl, "hold", "h3").unwrap();
    let po = net.packet_outs(Dpid(1));
    assert_eq!(po.len(), 1);
    assert_eq!(
        (seq_of(&po[0].data), po[0].in_port, outputs(&po[0])),
        (10, 1, vec![3])
    );
    assert_eq!(net.status("hold")["buffered_packets"], 0);
    assert_eq!(net.status("hold")["status"], "complete");
    assert_eq!(
        net.metric("viola_snapshot_buffered_packets", &[("service", "hold")]),
        Some(0.0)
    );
    let type3 = [("service", "hold"), ("policy", "buffer")];
    assert!(net.metric("viola_snapshot_type3_total", &type3) >= Some(4.0));
}

#[tokio::test]
async fn pre_to_post_is_forwarded() {
    let mut net = Net::new(Version::V1_3);
    net.register("t2", Policy::Buffer).await;
    net.app.start_epoch(&net.ctl, "t2", None).unwrap();
    net.app.advance(&net.ctl, "t2", "h1").await.unwrap();
    net.clear();
    assert_eq!(net.send_from(2, ping(2, 1, 1)), Verdict::Stop);
    let po = net.packet_outs(Dpid(1));
    assert_eq!(outputs(&po[0]), vec![1]);
    assert_eq!(net.h.forward_packet(Dpid(1), 2, &ping(2, 1, 2)), vec![1]);
    assert_eq!(net.status("t2")["counts"]["type2"], 1);
}

#[tokio::test]
async fn auto_reinject_resends_on_the_receivers_advance() {
    let mut net = Net::new(Version::V1_3);
    let mut r = common::registration("auto", Policy::Buffer, Limits::default());
    r.auto_reinject = true;
    net.app.register(&net.ctl, r).await.unwrap();
    net.app.start_epoch(&net.ctl, "auto", None).unwrap();
    net.app.advance(&net.ctl, "auto", "h1").await.unwrap();
    net.send_from(1, ping(1, 2, 5));
    net.clear();
    let r = net.app.advance(&net.ctl, "auto", "h2").await.unwrap();
    assert_eq!(r["reinjected"], 1);
    assert_eq!(seq_of(&net.packet_outs(Dpid(1))[0].data), 5);
}

#[tokio::test]
async fn broadcasts_from_members_are_flooded_never_held() {
    let mut net = Net::new(Version::V1_3);
    net.register("arp", Policy::Buffer).await;
    net.app.start_epoch(&net.ctl, "arp", None).unwrap();
    net.app.advance(&net.ctl, "arp", "h1").await.unwrap();
    net.clear();
    let arp = build::arp_request(mac(1), common::ip(1), common::ip(2));
    assert_eq!(net.send_from(1, arp), Verdict::Stop);
    let po = net.packet_outs(Dpid(1));
    assert_eq!(
        outputs(&po[0]),
        vec![2, 3, 4],
        "the topology's flood ports but the in_port"
    );
    let s = net.status("arp");
    assert_eq!(
        (
            s["counts"]["broadcast"].as_u64(),
            s["buffered_packets"].as_u64()
        ),
        (Some(1), Some(0))
    );
    // Without a topology: OFPP_FLOOD, and a destination on another switch is flooded too.
    let mut bare = Net::with(Version::V1_0, None, true);
    bare.register("arp0", Policy::Buffer).await;
    bare.clear();
    bare.send_from(1, build::arp_request(mac(1), common::ip(1), common::ip(2)));
    bare.send_from(1, ping(1, 3, 1));
    let po = bare.packet_outs(Dpid(1));
    assert_eq!(
        po.iter().map(outputs).collect::<Vec<_>>(),
        vec![vec![port::FLOOD], vec![port::FLOOD]]
    );
    bare.send_from(1, ping(1, 2, 1));
    assert_eq!(
        outputs(&bare.packet_outs(Dpid(1))[2]),
        vec![2],
        "same switch needs no topology"
    );
}

#[tokio::test]
async fn drop_policy_drops_and_counts() {
    let mut net = Net::new(Version::V1_3);
    net.register("drop", Policy::Drop).await;
    net.app.start_epoch(&net.ctl, "drop", None).unwrap();
    net.app.advance(&net.ctl, "drop", "h1").await.unwrap();
    net.clear();
    net.send_from(1, ping(1, 2, 1));
    net.send_from(1, ping(1, 2, 2));
    assert!(net.packet_outs(Dpid(1)).is_empty());
    let s = net.status("drop");
    assert_eq!(
        (
            s["counts"]["dropped_policy"].as_u64(),
            s["buffered_packets"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        net.metric(
            "viola_snapshot_type3_total",
            &[("service", "drop"), ("policy", "drop")]
        ),
        Some(2.0)
    );
}

#[tokio::test]
async fn limits_and_hold_time_bound_the_buffers() {
    let mut net = Net::new(Version::V1_3);
    let limits = Limits {
        max_packets_per_vm: 2,
        max_hold_ms: 500,
        ..Limits::default()
    };
    net.app
        .register(
            &net.ctl,
            common::registration("lim", Policy::Buffer, limits),
        )
        .await
        .unwrap();
    net.app.start_epoch(&net.ctl, "lim", None).unwrap();
    net.app.advance(&net.ctl, "lim", "h1").await.unwrap();
    for seq in 1..=3 {
        net.send_from(1, ping(1, 2, seq));
    }
    let s = net.status("lim");
    assert_eq!(
        (
            s["buffered_packets"].as_u64(),
            s["counts"]["dropped_overflow"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(net.app.sweep(net.h.now() + Duration::from_millis(499)), 0);
    assert_eq!(net.app.sweep(net.h.now() + Duration::from_millis(500)), 2);
    let s = net.status("lim");
    assert_eq!(
        (
            s["buffered_packets"].as_u64(),
            s["counts"]["dropped_expired"].as_u64()
        ),
        (Some(0), Some(2))
    );
}

#[tokio::test]
async fn abort_releases_or_drops_and_restores_forwarding() {
    for release in [true, false] {
        let name = if release { "ab-rel" } else { "ab-drop" };
        let mut net = Net::new(Version::V1_3);
        net.register(name, Policy::Buffer).await;
        net.app.start_epoch(&net.ctl, name, None).unwrap();
        net.app.advance(&net.ctl, name, "h1").await.unwrap();
        net.send_from(1, ping(1, 2, 1));
        net.send_from(1, ping(1, 3, 2));
        // Someone deleted a gate rule meanwhile: abort puts it back.
        net.h.with_switch(Dpid(1), |s| {
            s.table
                .flow_mod(&gate::delete_default(net.app.config(), 2))
                .unwrap()
        });
        net.clear();
        let r = net.app.abort(&net.ctl, name, release).await.unwrap();
        assert_eq!(r["status"], "aborted");
        assert_eq!(r["epoch"], 1);
        let seqs: Vec<u16> = net
            .packet_outs(Dpid(1))
            .iter()
            .map(|p| seq_of(&p.data))
            .collect();
        if release {
            assert_eq!(seqs, vec![1, 2]);
        } else {
            assert!(seqs.is_empty());
            assert_eq!(r["dropped"], 2);
        }
        assert_eq!(default_rules(&net.h.table(Dpid(1)).unwrap()).len(), 2);
        let s = net.status(name);
        assert_eq!(
            (s["status"].as_str(), s["buffered_packets"].as_u64()),
            (Some("aborted"), Some(0))
        );
        assert!(s["vms"].as_array().unwrap().iter().all(|v| v["epoch"] == 1));
        // No pair is Type-3 any more.
        net.clear();
        net.send_from(1, ping(1, 2, 3));
        assert_eq!(outputs(&net.packet_outs(Dpid(1))[0]), vec![2]);
        // And the next snapshot goes on from there.
        assert_eq!(
            net.app.start_epoch(&net.ctl, name, None).unwrap()["epoch"],
            2
        );
    }
}

#[tokio::test]
async fn consecutive_snapshots_through_the_app() {
    let mut net = Net::new(Version::V1_3);
    net.register("multi", Policy::Buffer).await;
    for e in 1..=3u64 {
        assert_eq!(
            net.app.start_epoch(&net.ctl, "multi", None).unwrap()["epoch"],
            e
        );
        net.send_from(1, ping(1, 2, 1)); // Type-1: pair rule
        let r = net.app.advance(&net.ctl, "multi", "h1").await.unwrap();
        assert_eq!(r["deleted_rules"], 1);
        net.send_from(1, ping(1, 2, e as u16)); // Type-3
        net.app.advance(&net.ctl, "multi", "h2").await.unwrap();
        let r = net.app.advance(&net.ctl, "multi", "h3").await.unwrap();
        assert_eq!(r["complete"], true);
        net.clear();
        assert_eq!(
            net.app.reinject(&net.ctl, "multi", "h2").unwrap()["reinjected"],
            1
        );
        assert_eq!(seq_of(&net.packet_outs(Dpid(1))[0].data), e as u16);
    }
    assert_eq!(net.status("multi")["counts"]["type3"], 3);
}

#[tokio::test]
async fn published_events_reach_other_apps() {
    use std::sync::Mutex;
    use viola_framework::{App, Context, Event};
    use viola_snapshot::SnapshotEvent;
    #[derive(Default)]
    struct Listener(Mutex<Vec<String>>);
    impl App for Listener {
        fn name(&self) -> &'static str {
            "listener"
        }
        fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
            if let Event::App(a) = event {
                if let Some(e) = a.downcast_ref::<SnapshotEvent>() {
                    self.0.lock().unwrap().push(e.kind().to_string());
                }
            }
            Verdict::Continue
        }
    }
    let app = std::sync::Arc::new(viola_snapshot::SnapshotApp::with_routes(
        Default::default(),
        std::sync::Arc::new(common::routes()),
    ));
    let l = std::sync::Arc::new(Listener::default());
    let mut h = viola_framework::testing::Harness::new(vec![app.clone(), l.clone()]);
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    let ctl = h.controller();
    let mut rx = ctl.subscribe();
    app.register(
        &ctl,
        common::registration("ev", Policy::Buffer, Limits::default()),
    )
    .await
    .unwrap();
    app.start_epoch(&ctl, "ev", None).unwrap();
    app.advance(&ctl, "ev", "h1").await.unwrap();
    h.deliver(&Event::SwitchDown(Dpid(99))); // lets the harness dispatch published events
    let kinds = l.0.lock().unwrap().clone();
    assert_eq!(
        kinds,
        vec![
            "snapshot_registered",
            "snapshot_epoch_started",
            "snapshot_vm_advanced"
        ]
    );
    let first = rx.try_recv().unwrap();
    assert_eq!(first.name(), "snapshot_registered");
}
