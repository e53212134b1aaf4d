//! The examples ported from Ryu on real Open vSwitch (userspace datapath, private daemons,
//! in the test's own network namespace), in one pipeline as `viola run --apps
//! topology,rest-firewall,l2-learning,simple-monitor` builds it:
//!
//! - rest-firewall: a deny rule added over REST is confirmed by the switches (barriers),
//!   appears in `ovs-ofctl dump-flows` with its cookie and priority, stops the pings it
//!   names and only those; removed, the pings pass again;
//! - simple-monitor: the rates of every port of both bridges, at its REST route and as
//!   metrics, from real port statistics.
//!
//! Needs root and Open vSwitch; FAILS (never skips) with the reason when they are missing.

mod ovs_support;

use std::time::{Duration, Instant};

use openflow::Dpid;
use reqwest::Method;
use serde_json::json;
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

fn firewall_and_monitor_body() {
    let prefix = "vfe-";
    let mut setup = Setup::new(prefix, OfVersions::V13);
    setup.topo = "linear,2";
    setup.apps = ["topology", "rest-firewall", "l2-learning", "simple-monitor"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    setup.config = Config::parse("[apps.simple-monitor]\ninterval_s = 0.5\n").expect("config");
    let rig = Rig::start(setup, RunDir::new(prefix));
    rig.wait_switch(Dpid(1), Duration::from_secs(20));
    rig.wait_switch(Dpid(2), Duration::from_secs(20));
    let lab = rig.lab();

    // Forwarding works before any rule (l2-learning behind the firewall).
    wait_until("h1 reaches h2", Duration::from_secs(20), || {
        ping(lab, "h1", "10.0.0.2", 1, "0.2").1 == 1
    });

    let rule = json!({"priority": 10, "match": {"eth_type": 2048, "ipv4_dst": "10.0.0.2"}, "action": "deny"});
    let (status, body) = rig.call(Method::POST, "/api/v1/firewall/rules", Some(&rule));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["failed"], json!({}), "both bridges confirmed: {body}");
    for bridge in [rig.bridge("s1"), rig.bridge("s2")] {
        let flows = rig.ofctl("dump-flows", &bridge, &[]);
        let line = flows
            .lines()
            .find(|l| l.contains("cookie=0xf1e30a11"))
            .unwrap_or_else(|| panic!("no firewall flow on {bridge}:\n{flows}"));
        assert!(
            line.contains("priority=1010")
                && line.contains("nw_dst=10.0.0.2")
                && line.contains("actions=drop"),
            "{line}"
        );
    }
    let (sent, received) = ping(lab, "h1", "10.0.0.2", 3, "0.2");
    assert_eq!((sent, received), (3, 0), "the denied pings got through");
    let (_, received) = ping(lab, "h2", "10.0.0.1", 3, "0.2");
    assert_eq!(received, 0, "replies to 10.0.0.2 are denied too");

    let id = body["id"].as_u64().expect("rule id");
    let (status, body) = rig.call(
        Method::DELETE,
        &format!("/api/v1/firewall/rules/{id}"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    wait_until(
        "pings pass once the rule is gone",
        Duration::from_secs(10),
        || ping(lab, "h1", "10.0.0.2", 1, "0.2").1 == 1,
    );
    let flows = rig.ofctl("dump-flows", &rig.bridge("s1"), &[]);
    assert!(!flows.contains("cookie=0xf1e30a11"), "{flows}");

    // The monitor saw both bridges' ports; the traffic above moved packets on them.
    wait_until("rates of both bridges", Duration::from_secs(10), || {
        let ports = rig.get_json("/api/v1/monitor/ports");
        ["0000000000000001", "0000000000000002"]
            .iter()
            .all(|d| ports[*d].as_object().is_some_and(|p| !p.is_empty()))
    });
    let text = rig.metrics_text();
    assert!(
        text.lines()
            .any(|l| l
                .starts_with("viola_monitor_port_rx_packets_per_second{dpid=\"0000000000000002\"")),
        "no rate series at /metrics"
    );
    println!(
        "FIGURE examples on OVS: firewall rule confirmed on 2 bridges, ports monitored: {}",
        rig.get_json("/api/v1/monitor/ports")
    );
    rig.finish();
}

#[test]
fn rest_firewall_and_simple_monitor_on_ovs() {
    isolated_with(
        "rest_firewall_and_simple_monitor_on_ovs",
        TOOLS,
        firewall_and_monitor_body,
    );
}
