//! l2-learning with the topology app on looped networks (ring,5 · mesh,4 · torus,3,3), both
//! OpenFlow versions, both modes: every host pair reaches the other exactly once per packet,
//! floods stay on the spanning tree (bounded PACKET_INs), and rules end up in the tables so
//! repeated traffic needs no controller.

mod common;

use common::{arp_reply, arp_request, ipv4, Net};
use openflow::Version;
use viola_l2_learning::{L2Config, Mode};

fn all_pairs(spec: &str, version: Version, mode: Mode) {
    let mut net = Net::new(
        spec,
        version,
        L2Config {
            mode,
            ..L2Config::default()
        },
        true,
    );
    let topo = net.topology.clone().unwrap();
    let view = topo.snapshot();
    assert_eq!(
        view.links().len(),
        2 * net.topo.links.len(),
        "{spec}: every link found in both directions"
    );
    let n_hosts = net.topo.hosts.len();
    let n_switches = net.topo.switches.len();
    for a in 1..=n_hosts {
        for b in 1..=n_hosts {
            if a == b {
                continue;
            }
            net.clear_inboxes();
            // Broadcast: every other host gets exactly one copy; each switch sees it once.
            let before = net.packet_ins;
            let req = arp_request(a, b);
            net.send(a, req.clone());
            let pins = net.packet_ins - before;
            assert!(
                pins <= n_switches,
                "{spec} {version:?} {mode:?}: broadcast {a}->{b} caused {pins} packet-ins"
            );
            for c in 1..=n_hosts {
                let want = usize::from(c != a);
                assert_eq!(
                    net.received(c, &req),
                    want,
                    "{spec}: h{c} copies of h{a}'s broadcast"
                );
            }
            // Unicast both ways: exactly one copy each.
            let rep = arp_reply(b, a);
            net.send(b, rep.clone());
            assert_eq!(
                net.received(a, &rep),
                1,
                "{spec} {version:?} {mode:?}: reply h{b}->h{a}"
            );
            let data = ipv4(a, b);
            net.send(a, data.clone());
            assert_eq!(
                net.received(b, &data),
                1,
                "{spec} {version:?} {mode:?}: data h{a}->h{b}"
            );
            // Again: the rules are in the tables now, no controller involved.
            let before = net.packet_ins;
            net.send(a, data.clone());
            assert_eq!(net.received(b, &data), 2);
            assert_eq!(
                net.packet_ins, before,
                "{spec} {version:?} {mode:?}: h{a}->h{b} still misses"
            );
        }
    }
    // Every switch holds l2 rules.
    for s in &net.topo.switches {
        let t = net.h.table(s.dpid).unwrap();
        let n = t
            .entries()
            .iter()
            .filter(|e| e.cookie == viola_l2_learning::COOKIE)
            .count();
        assert!(n > 0, "{spec}: no l2 rule on {}", s.name);
    }
    assert!(
        net.l2
            .stats()
            .floods
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}

#[test]
fn ring5_learning_both_versions() {
    all_pairs("ring,5", Version::V1_0, Mode::Learning);
    all_pairs("ring,5", Version::V1_3, Mode::Learning);
}

#[test]
fn mesh4_learning_both_versions() {
    all_pairs("mesh,4", Version::V1_0, Mode::Learning);
    all_pairs("mesh,4", Version::V1_3, Mode::Learning);
}

#[test]
fn torus33_learning_and_path() {
    all_pairs("torus,3,3", Version::V1_3, Mode::Learning);
    all_pairs("torus,3,3", Version::V1_0, Mode::Path);
}

#[test]
fn path_mode_on_ring_and_mesh() {
    all_pairs("ring,5", Version::V1_3, Mode::Path);
    all_pairs("mesh,4", Version::V1_3, Mode::Path);
}

#[test]
fn tree_topologies_without_loops() {
    all_pairs("linear,4", Version::V1_0, Mode::Learning);
    all_pairs("tree,2,3", Version::V1_3, Mode::Learning);
}
