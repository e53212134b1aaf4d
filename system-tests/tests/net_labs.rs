//! Viola (the registry's `topology,l2-learning`, in-process) driving labs of real Open
//! vSwitch bridges (userspace datapath), OpenFlow 1.0 and 1.3: tree, linear and looped
//! topologies. For each: every bridge connects with the right version, `GET
//! /api/v1/topology` lists exactly the links of the topology model, pingall gets 0%
//! dropped, the packet-ins it costs stay bounded (no storm on loops: nothing arrives once
//! the pings stop), and `lab down` leaves no bridge, namespace or veth.
//!
//! Needs root, Open vSwitch, iproute2, ping and ethtool; FAILS with the reason when one is
//! missing. Each test runs in its own network namespace with private OVS daemons.

mod net_support;

use openflow::Dpid;
use std::time::{Duration, Instant};

use net_support::{expected_version, figure, lab_diag, lab_up, model_links, run_dir, Viola};
use viola_lab::isolate::{isolated, leftovers, ovs_diag};
use viola_lab::OfVersions;
use viola_topo_spec::Topology;

/// A quiet period after the pings: a packet circulating in a loop would keep arriving.
const QUIET: Duration = Duration::from_secs(2);

/// Packet-ins (not LLDP) allowed while nothing is sent (stray ARP refreshes at most).
const QUIET_MAX: u64 = 10;

fn lab_case(spec: &str, of: OfVersions, prefix: &str) {
    let dir = run_dir(prefix.trim_end_matches('-'));
    let topo = Topology::parse(spec).expect("topology SPEC");
    let viola = Viola::start("topology,l2-learning");
    let t0 = Instant::now();
    let lab = lab_up(dir.path(), prefix, spec, of, &viola);
    let built = t0.elapsed();
    let db = lab.ovs().db.clone();

    viola.wait_switches(topo.switches.len(), Duration::from_secs(20));
    let connect = t0.elapsed();
    for s in viola.ctl.switches() {
        assert_eq!(
            s.version,
            expected_version(of),
            "switch {} negotiated the wrong version",
            s.dpid
        );
    }
    let mut dpids: Vec<Dpid> = viola.ctl.switches().iter().map(|s| s.dpid).collect();
    dpids.sort_unstable();
    let want: Vec<Dpid> = topo.switches.iter().map(|s| s.dpid).collect();
    assert_eq!(dpids, want, "connected datapath ids");

    let expected = model_links(&topo);
    viola
        .wait_links(&expected, Duration::from_secs(15))
        .unwrap_or_else(|seen| {
            panic!(
                "{spec}: GET /api/v1/topology never listed exactly the model's links\n\
                 expected {expected:?}\nlast seen {seen:?}{}",
                ovs_diag(dir.path())
            )
        });
    let discovered = t0.elapsed();
    // Host ports flood only once settled; a user typing pingall would be that slow too.
    std::thread::sleep(viola.port_settle() + Duration::from_millis(200));

    let before = viola.data_packet_ins();
    let t = Instant::now();
    let report = lab.pingall().expect("pingall");
    let ping_time = t.elapsed();
    let rendered = report.render();
    assert!(
        report.all_ok(),
        "{spec} over OpenFlow {of:?}: pingall lost packets:\n{rendered}{}",
        lab_diag(&lab, &viola, dir.path())
    );
    let n = topo.hosts.len();
    assert_eq!(report.sent, n * (n - 1));
    assert!(rendered.contains("*** Results: 0% dropped"), "{rendered}");
    let ping_pis = viola.data_packet_ins().saturating_sub(before);
    // Per ordered pair at most: an ARP request seen once per switch (flooded along the tree),
    // then the ARP reply, the echo request and reply once per switch on the path.
    let budget = (report.sent * 4 * topo.switches.len()) as u64 + 50;
    assert!(
        ping_pis <= budget,
        "{spec}: {ping_pis} packet-ins for one pingall (budget {budget}): a storm?"
    );

    // Nothing circulates: once the pings stop, (almost) nothing reaches the controller.
    let q0 = viola.data_packet_ins();
    std::thread::sleep(QUIET);
    let quiet = viola.data_packet_ins().saturating_sub(q0);
    assert!(
        quiet <= QUIET_MAX,
        "{spec}: {quiet} packet-ins in {QUIET:?} without traffic: packets circulate"
    );

    // A second pingall rides on the installed flows (ARP caches are warm too).
    let before2 = viola.data_packet_ins();
    let t = Instant::now();
    let again = lab.pingall().expect("second pingall");
    let ping_time2 = t.elapsed();
    assert!(
        again.all_ok(),
        "{spec}: second pingall:\n{}{}",
        again.render(),
        lab_diag(&lab, &viola, dir.path())
    );
    let second_pis = viola.data_packet_ins().saturating_sub(before2);
    assert!(
        second_pis * 2 <= ping_pis.max(1) + report.sent as u64,
        "{spec}: the second pingall cost {second_pis} packet-ins (first {ping_pis}): \
         flows do not carry the traffic"
    );
    // The links are still exactly the model's (no host port mistaken for a link).
    assert_eq!(viola.rest_links(), expected, "{spec}: links after pingall");

    figure(format_args!(
        "{spec} OF{:?}: lab up {:.1}s, all switches at the controller {:.1}s and all links in \
         /topology {:.1}s after lab up began, pingall {}/{} in {:.2}s \
         ({} packet-ins), again in {:.2}s ({} packet-ins), {} in the quiet {:?}",
        of,
        built.as_secs_f64(),
        connect.as_secs_f64(),
        discovered.as_secs_f64(),
        report.received,
        report.sent,
        ping_time.as_secs_f64(),
        ping_pis,
        ping_time2.as_secs_f64(),
        second_pis,
        quiet,
        QUIET
    ));

    let down = lab.down().expect("lab down");
    assert_eq!(down.bridges.len(), topo.switches.len(), "{down:?}");
    assert_eq!(down.namespaces.len(), topo.hosts.len(), "{down:?}");
    assert!(
        down.stopped_daemons,
        "the lab started its OVS daemons: down stops them"
    );
    let left = leftovers(prefix, None);
    assert!(left.is_empty(), "left behind after lab down: {left:?}");
    assert!(
        viola_lab::running_vswitchd().is_empty(),
        "an ovs-vswitchd still runs after lab down"
    );
    assert!(
        !db.exists(),
        "the OVS database socket {} is still there",
        db.display()
    );
    drop(viola);
}

#[test]
fn tree_2_2_of13_pingall_and_clean_down() {
    isolated("tree_2_2_of13_pingall_and_clean_down", || {
        lab_case("tree,2,2", OfVersions::V13, "vt11-")
    });
}

#[test]
fn tree_2_2_of10_pingall_and_clean_down() {
    isolated("tree_2_2_of10_pingall_and_clean_down", || {
        lab_case("tree,2,2", OfVersions::V10, "vt12-")
    });
}

#[test]
fn linear_4_of13() {
    isolated("linear_4_of13", || {
        lab_case("linear,4", OfVersions::V13, "vt13-")
    });
}

#[test]
fn linear_4_of10() {
    isolated("linear_4_of10", || {
        lab_case("linear,4", OfVersions::V10, "vt14-")
    });
}

#[test]
fn tree_2_3_of13() {
    isolated("tree_2_3_of13", || {
        lab_case("tree,2,3", OfVersions::V13, "vt15-")
    });
}

#[test]
fn tree_2_3_of10() {
    isolated("tree_2_3_of10", || {
        lab_case("tree,2,3", OfVersions::V10, "vt16-")
    });
}

#[test]
fn ring_4_of13() {
    isolated("ring_4_of13", || {
        lab_case("ring,4", OfVersions::V13, "vt17-")
    });
}

#[test]
fn ring_4_of10() {
    isolated("ring_4_of10", || {
        lab_case("ring,4", OfVersions::V10, "vt18-")
    });
}

#[test]
fn mesh_3_of13() {
    isolated("mesh_3_of13", || {
        lab_case("mesh,3", OfVersions::V13, "vt19-")
    });
}

#[test]
fn mesh_3_of10() {
    isolated("mesh_3_of10", || {
        lab_case("mesh,3", OfVersions::V10, "vt20-")
    });
}

#[test]
fn torus_3_3_of13() {
    isolated("torus_3_3_of13", || {
        lab_case("torus,3,3", OfVersions::V13, "vt21-")
    });
}

#[test]
fn torus_3_3_of10() {
    isolated("torus_3_3_of10", || {
        lab_case("torus,3,3", OfVersions::V10, "vt22-")
    });
}
