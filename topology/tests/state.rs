//! The pure topology model under a virtual clock: discovery, link timeout, port down,
//! host moves and aging, and the spanning tree on looped topologies.

use std::collections::{BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use viola_topology::Dpid;

use openflow::{port_reason, MacAddr, PortInfo};
use viola_topo_spec::Topology;
use viola_topology::{
    HostGoneReason, Link, LinkDownReason, PortRef, StateTimers, TopologyEvent, TopologyState,
};

fn port(n: u32) -> PortInfo {
    PortInfo {
        port_no: n,
        hw_addr: MacAddr([0x02, 0, 0, 0, 0, n as u8]),
        name: format!("p{n}"),
        config: 0,
        state: 0,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 0,
        max_speed: 0,
    }
}

fn down(n: u32) -> PortInfo {
    PortInfo {
        state: openflow::port_state::LINK_DOWN,
        ..port(n)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A virtual clock: a fixed origin plus an offset that tests advance.
struct Clock(Instant, Duration);
impl Clock {
    fn new() -> Self {
        Clock(Instant::now(), Duration::ZERO)
    }
    fn now(&self) -> Instant {
        self.0 + self.1
    }
    fn advance(&mut self, d: Duration) -> Instant {
        self.1 += d;
        self.now()
    }
}

/// Loads a testbed topology into the model as LLDP would (both directions of every link),
/// then lets the host ports settle.
fn load(spec: &str, clock: &mut Clock) -> (Topology, TopologyState) {
    let t = Topology::parse(spec).unwrap();
    let mut st = TopologyState::new(StateTimers::default());
    for (i, s) in t.switches.iter().enumerate() {
        let ports: Vec<PortInfo> = (1..=t.port_count(i)).map(port).collect();
        st.on_switch_up(clock.now(), s.dpid, &ports);
    }
    for l in &t.links {
        let (a, b) = (t.switches[l.a.switch].dpid, t.switches[l.b.switch].dpid);
        st.on_lldp(clock.now(), a, l.a.port, b, l.b.port);
        st.on_lldp(clock.now(), b, l.b.port, a, l.a.port);
    }
    clock.advance(ms(600));
    (t, st)
}

/// The tree as switch-level edges: each tree link's two ends.
fn tree_edges(t: &Topology, st: &TopologyState) -> Vec<(Dpid, Dpid)> {
    let tree = st.spanning_tree();
    t.links
        .iter()
        .filter_map(|l| {
            let (a, b) = (t.switches[l.a.switch].dpid, t.switches[l.b.switch].dpid);
            let (pa, pb) = (PortRef::new(a, l.a.port), PortRef::new(b, l.b.port));
            match (tree.contains(&pa), tree.contains(&pb)) {
                (true, true) => Some((a, b)),
                (false, false) => None,
                _ => panic!("half a tree link at {pa} / {pb}"),
            }
        })
        .collect()
}

fn assert_spanning_tree(spec: &str) {
    let mut clock = Clock::new();
    let (t, st) = load(spec, &mut clock);
    let edges = tree_edges(&t, &st);
    let n = t.switches.len();
    assert_eq!(
        edges.len(),
        n - 1,
        "{spec}: a spanning tree of {n} switches has {} links",
        n - 1
    );
    // Connected: a walk over tree edges from the first switch reaches all.
    let mut seen = HashSet::from([t.switches[0].dpid]);
    loop {
        let before = seen.len();
        for &(a, b) in &edges {
            if seen.contains(&a) || seen.contains(&b) {
                seen.insert(a);
                seen.insert(b);
            }
        }
        if seen.len() == before {
            break;
        }
    }
    assert_eq!(seen.len(), n, "{spec}: tree does not reach every switch");
    // n-1 edges + connected = acyclic. Host ports flood, blocked ports do not.
    let view = st.view();
    for h in &t.hosts {
        let d = t.switches[h.switch].dpid;
        assert!(
            view.is_host_port(PortRef::new(d, h.port), clock.now()),
            "{spec}: {} port",
            h.name
        );
    }
    let blocked = t.links.len() - edges.len();
    let blocked_ports = t
        .links
        .iter()
        .flat_map(|l| [(l.a.switch, l.a.port), (l.b.switch, l.b.port)])
        .filter(|&(s, p)| view.is_blocked(PortRef::new(Dpid((t.switches[s].dpid).get()), p)))
        .count();
    assert_eq!(blocked_ports, 2 * blocked, "{spec}");
    assert!(blocked > 0, "{spec} has loops, so some links are blocked");
}

#[test]
fn spanning_tree_on_ring_mesh_torus() {
    assert_spanning_tree("ring,5");
    assert_spanning_tree("mesh,4");
    assert_spanning_tree("torus,3,3");
}

#[test]
fn shortest_paths_are_shortest_and_consistent() {
    let mut clock = Clock::new();
    let (t, st) = load("ring,5", &mut clock);
    let view = st.view();
    let d = |i: usize| Dpid((t.switches[i].dpid).get());
    // Ring of 5: opposite switches are 2 hops apart either way round.
    assert_eq!(view.shortest_path(d(0), d(2)).unwrap().len(), 2);
    assert_eq!(view.shortest_path(d(0), d(1)).unwrap().len(), 1);
    assert_eq!(view.shortest_path(d(0), d(0)).unwrap().len(), 0);
    for a in 0..5 {
        for b in 0..5 {
            let path = view.shortest_path(d(a), d(b)).unwrap();
            // Hops chain: each hop starts where the previous ended, ends at b.
            let mut at = d(a);
            for hop in &path {
                assert_eq!(hop.src.dpid, at);
                at = hop.dst.dpid;
            }
            assert_eq!(at, d(b));
        }
    }
    let mut clock = Clock::new();
    let (t, st) = load("torus,3,3", &mut clock);
    let view = st.view();
    for a in &t.switches {
        for b in &t.switches {
            let len = view.shortest_path(a.dpid, b.dpid).unwrap().len();
            assert!(len <= 2, "torus 3x3 diameter is 2, got {len}");
        }
    }
}

#[test]
fn link_needs_both_directions_for_the_graph() {
    let c = Clock::new();
    let mut st = TopologyState::new(StateTimers::default());
    st.on_switch_up(c.now(), Dpid(1), &[port(1), port(2)]);
    st.on_switch_up(c.now(), Dpid(2), &[port(1), port(2)]);
    let ev = st.on_lldp(c.now(), Dpid(1), 1, Dpid(2), 1);
    let link = Link::new(PortRef::new(Dpid(1), 1), PortRef::new(Dpid(2), 1));
    assert_eq!(ev, vec![TopologyEvent::LinkUp { link }]);
    let v = st.view();
    assert_eq!(v.graph().edge_count(), 0);
    // Either end is already an inter-switch port: never a host port, never flooded.
    assert!(v.is_inter_switch_port(PortRef::new(Dpid(2), 1)));
    assert!(!v.is_host_port(PortRef::new(Dpid(1), 1), c.now() + ms(1_000)));
    assert!(v.flood_ports(Dpid(1), 2, c.now() + ms(1_000)).is_empty());
    // Repeating a probe changes nothing.
    assert!(st.on_lldp(c.now(), Dpid(1), 1, Dpid(2), 1).is_empty());
    st.on_lldp(c.now(), Dpid(2), 1, Dpid(1), 1);
    assert_eq!(st.view().graph().edge_count(), 1);
    assert_eq!(st.view().flood_ports(Dpid(1), 2, c.now()), vec![1]);
    // Probes from unknown switches or to themselves are ignored.
    assert!(st.on_lldp(c.now(), Dpid(9), 1, Dpid(1), 2).is_empty());
    assert!(st.on_lldp(c.now(), Dpid(1), 2, Dpid(1), 2).is_empty());
}

#[test]
fn link_times_out_without_probes_and_stays_while_probed() {
    let mut c = Clock::new();
    let (t, mut st) = load("linear,2", &mut c);
    assert_eq!(st.view().links().len(), 2);
    // Re-probed every second: stays for as long as we like.
    for _ in 0..10 {
        let now = c.advance(ms(1_000));
        for l in &t.links {
            let (a, b) = (t.switches[l.a.switch].dpid, t.switches[l.b.switch].dpid);
            st.on_lldp(now, a, l.a.port, b, l.b.port);
            st.on_lldp(now, b, l.b.port, a, l.a.port);
        }
        assert!(st.expire(now).is_empty());
    }
    // 3.4 s without probes: still there; past 3.5 s: both directions go.
    assert!(st.expire(c.advance(ms(3_400))).is_empty());
    let ev = st.expire(c.advance(ms(200)));
    assert_eq!(ev.len(), 2);
    assert!(ev.iter().all(|e| matches!(
        e,
        TopologyEvent::LinkDown {
            reason: LinkDownReason::Timeout,
            ..
        }
    )));
    assert!(st.view().links().is_empty());
    assert_eq!(st.view().shortest_path(Dpid(1), Dpid(2)), None);
}

#[test]
fn port_down_removes_the_link_at_once_and_traffic_reroutes() {
    let mut c = Clock::new();
    let (t, mut st) = load("ring,5", &mut c);
    let (a, b) = (t.switches[0].dpid, t.switches[1].dpid);
    assert_eq!(st.view().shortest_path(a, b).unwrap().len(), 1);
    // The port of s1 facing s2.
    let l = t
        .links
        .iter()
        .find(|l| l.a.switch.min(l.b.switch) == 0 && l.a.switch.max(l.b.switch) == 1)
        .unwrap();
    let p = if l.a.switch == 0 { l.a.port } else { l.b.port };
    let ev = st.on_port_status(c.now(), a, port_reason::MODIFY, &down(p));
    assert_eq!(ev.len(), 2, "both directions: {ev:?}");
    assert!(ev.iter().all(|e| matches!(
        e,
        TopologyEvent::LinkDown {
            reason: LinkDownReason::PortDown,
            ..
        }
    )));
    assert_eq!(
        st.view().shortest_path(a, b).unwrap().len(),
        4,
        "the long way round"
    );
    // The tree still spans the 5 switches over the remaining 4 links.
    assert_eq!(tree_edges(&t, &st).len(), 4);
    // Port back up: not a host port before it settles, and a probe restores the link.
    st.on_port_status(c.now(), a, port_reason::MODIFY, &port(p));
    assert!(!st.view().is_host_port(PortRef::new(a, p), c.now()));
    let (pb, db) = if l.a.switch == 0 {
        (l.b.port, b)
    } else {
        (l.a.port, b)
    };
    st.on_lldp(c.now(), a, p, db, pb);
    st.on_lldp(c.now(), db, pb, a, p);
    assert_eq!(st.view().shortest_path(a, b).unwrap().len(), 1);
    // Port deleted: same as down.
    let ev = st.on_port_status(c.now(), a, port_reason::DELETE, &port(p));
    assert_eq!(ev.len(), 2);
    assert!(st.view().ports(a).unwrap().get(&p).is_none());
}

#[test]
fn switch_down_removes_its_links_and_hosts() {
    let mut c = Clock::new();
    let (_, mut st) = load("linear,3", &mut c);
    let h = MacAddr([0, 0, 0, 0, 0, 2]);
    st.on_host_seen(c.now(), h, None, Dpid(2), 1);
    assert!(st.view().host(h).is_some());
    let ev = st.on_switch_down(Dpid(2));
    // s2 has two links (4 directions), one host, and goes down itself.
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, TopologyEvent::LinkDown { .. }))
            .count(),
        4
    );
    assert!(ev.contains(&TopologyEvent::HostRemoved {
        mac: h,
        at: PortRef::new(Dpid(2), 1),
        reason: HostGoneReason::PortDown
    }));
    assert_eq!(
        ev.last(),
        Some(&TopologyEvent::SwitchDown { dpid: Dpid(2) })
    );
    assert!(st.view().links().is_empty());
    assert_eq!(
        st.view().switches().collect::<Vec<_>>(),
        vec![Dpid(1), Dpid(3)]
    );
}

#[test]
fn links_added_after_startup_join_the_graph() {
    let mut c = Clock::new();
    let (_, mut st) = load("linear,2", &mut c);
    st.on_switch_up(c.now(), Dpid(3), &[port(1), port(2)]);
    assert_eq!(st.view().shortest_path(Dpid(1), Dpid(3)), None);
    st.on_lldp(c.now(), Dpid(2), 3, Dpid(3), 1);
    st.on_lldp(c.now(), Dpid(3), 1, Dpid(2), 3);
    assert_eq!(st.view().shortest_path(Dpid(1), Dpid(3)).unwrap().len(), 2);
}

#[test]
fn hosts_learned_moved_and_aged() {
    let mut c = Clock::new();
    let (_, mut st) = load("linear,3", &mut c);
    let mac = MacAddr([0, 0, 0, 0, 0, 1]);
    let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let ev = st.on_host_seen(c.now(), mac, Some(ip), Dpid(1), 1);
    assert!(
        matches!(&ev[..], [TopologyEvent::HostAdded { host }] if host.at == PortRef::new(Dpid(1), 1) && host.ips.contains(&ip))
    );
    assert!(st
        .on_host_seen(c.now(), mac, Some(ip), Dpid(1), 1)
        .is_empty());
    // Seen at a host port elsewhere: a move.
    let ev = st.on_host_seen(c.advance(ms(10)), mac, Some(ip), Dpid(3), 1);
    assert_eq!(
        ev,
        vec![TopologyEvent::HostMoved {
            mac,
            from: PortRef::new(Dpid(1), 1),
            to: PortRef::new(Dpid(3), 1)
        }]
    );
    assert_eq!(st.view().host(mac).unwrap().at, PortRef::new(Dpid(3), 1));
    // Seen at an inter-switch port (a flooded copy): never learned there, no move.
    assert!(st
        .on_host_seen(c.now(), mac, Some(ip), Dpid(2), 2)
        .is_empty());
    assert!(st
        .on_host_seen(c.now(), mac, Some(ip), Dpid(2), 3)
        .is_empty());
    assert_eq!(st.view().host(mac).unwrap().at, PortRef::new(Dpid(3), 1));
    // Group addresses and reserved ports never become hosts.
    assert!(st
        .on_host_seen(c.now(), MacAddr::BROADCAST, None, Dpid(1), 1)
        .is_empty());
    assert!(st
        .on_host_seen(
            c.now(),
            MacAddr([0, 0, 0, 0, 0, 9]),
            None,
            Dpid(1),
            openflow::port::LOCAL
        )
        .is_empty());
    // Aging: gone after the host timeout (links time out too: no probes in this test).
    let ev = st.expire(c.advance(Duration::from_secs(299)));
    assert!(
        ev.iter()
            .all(|e| matches!(e, TopologyEvent::LinkDown { .. })),
        "{ev:?}"
    );
    let ev = st.expire(c.advance(Duration::from_secs(2)));
    assert_eq!(
        ev,
        vec![TopologyEvent::HostRemoved {
            mac,
            at: PortRef::new(Dpid(3), 1),
            reason: HostGoneReason::Aged
        }]
    );
    assert!(st.view().hosts().is_empty());
}

#[test]
fn unsettled_ports_teach_nothing_and_late_links_evict_wrong_hosts() {
    let c = Clock::new();
    let mut st = TopologyState::new(StateTimers::default());
    st.on_switch_up(c.now(), Dpid(1), &[port(1), port(2)]);
    st.on_switch_up(c.now(), Dpid(2), &[port(1), port(2)]);
    let mac = MacAddr([0, 0, 0, 0, 0, 7]);
    // Port 2 of s1 is still settling: no host there yet, and it does not flood.
    assert!(st.on_host_seen(c.now(), mac, None, Dpid(1), 2).is_empty());
    assert_eq!(
        st.view().flood_ports(Dpid(1), 1, c.now()),
        Vec::<u32>::new()
    );
    let later = c.now() + ms(600);
    assert_eq!(st.view().flood_ports(Dpid(1), 1, later), vec![2]);
    assert_eq!(st.on_host_seen(later, mac, None, Dpid(1), 2).len(), 1);
    // Then LLDP shows port 2 faces s2: the host is dropped from there.
    let ev = st.on_lldp(later, Dpid(2), 1, Dpid(1), 2);
    assert!(ev.contains(&TopologyEvent::HostRemoved {
        mac,
        at: PortRef::new(Dpid(1), 2),
        reason: HostGoneReason::InterSwitchPort
    }));
    assert!(st.view().host(mac).is_none());
}

#[test]
fn flood_set_excludes_in_port_blocked_and_down_ports() {
    let mut c = Clock::new();
    let (t, mut st) = load("mesh,4", &mut c);
    let view = st.view();
    for (i, s) in t.switches.iter().enumerate() {
        let hp = t.hosts.iter().find(|h| h.switch == i).unwrap().port;
        let ports: BTreeSet<u32> = view.flood_ports(s.dpid, hp, c.now()).into_iter().collect();
        assert!(!ports.contains(&hp));
        for p in &ports {
            assert!(!view.is_blocked(PortRef::new(s.dpid, *p)));
        }
    }
    // A host port that goes down is not flooded.
    let h = &t.hosts[0];
    let d = t.switches[h.switch].dpid;
    st.on_port_status(c.now(), d, port_reason::MODIFY, &down(h.port));
    assert!(!st
        .view()
        .flood_ports(d, 0, c.advance(ms(1)))
        .contains(&h.port));
}
