//! The runtime on OpenFlow 1.4 and 1.5 switches: real Open vSwitch bridges speaking only
//! that version (userspace datapath, private daemons, the test's own network namespace)
//! and `topology,l2-learning`: the handshake negotiates the version, the switch is listed
//! with its ports, links are discovered, hosts reach each other through the flows
//! l2-learning installed, and `ovs-ofctl` reads those flows in the same version.
//!
//! Needs root and Open vSwitch; FAILS (never skips) with the reason when they are missing.

mod ovs_support;

use std::time::{Duration, Instant};

use openflow::Dpid;
use viola_framework::Config;
use viola_lab::isolate::{isolated_with, RunDir};
use viola_lab::OfVersions;

use ovs_support::{ping, Rig, Setup, TOOLS};

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn forwarding_on(prefix: &'static str, of: OfVersions, version: &str) {
    let mut setup = Setup::new(prefix, of);
    setup.topo = "linear,2";
    setup.apps = vec!["topology".into(), "l2-learning".into()];
    setup.config = Config::parse(&format!("of_versions = [\"{version}\"]\n")).expect("config");
    let rig = Rig::start(setup, RunDir::new(prefix));
    let s1 = rig.wait_switch(Dpid(1), Duration::from_secs(20));
    rig.wait_switch(Dpid(2), Duration::from_secs(20));
    assert_eq!(s1.version.to_string(), version);
    let listed = rig.get_json("/api/v1/switches");
    assert_eq!(listed[0]["version"], version, "{listed}");
    assert!(
        s1.ports.len() >= 2,
        "ports from the {version} port descriptions: {:?}",
        s1.ports
    );
    wait_until(
        "the link between the bridges",
        Duration::from_secs(15),
        || {
            rig.get_json("/api/v1/topology")["links"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        },
    );
    let lab = rig.lab();
    wait_until("h1 reaches h2", Duration::from_secs(20), || {
        ping(lab, "h1", "10.0.0.2", 1, "0.2").1 == 1
    });
    let (sent, received) = ping(lab, "h2", "10.0.0.1", 5, "0.2");
    assert_eq!((sent, received), (5, 5), "pings over {version}");
    let flows = rig.ofctl("dump-flows", &rig.bridge("s1"), &[]);
    assert!(
        flows
            .lines()
            .any(|l| l.contains("priority=100") && l.contains("dl_dst=")),
        "no l2-learning flow read back in {version}:\n{flows}"
    );
    println!("FIGURE OpenFlow {version} on OVS: handshake, links, 5/5 pings, flows read back");
    rig.finish();
}

#[test]
fn topology_and_l2_learning_on_openflow14() {
    isolated_with("topology_and_l2_learning_on_openflow14", TOOLS, || {
        forwarding_on("vf8-", OfVersions::V14, "1.4")
    });
}

#[test]
fn topology_and_l2_learning_on_openflow15() {
    isolated_with("topology_and_l2_learning_on_openflow15", TOOLS, || {
        forwarding_on("vf9-", OfVersions::V15, "1.5")
    });
}
