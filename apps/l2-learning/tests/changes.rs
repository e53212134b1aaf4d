//! l2-learning when the network changes: host moves, links failing (port down or silent
//! LLDP timeout), and the negative control: without the spanning tree a ring storms.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;
use viola_framework::Dpid;

use common::{arp_reply, arp_request, ipv4, Net};
use openflow::{Match, Version};
use viola_l2_learning::{L2Config, Mode};

fn learn_pair(net: &mut Net, a: usize, b: usize) {
    net.send(a, arp_request(a, b));
    net.send(b, arp_reply(b, a));
    net.send(a, ipv4(a, b));
    net.send(b, ipv4(b, a));
}

#[test]
fn plain_learning_without_topology_storms_on_a_ring() {
    // The negative control: the frame loop must notice a storm, or the loop tests prove
    // nothing.
    let r = std::panic::catch_unwind(|| {
        let mut net = Net::new("ring,3", Version::V1_3, L2Config::default(), false);
        net.send(1, arp_request(1, 2));
    });
    assert!(
        r.is_err(),
        "a broadcast on a ring without a spanning tree must storm"
    );
}

#[test]
fn plain_learning_without_topology_works_on_a_tree() {
    let mut net = Net::new("tree,2,2", Version::V1_0, L2Config::default(), false);
    learn_pair(&mut net, 1, 4);
    let data = ipv4(1, 4);
    net.clear_inboxes();
    let before = net.packet_ins;
    net.send(1, data.clone());
    assert_eq!(net.received(4, &data), 1);
    assert_eq!(net.packet_ins, before);
}

#[test]
fn host_move_removes_old_rules_and_traffic_follows() {
    for version in [Version::V1_0, Version::V1_3] {
        let mut net = Net::new("ring,5", version, L2Config::default(), true);
        learn_pair(&mut net, 1, 3);
        let (old_dpid, old_port) = net.host_port(1);
        // h1 moves to s4 and announces itself (gratuitous ARP, as VMs do after migrating).
        let (new_dpid, _) = net.move_host(1, 3);
        net.send(1, arp_request(1, 1));
        let topo = net.topology.clone().unwrap();
        assert_eq!(
            topo.snapshot().host(common::mac(1)).map(|h| h.at.dpid),
            Some(new_dpid)
        );
        assert!(net.l2.stats().moves.load(Ordering::Relaxed) >= 1);
        // No rule anywhere still sends to h1's old port.
        let stale = net
            .h
            .table(old_dpid)
            .unwrap()
            .flows()
            .filter(|e| {
                e.cookie == viola_l2_learning::COOKIE && e.output_ports().contains(&old_port)
            })
            .count();
        assert_eq!(stale, 0, "{version:?}: rules to the old attachment remain");
        // h3 reaches h1 at its new place, once.
        net.clear_inboxes();
        let data = ipv4(3, 1);
        net.send(3, data.clone());
        assert_eq!(net.received(1, &data), 1, "{version:?}");
        let back = ipv4(1, 3);
        net.send(1, back.clone());
        assert_eq!(net.received(3, &back), 1, "{version:?}");
        let mirror = net.l2.stats().learned_macs.load(Ordering::Relaxed);
        assert_eq!(
            mirror,
            net.l2.learned_count() as i64,
            "the learned-MACs gauge drifted"
        );
    }
}

#[test]
fn port_down_flushes_and_traffic_reroutes() {
    for version in [Version::V1_0, Version::V1_3] {
        let mut net = Net::new("ring,5", version, L2Config::default(), true);
        learn_pair(&mut net, 1, 2);
        // The s1–s2 link: its s1 end.
        let (s1, s2) = (net.dpid(0), net.dpid(1));
        let end = *net
            .links
            .iter()
            .find(|(a, b)| a.0 == s1 && b.0 == s2)
            .map(|(a, _)| a)
            .unwrap();
        net.link_down(end);
        assert!(net.l2.stats().flushes.load(Ordering::Relaxed) >= 1);
        let view = net.topology.clone().unwrap().snapshot();
        assert_eq!(
            view.shortest_path(s1, s2).map(|p| p.len()),
            Some(4),
            "the long way round"
        );
        net.clear_inboxes();
        let data = ipv4(1, 2);
        net.send(1, data.clone());
        assert_eq!(
            net.received(2, &data),
            1,
            "{version:?}: h1->h2 after the link failed"
        );
        let back = ipv4(2, 1);
        net.send(2, back.clone());
        assert_eq!(
            net.received(1, &back),
            1,
            "{version:?}: h2->h1 after the link failed"
        );
    }
}

#[test]
fn silent_link_failure_is_seen_within_the_link_timeout() {
    let mut net = Net::new(
        "ring,4",
        Version::V1_3,
        L2Config {
            mode: Mode::Path,
            ..L2Config::default()
        },
        true,
    );
    learn_pair(&mut net, 1, 2);
    let (s1, s2) = (net.dpid(0), net.dpid(1));
    let (a, b) = net
        .links
        .iter()
        .find(|(a, b)| a.0 == s1 && b.0 == s2)
        .map(|(a, b)| (*a, *b))
        .unwrap();
    // Frames vanish on the link, but no PORT_STATUS says so.
    net.down.push(a);
    net.down.push(b);
    // Last proved at t = 0 (the net then waited 0.6 s for ports to settle).
    for _ in 0..2 {
        net.h.advance(Duration::from_secs(1));
        net.tick();
    }
    let topo = net.topology.clone().unwrap();
    assert_eq!(
        topo.snapshot().shortest_path(s1, s2).map(|p| p.len()),
        Some(1),
        "2.6 s: not timed out yet"
    );
    net.h.advance(Duration::from_secs(1));
    net.tick();
    assert_eq!(
        topo.snapshot().shortest_path(s1, s2).map(|p| p.len()),
        Some(3),
        "3.6 s > 3.5 s: rerouted"
    );
    net.clear_inboxes();
    let data = ipv4(1, 2);
    net.send(1, data.clone());
    assert_eq!(net.received(2, &data), 1);
}

#[test]
fn lldp_and_link_local_frames_are_never_forwarded() {
    let mut net = Net::new("linear,2", Version::V1_3, L2Config::default(), true);
    let stp = {
        let mut f = vec![0x01, 0x80, 0xc2, 0, 0, 0];
        f.extend_from_slice(&common::mac(1).0);
        f.extend_from_slice(&[0x00, 0x26, 0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
        f
    };
    net.send(1, stp.clone());
    assert_eq!(net.received(2, &stp), 0);
    let lldp = viola_topology::lldp::build(Dpid(99), 1, common::mac(1), None, 0).to_vec();
    net.send(1, lldp.clone());
    assert_eq!(net.received(2, &lldp), 0);
    // Neither taught anything.
    assert_eq!(
        net.l2.learned(Dpid(net.dpid(0).get()), common::mac(1)),
        None
    );
    let _ = Match::new();
}

#[test]
fn path_mode_installs_the_whole_path_on_the_first_packet() {
    let mut net = Net::new(
        "linear,4",
        Version::V1_3,
        L2Config {
            mode: Mode::Path,
            ..L2Config::default()
        },
        true,
    );
    // Both hosts known to the topology.
    net.send(1, arp_request(1, 4));
    net.send(4, arp_reply(4, 1));
    net.clear_inboxes();
    let before = net.packet_ins;
    let data = ipv4(1, 4);
    net.send(1, data.clone());
    assert_eq!(net.received(4, &data), 1);
    assert_eq!(
        net.packet_ins - before,
        1,
        "one PACKET_IN for a 4-switch path"
    );
    for s in &net.topo.switches {
        let m = Match::new()
            .in_port(0)
            .eth_src(common::mac(1))
            .eth_dst(common::mac(4));
        let has = net.h.table(s.dpid).unwrap().flows().any(|e| {
            e.cookie == viola_l2_learning::COOKIE
                && e.match_.get(m.fields()[1].id()) == m.fields().get(1)
        });
        assert!(has, "no h1->h4 rule on {}", s.name);
    }
}

#[test]
fn cbench_like_traffic_gets_one_rule_per_packet_in() {
    // cbench: one switch, everything enters on port 1, destinations learned first by
    // gratuitous ARP. A destination behind the ingress port gets a drop rule (a bridge
    // filters such frames), so each PACKET_IN still gets a FLOW_MOD.
    use std::sync::Arc;
    use viola_framework::testing::Harness;
    use viola_l2_learning::L2Learning;
    use viola_topology::TopologyApp;
    for with_topology in [false, true] {
        let l2 = Arc::new(L2Learning::default());
        let mut apps: Vec<Arc<dyn viola_framework::App>> = Vec::new();
        if with_topology {
            apps.push(Arc::new(TopologyApp::default()));
        }
        apps.push(l2.clone());
        let mut h = Harness::new(apps);
        h.add_switch(Dpid(1), Version::V1_0, &[1]);
        h.advance(Duration::from_secs(1));
        for n in 1..=4 {
            h.packet_in(Dpid(1), 1, arp_request(n, n));
        }
        h.take_sent(Dpid(1));
        for n in 1..=4 {
            h.packet_in(Dpid(1), 1, ipv4(n, n % 4 + 1));
        }
        let fms = h.flow_mods(Dpid(1));
        assert_eq!(fms.len(), 4, "topology={with_topology}: {fms:?}");
        assert!(fms.iter().all(|f| f.instructions.iter().all(|i| match i {
            openflow::Instruction::ApplyActions(a) => a.is_empty(),
            _ => true,
        })));
    }
}
