//! The controller runtime against real Open vSwitch 3.1 (userspace datapath, private
//! daemons, each test in a fresh network namespace): the switch list, flows pushed and
//! deleted over REST, metrics, and a restart of `ovs-vswitchd`.
//!
//! Needs root and Open vSwitch; FAILS (never skips) with the reason when they are missing.

mod ovs_support;

use openflow::Dpid;
use std::time::Duration;

use openflow::{FlowStatsRequest, StatsReplyBody, StatsRequest};
use serde_json::{json, Value};
use viola_framework::{Config, ControllerEvent};
use viola_lab::isolate::{isolated_with, RunDir};
use viola_lab::OfVersions;

use ovs_support::{json_ports, metric, ofctl_show_ports, Rig, Setup, TOOLS};

/// Datapath id of `s1` in every lab here.
const DPID: Dpid = Dpid(1);
const CONNECT: Duration = Duration::from_secs(20);

/// Polls `f` every 20 ms for up to 10 s.
fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn version_name(of: OfVersions) -> &'static str {
    match of {
        OfVersions::V10 => "1.0",
        _ => "1.3",
    }
}

/// Test 1: the bridge connects; `GET /api/v1/switches` lists it with the dpid, the
/// negotiated version and the ports `ovs-ofctl show` reports.
fn check_switch_listed(prefix: &'static str, of: OfVersions) {
    let rig = Rig::start(Setup::new(prefix, of), RunDir::new(prefix));
    let info = rig.wait_switch(DPID, CONNECT);
    println!(
        "FIGURE OF {}: switch up {} ms after `lab up` began (bridge creation included)",
        version_name(of),
        rig.lab_started.elapsed().as_millis()
    );
    let list = rig.get_json("/api/v1/switches");
    let list = list.as_array().expect("a JSON array");
    assert_eq!(list.len(), 1, "{list:?}");
    let sw = &list[0];
    assert_eq!(sw["dpid"], json!(DPID.to_string()), "{sw}");
    assert_eq!(sw["version"], json!(version_name(of)), "{sw}");
    assert!(
        sw["address"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:")),
        "{sw}"
    );

    let bridge = rig.bridge("s1");
    let show = rig.ofctl("show", &bridge, &[]);
    assert!(show.contains(&format!("dpid:{}", DPID)), "{show}");
    let want = ofctl_show_ports(&show);
    // single,2: two host ports and the bridge's own port.
    assert_eq!(want.len(), 3, "ports in ovs-ofctl show:\n{show}");
    assert!(
        want.contains(&("LOCAL".to_string(), bridge.clone())),
        "{want:?}"
    );
    assert_eq!(
        json_ports(sw),
        want,
        "ports: REST vs ovs-ofctl show:\n{show}"
    );
    let n_tables = show
        .split("n_tables:")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("n_tables in ovs-ofctl show");
    assert_eq!(sw["n_tables"], json!(n_tables), "{sw}");
    assert_eq!(u64::from(info.n_tables), n_tables);

    // A port added to the bridge arrives as PORT_STATUS and shows in the list; a deleted
    // one goes away — the list keeps matching `ovs-ofctl show`.
    let extra = format!("{prefix}s1-p9");
    rig.ovs()
        .vsctl(&[
            "add-port",
            &bridge,
            &extra,
            "--",
            "set",
            "Interface",
            &extra,
            "type=internal",
            "ofport_request=9",
        ])
        .unwrap_or_else(|e| panic!("add-port {extra}: {e}{}", rig.diag()));
    let has_port = |yes: bool| {
        wait_until(&format!("port 9 listed = {yes}"), || {
            rig.ctl
                .switch(DPID)
                .is_some_and(|s| s.ports.iter().any(|p| p.port_no == 9 && p.name == extra) == yes)
        })
    };
    has_port(true);
    let show = rig.ofctl("show", &bridge, &[]);
    let want = ofctl_show_ports(&show);
    assert_eq!(want.len(), 4, "{show}");
    let list = rig.get_json("/api/v1/switches");
    assert_eq!(json_ports(&list[0]), want, "after add-port:\n{show}");
    rig.ovs()
        .vsctl(&["del-port", &bridge, &extra])
        .unwrap_or_else(|e| panic!("del-port {extra}: {e}"));
    has_port(false);
    let list = rig.get_json("/api/v1/switches");
    assert_eq!(json_ports(&list[0]).len(), 3, "{list}");

    // One switch by path, and an unknown one is a JSON 404.
    let one = rig.get_json(&format!("/api/v1/switches/{}", DPID));
    assert_eq!(one["dpid"], sw["dpid"]);
    let (status, err) = rig.call(
        reqwest::Method::GET,
        "/api/v1/switches/00000000000000ff",
        None,
    );
    assert_eq!(status, 404, "{err}");
    rig.finish();
}

/// The flow of the example body in docs/src/rest.md, `POST …/flows` (for switch `s1`).
fn spec_flow() -> Value {
    json!({"table_id": 0, "priority": 321, "cookie": 7, "idle_timeout": 0, "hard_timeout": 0,
           "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"},
           "actions": [{"type": "OUTPUT", "port": 2}]})
}

/// `dump-flows` lines without their counters: `cookie=0x7, priority=321,ip,… actions=…`.
fn dump_flows(rig: &Rig, bridge: &str) -> Vec<String> {
    let text = rig.ofctl("dump-flows", bridge, &["--no-stats"]);
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("NXST_FLOW") && !l.starts_with("OFPST_FLOW"))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The flows of `GET …/flows` with priority `prio`.
fn rest_flows(rig: &Rig, prio: u64) -> Vec<Value> {
    let v = rig.get_json(&format!("/api/v1/switches/{}/flows", DPID));
    v["flows"]
        .as_array()
        .unwrap_or_else(|| panic!("no flows array in {v}"))
        .iter()
        .filter(|f| f["priority"] == json!(prio))
        .cloned()
        .collect()
}

/// Output ports of a flow's APPLY_ACTIONS instructions (1.0 actions come back the same way).
fn output_ports(flow: &Value) -> Vec<Value> {
    flow["instructions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["type"] == json!("APPLY_ACTIONS"))
        .flat_map(|i| i["actions"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["type"] == json!("OUTPUT"))
        .map(|a| a["port"].clone())
        .collect()
}

/// Test 2: a flow POSTed over REST shows in `ovs-ofctl dump-flows` exactly, `GET` returns
/// it, `DELETE` removes it (and only it).
fn check_flows(prefix: &'static str, of: OfVersions) {
    let rig = Rig::start(Setup::new(prefix, of), RunDir::new(prefix));
    rig.wait_switch(DPID, CONNECT);
    let bridge = rig.bridge("s1");
    let path = format!("/api/v1/switches/{}/flows", DPID);
    assert!(
        dump_flows(&rig, &bridge).is_empty(),
        "no app installs flows here"
    );

    let t0 = std::time::Instant::now();
    let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&spec_flow()));
    println!(
        "FIGURE OF {}: POST one flow (FLOW_MOD + barrier) {} ms",
        version_name(of),
        t0.elapsed().as_millis()
    );
    assert_eq!(status, 200, "POST flows: {body}{}", rig.diag());
    assert_eq!(body["flow_mods"], json!(1), "{body}");
    // A second flow that the DELETE below must leave alone.
    let other = json!({"priority": 100, "cookie": 8, "match": {"in_port": 2},
                       "actions": [{"type": "OUTPUT", "port": 1}]});
    let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&other));
    assert_eq!(status, 200, "POST flows: {body}");

    // The switch has them as posted (the barrier of the POST fenced them).
    assert_eq!(
        dump_flows(&rig, &bridge),
        vec![
            "cookie=0x7, priority=321,ip,in_port=1,nw_dst=10.9.9.9 actions=output:2".to_string(),
            "cookie=0x8, priority=100,in_port=2 actions=output:1".to_string(),
        ]
    );

    // GET reads them back from the switch.
    let got = rest_flows(&rig, 321);
    assert_eq!(got.len(), 1, "{got:?}");
    let f = &got[0];
    assert_eq!(f["cookie"], json!(7), "{f}");
    assert_eq!(f["table_id"], json!(0), "{f}");
    assert_eq!(
        (f["idle_timeout"].clone(), f["hard_timeout"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(
        f["match"],
        json!({"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"}),
        "{f}"
    );
    assert_eq!(output_ports(f), vec![json!(2)], "{f}");
    assert_eq!(rest_flows(&rig, 100).len(), 1);

    // DELETE (strict, this priority and match) removes only that flow.
    let del = json!({"command": "delete_strict", "priority": 321,
                     "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"}});
    let (status, body) = rig.call(reqwest::Method::DELETE, &path, Some(&del));
    assert_eq!(status, 200, "DELETE flows: {body}");
    assert_eq!(
        dump_flows(&rig, &bridge),
        vec!["cookie=0x8, priority=100,in_port=2 actions=output:1".to_string()]
    );
    assert!(rest_flows(&rig, 321).is_empty());

    // Many flows: the flow-stats reply of OVS comes in several parts (each ≤ 64 KiB) and
    // GET must return them all.
    const MANY: usize = 1500;
    let many: Vec<Value> = (0..MANY)
        .map(|i| {
            json!({"priority": 1000, "cookie": 0x100,
                   "match": {"eth_type": 2048, "ipv4_dst": format!("10.1.{}.{}", i / 250, i % 250 + 1)},
                   "actions": [{"type": "OUTPUT", "port": 2}]})
        })
        .collect();
    let t0 = std::time::Instant::now();
    let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&Value::Array(many)));
    let post_ms = t0.elapsed().as_millis();
    assert_eq!(status, 200, "POST {MANY} flows: {body}");
    assert_eq!(body["flow_mods"], json!(MANY), "{body}");
    let t0 = std::time::Instant::now();
    let got = rest_flows(&rig, 1000);
    let get_ms = t0.elapsed().as_millis();
    assert_eq!(got.len(), MANY, "GET after {MANY} flows");
    assert!(got.iter().all(|f| f["cookie"] == json!(0x100)));
    assert_eq!(dump_flows(&rig, &bridge).len(), MANY + 1);
    let parts = rig
        .block_on(
            rig.ctl
                .request(DPID, &StatsRequest::Flow(FlowStatsRequest::default())),
        )
        .expect("flow stats request");
    let entries: usize = parts
        .iter()
        .map(|p| match &p.body {
            StatsReplyBody::Flow(v) => v.len(),
            _ => 0,
        })
        .sum();
    assert!(
        parts.len() > 1,
        "OVS split the reply: {} part(s)",
        parts.len()
    );
    assert_eq!(entries, MANY + 1);
    println!(
        "FIGURE OF {}: POST {MANY} flows in one body {post_ms} ms; GET them back {get_ms} ms \
         (flow stats in {} parts)",
        version_name(of),
        parts.len()
    );

    // DELETE without a body empties the table.
    let (status, body) = rig.call(reqwest::Method::DELETE, &path, None);
    assert_eq!(status, 200, "DELETE all: {body}");
    assert!(dump_flows(&rig, &bridge).is_empty());
    let all = rig.get_json(&path);
    assert_eq!(all["flows"], json!([]), "{all}");

    // A flow OVS refuses (1.3: a table it does not have) comes back as a 4xx, and the
    // switch stays connected.
    if of == OfVersions::V13 {
        let bad = json!({"table_id": 254, "priority": 1, "match": {}, "actions": []});
        let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&bad));
        assert!((400..500).contains(&status), "table 254: {status} {body}");
    }
    assert!(rig.ctl.switch(DPID).is_some());
    rig.finish();
}

/// Test 3: `/metrics` counts what the switch sent.
fn check_metrics(prefix: &'static str, of: OfVersions) {
    let mut setup = Setup::new(prefix, of);
    let mut cfg = Config::default();
    cfg.openflow.echo_interval = 0.2;
    setup.config = cfg;
    let rig = Rig::start(setup, RunDir::new(prefix));
    rig.wait_switch(DPID, CONNECT);
    // Echo requests go out every 0.2 s; wait until a reply was timed.
    let series = "viola_echo_rtt_seconds_count";
    let start = std::time::Instant::now();
    let text = loop {
        let text = rig.metrics_text();
        if metric(&text, series).is_some_and(|n| n >= 1.0) {
            break text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no echo RTT observed:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let get = |s: &str| metric(&text, s).unwrap_or_else(|| panic!("no series {s} in:\n{text}"));
    assert_eq!(get("viola_switches_connected"), 1.0);
    assert!(get("viola_messages_received_total{type=\"HELLO\"}") >= 1.0);
    assert!(get("viola_messages_received_total{type=\"FEATURES_REPLY\"}") >= 1.0);
    assert!(get("viola_messages_received_total{type=\"ECHO_REPLY\"}") >= 1.0);
    assert!(get("viola_messages_sent_total{type=\"FEATURES_REQUEST\"}") >= 1.0);
    assert!(get("viola_messages_sent_total{type=\"ECHO_REQUEST\"}") >= 1.0);
    assert!(get("viola_echo_rtt_seconds_sum") > 0.0);
    // Real OVS sends nothing our codec rejects.
    assert_eq!(
        metric(&text, "viola_decode_errors_total").unwrap_or(0.0),
        0.0,
        "{text}"
    );
    rig.finish();
}

/// Test 4: `ovs-vswitchd` stops and starts again; the switch comes back to the same
/// running controller.
fn check_restart(prefix: &'static str, of: OfVersions) {
    let rig = Rig::start(Setup::new(prefix, of), RunDir::new(prefix));
    let mut events = rig.ctl.subscribe();
    let first = rig.wait_switch(DPID, CONNECT);
    rig.stop_vswitchd();
    let mut seen = Vec::new();
    let wait_for = |events: &mut tokio::sync::broadcast::Receiver<ControllerEvent>,
                    seen: &mut Vec<String>,
                    want: &str| {
        rig.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            seen.push(format!("{} {:?}", e.name(), e));
                            let dpid = match &e {
                                ControllerEvent::SwitchUp { dpid, .. }
                                | ControllerEvent::SwitchDown { dpid } => Some(*dpid),
                                _ => None,
                            };
                            if e.name() == want && dpid == Some(DPID) {
                                return;
                            }
                        }
                        Err(e) => panic!("event stream: {e}"),
                    }
                }
            })
            .await
        })
    };
    // The SwitchUp of the first connection may still be queued: skip to the SwitchDown.
    assert!(
        wait_for(&mut events, &mut seen, "switch_down").is_ok(),
        "no switch_down after ovs-vswitchd stopped; events: {seen:?}"
    );
    assert!(rig.ctl.switch(DPID).is_none());
    assert_eq!(rig.get_json("/api/v1/switches"), json!([]));

    rig.start_vswitchd();
    let t0 = std::time::Instant::now();
    assert!(
        wait_for(&mut events, &mut seen, "switch_up").is_ok(),
        "no switch_up after ovs-vswitchd restarted; events: {seen:?}{}",
        rig.diag()
    );
    let again = rig.wait_switch(DPID, CONNECT);
    println!(
        "FIGURE ovs-vswitchd restarted: switch up again {} ms after it started",
        t0.elapsed().as_millis()
    );
    assert_ne!(again.addr, first.addr, "a new connection");
    assert_eq!(again.version, first.version);
    assert_eq!(again.ports.len(), first.ports.len());
    let list = rig.get_json("/api/v1/switches");
    assert_eq!(list[0]["dpid"], json!(DPID.to_string()), "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    // The new connection works: a flow round trip through the switch.
    let path = format!("/api/v1/switches/{}/flows", DPID);
    let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&spec_flow()));
    assert_eq!(status, 200, "{body}");
    assert_eq!(rest_flows(&rig, 321).len(), 1);
    rig.finish();
}

/// A hung `ovs-vswitchd` (SIGSTOP: the TCP connection stays open, nothing answers) is
/// declared dead by the echo timeout; after SIGCONT the bridge reconnects.
fn check_hung_switch(prefix: &'static str, of: OfVersions) {
    let mut setup = Setup::new(prefix, of);
    let mut cfg = Config::default();
    cfg.openflow.echo_interval = 0.3;
    cfg.openflow.echo_misses = 2;
    setup.config = cfg;
    let rig = Rig::start(setup, RunDir::new(prefix));
    let first = rig.wait_switch(DPID, CONNECT);
    let pid = rig.ovs().pid("ovs-vswitchd").expect("ovs-vswitchd pid");
    let signal = |sig: &str| {
        let st = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .expect("kill");
        assert!(st.success(), "kill {sig} {pid}");
    };
    signal("-STOP");
    let t0 = std::time::Instant::now();
    let dropped = (|| {
        while t0.elapsed() < Duration::from_secs(10) {
            if rig.ctl.switch(DPID).is_none() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    })();
    let dead_after = t0.elapsed();
    signal("-CONT");
    assert!(dropped, "a stopped ovs-vswitchd was never declared dead");
    // echo_interval 0.3 s × 2 misses: about 0.6–0.9 s, never before the first echo is due.
    assert!(
        dead_after >= Duration::from_millis(300),
        "declared dead too early: {dead_after:?}"
    );
    let again = rig.wait_switch(DPID, CONNECT);
    assert_ne!(again.addr, first.addr, "a new connection after SIGCONT");
    println!(
        "FIGURE hung ovs-vswitchd declared dead after {} ms (echo 0.3 s x 2), back {} ms after SIGCONT",
        dead_after.as_millis(),
        (t0.elapsed() - dead_after).as_millis()
    );
    rig.finish();
}

fn switch_is_listed_of10_body() {
    check_switch_listed("vf1-", OfVersions::V10);
}
fn switch_is_listed_of13_body() {
    check_switch_listed("vf2-", OfVersions::V13);
}
fn flows_round_trip_of10_body() {
    check_flows("vf3-", OfVersions::V10);
}
fn flows_round_trip_of13_body() {
    check_flows("vf4-", OfVersions::V13);
}
fn metrics_count_messages_body() {
    check_metrics("vf5-", OfVersions::V13);
}
fn ovs_restart_reconnects_body() {
    check_restart("vf6-", OfVersions::V13);
}

fn hung_switch_body() {
    check_hung_switch("vf7-", OfVersions::V13);
}

#[test]
fn hung_ovs_is_dropped_and_comes_back() {
    isolated_with(
        "hung_ovs_is_dropped_and_comes_back",
        TOOLS,
        hung_switch_body,
    );
}

#[test]
fn switch_is_listed_of10() {
    isolated_with("switch_is_listed_of10", TOOLS, switch_is_listed_of10_body);
}

#[test]
fn switch_is_listed_of13() {
    isolated_with("switch_is_listed_of13", TOOLS, switch_is_listed_of13_body);
}

#[test]
fn flows_round_trip_of10() {
    isolated_with("flows_round_trip_of10", TOOLS, flows_round_trip_of10_body);
}

#[test]
fn flows_round_trip_of13() {
    isolated_with("flows_round_trip_of13", TOOLS, flows_round_trip_of13_body);
}

#[test]
fn metrics_count_messages() {
    isolated_with("metrics_count_messages", TOOLS, metrics_count_messages_body);
}

#[test]
fn ovs_restart_reconnects() {
    isolated_with("ovs_restart_reconnects", TOOLS, ovs_restart_reconnects_body);
}
