//! Ryu's ofctl_rest API (`--apps ofctl-rest`) on real Open vSwitch (userspace datapath,
//! private daemons, the test's own network namespace), one bridge per test:
//!
//! - OpenFlow 1.0: a Ryu-style curl session — flowentry add, dump, modify_strict,
//!   delete_strict, clear — each effect read in `ovs-ofctl dump-flows` and back through
//!   `GET /stats/flow`; desc, port, portdesc, table, aggregateflow answered in Ryu's shape;
//!   group routes are 501 as in Ryu;
//! - OpenFlow 1.3: groupentry and meterentry add/modify/delete seen in `dump-groups` /
//!   `dump-meters`, a flow using both seen in `dump-flows` and read back with Ryu's
//!   instruction strings, the group/meter/role GET routes, and a role change.
//!
//! Needs root and Open vSwitch; FAILS (never skips) with the reason when they are missing.

mod ovs_support;

use std::time::Duration;

use openflow::{Dpid, FlowStatsRequest, Neutral, StatsRequest, Version};
use reqwest::Method;
use serde_json::{json, Value};
use viola_lab::isolate::{isolated_with, RunDir};
use viola_lab::OfVersions;

use ovs_support::{ofctl_show_ports, Rig, Setup, TOOLS};

fn start(prefix: &'static str, of: OfVersions) -> Rig {
    let mut setup = Setup::new(prefix, of);
    setup.topo = "single,2";
    setup.apps = vec!["ofctl-rest".to_string()];
    let rig = Rig::start(setup, RunDir::new(prefix));
    rig.wait_switch(Dpid(1), Duration::from_secs(20));
    rig
}

/// POSTs a command; Ryu answers 200 with an empty body.
fn command(rig: &Rig, path: &str, body: Value) {
    let (status, reply) = rig.call(Method::POST, path, Some(&body));
    assert_eq!(status, 200, "POST {path} {body}: {reply}");
}

/// The flows of `GET /stats/flow/1` (Ryu's list under the decimal dpid).
fn flows(rig: &Rig) -> Vec<Value> {
    rig.get_json("/stats/flow/1")["1"]
        .as_array()
        .expect("a list under \"1\"")
        .clone()
}

/// The line of `dump-flows` with `needle`, if any.
fn flow_line(rig: &Rig, needle: &str) -> Option<String> {
    let dump = rig.ofctl("dump-flows", &rig.bridge("s1"), &[]);
    dump.lines()
        .find(|l| l.contains(needle))
        .map(str::to_string)
}

/// With `VIOLA_OFCTL_VECTORS=DIR`, writes the switch's raw replies to the stats requests
/// the routes send, one `DIR/{version}-{route}.json` each (`{"version", "route",
/// "frames": [hex…]}`): the input of `apps/ofctl-rest/tests/osken/expected.py`, which
/// adds os-ken's answer to them (the vectors of `apps/ofctl-rest/tests/osken_vectors.rs`).
/// Without it, nothing is written.
fn capture_replies(rig: &Rig, v: Version, routes: &[(&str, StatsRequest)]) {
    let Some(dir) = std::env::var_os("VIOLA_OFCTL_VECTORS") else {
        return;
    };
    for (route, req) in routes {
        let msg = req.to_message(v).expect("a request of this version");
        let parts = rig
            .block_on(rig.ctl.request_message(Dpid(1), msg))
            .unwrap_or_else(|e| panic!("{route}: {e}"));
        let frames: Vec<String> = parts
            .iter()
            .map(|m| hex::encode(m.to_bytes(1).expect("re-encodes")))
            .collect();
        let doc = json!({"version": v.to_string(), "route": route, "frames": frames});
        let path = std::path::Path::new(&dir).join(format!("{v}-{route}.json"));
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&doc).expect("json") + "\n",
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// `portdesc/modify` takes port 2 down and up again, as `ovs-ofctl show` and
/// `GET /stats/portdesc` report.
fn port_down_and_up(rig: &Rig) {
    let show_config = || {
        let show = rig.ofctl("show", &rig.bridge("s1"), &[]);
        let after = show
            .split(" 2(")
            .nth(1)
            .expect("port 2 in ovs-ofctl show")
            .to_string();
        let line = after
            .lines()
            .find(|l| l.contains("config:"))
            .unwrap_or_default()
            .to_string();
        line
    };
    command(
        rig,
        "/stats/portdesc/modify",
        json!({"dpid": 1, "port_no": 2, "config": 1, "mask": 1}),
    );
    assert!(show_config().contains("PORT_DOWN"), "{}", show_config());
    let desc = rig.get_json("/stats/portdesc/1/2");
    assert_eq!(desc["1"][0]["config"], 1, "{desc}");
    command(
        rig,
        "/stats/portdesc/modify",
        json!({"dpid": 1, "port_no": 2, "config": 0, "mask": 1}),
    );
    assert!(!show_config().contains("PORT_DOWN"), "{}", show_config());
    let (status, _) = rig.call(
        Method::POST,
        "/stats/portdesc/modify",
        Some(&json!({"dpid": 1, "port_no": 77})),
    );
    assert_eq!(status, 404, "an unknown port");
}

fn of10_body() {
    let rig = start("vo10-", OfVersions::V10);
    assert_eq!(rig.get_json("/stats/switches"), json!([1]));

    let web = json!({"in_port": 1, "dl_type": 2048, "nw_dst": "10.0.0.0/24", "nw_proto": 6,
                     "tp_dst": 80});
    command(
        &rig,
        "/stats/flowentry/add",
        json!({"dpid": 1, "cookie": 119, "priority": 1234, "match": web,
               "actions": [{"type": "OUTPUT", "port": 2}]}),
    );
    let line = flow_line(&rig, "priority=1234").expect("the added flow in dump-flows");
    for part in [
        "cookie=0x77",
        "in_port=1",
        "nw_dst=10.0.0.0/24",
        "tp_dst=80",
        "actions=output:2",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    let every_flow = || StatsRequest::Flow(FlowStatsRequest::default());
    capture_replies(
        &rig,
        Version::V1_0,
        &[
            ("desc", StatsRequest::Desc),
            ("flow", every_flow()),
            ("table", StatsRequest::Table),
            (
                "port",
                StatsRequest::Port {
                    port_no: openflow::port::ANY,
                },
            ),
        ],
    );
    let f = flows(&rig);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["actions"], json!(["OUTPUT:2"]));
    assert_eq!(f[0]["match"], web);
    assert_eq!(
        (f[0]["priority"].clone(), f[0]["cookie"].clone()),
        (json!(1234), json!(119))
    );

    command(
        &rig,
        "/stats/flowentry/modify_strict",
        json!({"dpid": 1, "priority": 1234, "match": web,
               "actions": [{"type": "OUTPUT", "port": "CONTROLLER"}]}),
    );
    let line = flow_line(&rig, "priority=1234").expect("the modified flow");
    assert!(line.contains("actions=CONTROLLER"), "{line}");
    assert_eq!(flows(&rig)[0]["actions"], json!(["OUTPUT:CONTROLLER"]));

    command(
        &rig,
        "/stats/flowentry/add",
        json!({"dpid": 1, "match": {"dl_src": "00:00:00:00:00:01"}, "actions": []}),
    );
    let line = flow_line(&rig, "dl_src=00:00:00:00:00:01").expect("the second flow");
    // ovs-ofctl omits the default priority: Ryu's 1.0 default is OpenFlow's 0x8000.
    assert!(
        !line.contains("priority=") && line.contains("actions=drop"),
        "{line}"
    );
    assert!(
        flows(&rig).iter().any(|f| f["priority"] == 32768),
        "{:?}",
        flows(&rig)
    );
    let agg = rig.get_json("/stats/aggregateflow/1");
    assert_eq!(agg["1"][0]["flow_count"], 2, "{agg}");
    let (status, filtered) = rig.call(
        Method::POST,
        "/stats/flow/1",
        Some(&json!({"priority": 1234})),
    );
    assert_eq!(
        (status, filtered["1"].as_array().map(Vec::len)),
        (200, Some(1))
    );

    command(
        &rig,
        "/stats/flowentry/delete_strict",
        json!({"dpid": 1, "priority": 1234, "match": web}),
    );
    assert_eq!(
        flow_line(&rig, "priority=1234"),
        None,
        "delete_strict left the flow"
    );
    assert_eq!(flows(&rig).len(), 1);
    let (status, reply) = rig.call(Method::DELETE, "/stats/flowentry/clear/1", None);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(flow_line(&rig, "priority="), None, "clear left flows");
    assert_eq!(rig.get_json("/stats/flow/1"), json!({"1": []}));

    let desc = rig.get_json("/stats/desc/1");
    assert!(
        desc["1"]["mfr_desc"]
            .as_str()
            .is_some_and(|s| s.contains("Nicira")),
        "{desc}"
    );
    let ports = rig.get_json("/stats/port/1");
    let numbers: Vec<&Value> = ports["1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["port_no"])
        .collect();
    assert!(
        numbers.contains(&&json!(1)) && numbers.contains(&&json!(2)),
        "{ports}"
    );
    assert!(ports["1"][0].get("rx_crc_err").is_some(), "{ports}");
    let descs = rig.get_json("/stats/portdesc/1/2");
    assert_eq!(descs["1"].as_array().map(Vec::len), Some(1), "{descs}");
    let show = rig.ofctl("show", &rig.bridge("s1"), &[]);
    let (_, name) = ofctl_show_ports(&show)
        .into_iter()
        .find(|(no, _)| no == "2")
        .expect("port 2 in ovs-ofctl show");
    assert_eq!(descs["1"][0]["name"], name.as_str(), "{descs}");
    assert_eq!(descs["1"][0]["port_no"], 2, "{descs}");
    let tables = rig.get_json("/stats/table/1");
    assert!(tables["1"][0].get("max_entries").is_some(), "{tables}");
    for path in [
        "/stats/group/1",
        "/stats/tablefeatures/1",
        "/stats/queueconfig/1",
    ] {
        let (status, _) = rig.call(Method::GET, path, None);
        assert_eq!(status, 501, "{path} on a 1.0 switch");
    }
    port_down_and_up(&rig);
    rig.finish();
}

fn of13_body() {
    let rig = start("vo13-", OfVersions::V13);
    command(
        &rig,
        "/stats/groupentry/add",
        json!({"dpid": 1, "type": "ALL", "group_id": 1,
               "buckets": [{"actions": [{"type": "OUTPUT", "port": 1}]},
                           {"actions": [{"type": "OUTPUT", "port": 2}]}]}),
    );
    command(
        &rig,
        "/stats/meterentry/add",
        json!({"dpid": 1, "meter_id": 1, "flags": "KBPS",
               "bands": [{"type": "DROP", "rate": 1000}]}),
    );
    let groups = rig.ofctl("dump-groups", &rig.bridge("s1"), &[]);
    assert!(
        groups.contains("group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2"),
        "{groups}"
    );
    let meters = rig.ofctl("dump-meters", &rig.bridge("s1"), &[]);
    assert!(
        meters.contains("meter=1 kbps") && meters.contains("type=drop rate=1000"),
        "{meters}"
    );

    command(
        &rig,
        "/stats/flowentry/add",
        json!({"dpid": 1, "table_id": 0, "priority": 500,
               "match": {"in_port": 1, "eth_type": 2048, "ipv4_src": "10.0.0.1"},
               "actions": [{"type": "METER", "meter_id": 1}, {"type": "GROUP", "group_id": 1}]}),
    );
    let line = flow_line(&rig, "priority=500").expect("the metered flow");
    assert!(
        line.contains("meter:1") && line.contains("group:1"),
        "{line}"
    );
    capture_replies(
        &rig,
        Version::V1_3,
        &[
            ("desc", StatsRequest::Desc),
            ("flow", StatsRequest::Flow(FlowStatsRequest::default())),
            ("table", StatsRequest::Table),
            (
                "port",
                StatsRequest::Port {
                    port_no: openflow::port::ANY,
                },
            ),
            ("portdesc", StatsRequest::PortDesc),
            (
                "group",
                StatsRequest::Group {
                    group_id: 0xffff_fffc,
                },
            ),
            ("groupdesc", StatsRequest::GroupDesc),
            (
                "meter",
                StatsRequest::Meter {
                    meter_id: 0xffff_ffff,
                },
            ),
            (
                "meterconfig",
                StatsRequest::MeterConfig {
                    meter_id: 0xffff_ffff,
                },
            ),
        ],
    );
    let f = flows(&rig);
    assert_eq!(f[0]["actions"], json!(["METER:1", "GROUP:1"]), "{f:?}");
    assert_eq!(
        f[0]["match"],
        json!({"in_port": 1, "dl_type": 2048, "nw_src": "10.0.0.1"})
    );

    let desc = rig.get_json("/stats/groupdesc/1");
    assert_eq!(
        desc["1"][0],
        json!({"group_id": 1, "type": "ALL", "buckets": [
            {"weight": 0, "watch_port": 4294967295u32, "watch_group": 4294967295u32,
             "actions": ["OUTPUT:1"]},
            {"weight": 0, "watch_port": 4294967295u32, "watch_group": 4294967295u32,
             "actions": ["OUTPUT:2"]}]}),
        "{desc}"
    );
    let stats = rig.get_json("/stats/group/1/1");
    assert_eq!(
        (
            stats["1"][0]["group_id"].clone(),
            stats["1"][0]["ref_count"].clone()
        ),
        (json!(1), json!(1)),
        "{stats}"
    );
    let features = rig.get_json("/stats/groupfeatures/1");
    assert!(
        features["1"][0]["types"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("ALL"))),
        "{features}"
    );
    let config = rig.get_json("/stats/meterconfig/1/1");
    let c = &config["1"][0];
    assert_eq!(
        (c["meter_id"].clone(), c["flags"].clone()),
        (json!(1), json!(["KBPS"])),
        "{config}"
    );
    // Without the BURST flag OVS reports its own burst size: only type and rate are ours.
    assert_eq!(
        (c["bands"][0]["type"].clone(), c["bands"][0]["rate"].clone()),
        (json!("DROP"), json!(1000)),
        "{config}"
    );
    let meter = rig.get_json("/stats/meter/1");
    assert_eq!(
        (
            meter["1"][0]["meter_id"].clone(),
            meter["1"][0]["flow_count"].clone()
        ),
        (json!(1), json!(1)),
        "{meter}"
    );
    let mf = rig.get_json("/stats/meterfeatures/1");
    assert!(
        mf["1"][0]["band_types"]
            .as_array()
            .is_some_and(|b| b.contains(&json!("DROP"))),
        "{mf}"
    );

    // Non-strict modify: every flow of table 0 with in_port 1 now outputs to port 2.
    command(
        &rig,
        "/stats/flowentry/modify",
        json!({"dpid": 1, "table_id": 0, "match": {"in_port": 1},
               "actions": [{"type": "OUTPUT", "port": 2}]}),
    );
    let line = flow_line(&rig, "priority=500").expect("the modified flow");
    assert!(
        line.contains("actions=output:2") && !line.contains("group:1"),
        "{line}"
    );
    assert_eq!(flows(&rig)[0]["actions"], json!(["OUTPUT:2"]));
    let queues = rig.get_json("/stats/queue/1");
    assert!(queues["1"].is_array(), "{queues}");

    command(
        &rig,
        "/stats/groupentry/modify",
        json!({"dpid": 1, "type": "ALL", "group_id": 1,
               "buckets": [{"actions": [{"type": "OUTPUT", "port": 2}]}]}),
    );
    command(
        &rig,
        "/stats/meterentry/modify",
        json!({"dpid": 1, "meter_id": 1, "flags": ["KBPS"],
               "bands": [{"type": "DROP", "rate": 2000}]}),
    );
    let groups = rig.ofctl("dump-groups", &rig.bridge("s1"), &[]);
    assert!(
        groups.contains("group_id=1,type=all,bucket=actions=output:2")
            && !groups.contains("output:1"),
        "{groups}"
    );
    let meters = rig.ofctl("dump-meters", &rig.bridge("s1"), &[]);
    assert!(meters.contains("type=drop rate=2000"), "{meters}");

    let features = rig.get_json("/stats/tablefeatures/1");
    let t0 = &features["1"][0];
    assert_eq!(t0["table_id"], 0, "{t0}");
    let props = t0["properties"].as_array().expect("properties");
    let matches = props
        .iter()
        .find(|p| p["type"] == "MATCH")
        .expect("a MATCH property");
    assert!(
        matches["oxm_ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i["type"] == "eth_dst")),
        "{matches}"
    );
    let queues = rig.get_json("/stats/queueconfig/1/1");
    assert_eq!(queues["1"][0]["port"], 1, "{queues}");
    port_down_and_up(&rig);
    // OVS knows no experimenter 0x5eed: the command reaches it and its refusal comes back.
    let exp = json!({"experimenter": 0x5eed, "exp_type": 1, "data": "hello"});
    let (status, reply) = rig.call(Method::POST, "/stats/experimenter/1", Some(&exp));
    assert_eq!(
        (status, reply["detail"]["type"].clone()),
        (400, json!(1)),
        "{reply}"
    );

    let role = rig.get_json("/stats/role/1");
    assert_eq!(role["1"][0]["role"], "EQUAL", "{role}");
    command(&rig, "/stats/role", json!({"dpid": 1, "role": "MASTER"}));
    assert_eq!(rig.get_json("/stats/role/1")["1"][0]["role"], "MASTER");

    command(
        &rig,
        "/stats/flowentry/delete",
        json!({"dpid": 1, "table_id": 0, "match": {"in_port": 1}}),
    );
    assert_eq!(
        flow_line(&rig, "priority=500"),
        None,
        "delete left the flow"
    );
    command(
        &rig,
        "/stats/groupentry/delete",
        json!({"dpid": 1, "group_id": 1}),
    );
    command(
        &rig,
        "/stats/meterentry/delete",
        json!({"dpid": 1, "meter_id": 1}),
    );
    let groups = rig.ofctl("dump-groups", &rig.bridge("s1"), &[]);
    assert!(!groups.contains("group_id=1"), "{groups}");
    let meters = rig.ofctl("dump-meters", &rig.bridge("s1"), &[]);
    assert!(!meters.contains("meter=1"), "{meters}");
    assert_eq!(rig.get_json("/stats/groupdesc/1"), json!({"1": []}));
    rig.finish();
}

#[test]
fn ryu_session_on_openflow_1_0_ovs() {
    isolated_with("ryu_session_on_openflow_1_0_ovs", TOOLS, of10_body);
}

#[test]
fn groups_meters_and_roles_on_openflow_1_3_ovs() {
    isolated_with(
        "groups_meters_and_roles_on_openflow_1_3_ovs",
        TOOLS,
        of13_body,
    );
}
