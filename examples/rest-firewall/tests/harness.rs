//! The firewall against fake switches: rules become flows, the REST routes are mounted by
//! the framework (with the API's token), denied packet-ins stop here.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use openflow::packet::build::icmp_echo_request;
use openflow::{Dpid, MacAddr, Match, Version};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use viola_example_rest_firewall::{FirewallConfig, Policy, RestFirewall, RuleSpec, COOKIE};
use viola_framework::rest::{self, ApiConfig};
use viola_framework::testing::Harness;
use viola_framework::Verdict;

fn deny_to(ip: &str, priority: u16) -> RuleSpec {
    RuleSpec {
        priority,
        matches: json!({"eth_type": 2048, "ipv4_dst": ip}),
        action: Policy::Deny,
    }
}

fn ping(to: &str) -> Vec<u8> {
    icmp_echo_request(
        MacAddr([0, 0, 0, 0, 0, 1]),
        MacAddr([0, 0, 0, 0, 0, 2]),
        "10.0.0.1".parse().unwrap(),
        to.parse().unwrap(),
        1,
        1,
        b"x",
    )
}

fn ip_to(dst: &str) -> Match {
    Match::new()
        .in_port(1)
        .eth_type(0x0800)
        .ipv4_dst(dst.parse().unwrap())
}

#[test]
fn config_rules_become_drop_flows_and_denied_packets_stop_here() {
    let cfg = FirewallConfig {
        rules: vec![deny_to("10.0.0.9", 10)],
        ..FirewallConfig::default()
    };
    let (mut h, _app) = Harness::declared::<RestFirewall>(cfg).unwrap();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    let fms = h.flow_mods(Dpid(1));
    assert_eq!(fms.len(), 1);
    assert_eq!((fms[0].priority, fms[0].cookie), (1010, COOKIE));
    assert!(h.forward(Dpid(1), &ip_to("10.0.0.9")).is_empty(), "dropped");
    assert_eq!(h.packet_in(Dpid(1), 1, ping("10.0.0.9")), Verdict::Stop);
    assert_eq!(h.packet_in(Dpid(1), 1, ping("10.0.0.8")), Verdict::Continue);
}

#[test]
fn default_deny_drops_what_no_rule_allows() {
    let cfg = FirewallConfig {
        default: Policy::Deny,
        rules: vec![RuleSpec {
            priority: 1,
            matches: json!({"eth_type": 2054}),
            action: Policy::Allow,
        }],
        ..FirewallConfig::default()
    };
    let (mut h, _app) = Harness::declared::<RestFirewall>(cfg).unwrap();
    h.add_switch(Dpid(1), Version::V1_0, &[1, 2]);
    assert!(h.forward(Dpid(1), &ip_to("10.0.0.2")).is_empty());
    assert_eq!(
        h.forward(Dpid(1), &Match::new().in_port(1).eth_type(0x0806)),
        vec![openflow::port::CONTROLLER]
    );
    assert_eq!(h.packet_in(Dpid(1), 1, ping("10.0.0.2")), Verdict::Stop);
}

#[test]
fn a_bad_config_rule_is_refused_naming_it() {
    let cfg = FirewallConfig {
        rules: vec![RuleSpec {
            priority: 0,
            matches: json!({"tcp_dst": 80}),
            action: Policy::Deny,
        }],
        ..FirewallConfig::default()
    };
    let e = Harness::declared::<RestFirewall>(cfg).err().unwrap();
    assert!(e.to_string().starts_with("rules[0]: match: "), "{e}");
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Value,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if method != "GET" {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn rules_are_added_listed_and_removed_over_the_api_with_its_token() {
    for v in [Version::V1_3, Version::V1_0] {
        add_list_remove(v).await;
    }
}

async fn add_list_remove(v: Version) {
    let (mut h, _app) = Harness::declared::<RestFirewall>(FirewallConfig::default()).unwrap();
    h.add_switch(Dpid(1), v, &[1, 2]);
    let cfg = ApiConfig {
        token: Some("s3cret".into()),
        ..ApiConfig::default()
    };
    let api = rest::router(h.controller(), &cfg, Vec::new());
    let rule = json!({"priority": 5, "match": {"eth_type": 2048, "ipv4_dst": "10.0.0.7"}, "action": "deny"});

    let (status, _) = call(&api, "POST", "/api/v1/firewall/rules", rule.clone(), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the API's token guards app routes"
    );
    let (status, body) = call(&api, "POST", "/api/v1/firewall/rules", rule, Some("s3cret")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], 1);
    assert_eq!(
        body["failed"],
        json!({}),
        "the switch confirmed with a barrier"
    );
    assert!(h.forward(Dpid(1), &ip_to("10.0.0.7")).is_empty());

    let (status, list) = call(&api, "GET", "/api/v1/firewall/rules", Value::Null, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["rules"][0]["match"]["ipv4_dst"], "10.0.0.7");
    assert_eq!(list["default"], "allow");

    let bad = json!({"match": {"no_such": 1}, "action": "deny"});
    let (status, body) = call(&api, "POST", "/api/v1/firewall/rules", bad, Some("s3cret")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().starts_with("match: "),
        "{body}"
    );

    // The second time, the rule is gone.
    for expected in [StatusCode::OK, StatusCode::NOT_FOUND] {
        let uri = "/api/v1/firewall/rules/1";
        let (status, _) = call(&api, "DELETE", uri, Value::Null, Some("s3cret")).await;
        assert_eq!(status, expected);
    }
    h.packet_in(Dpid(1), 2, ping("10.0.0.1"));
    assert!(
        h.table(Dpid(1)).unwrap().is_empty(),
        "the rule's flow is gone"
    );
}

#[tokio::test]
async fn a_switch_that_refuses_the_flow_is_named_in_the_answer() {
    let (mut h, _app) = Harness::declared::<RestFirewall>(FirewallConfig::default()).unwrap();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    h.add_switch(Dpid(2), Version::V1_3, &[1, 2]);
    h.with_switch(Dpid(2), |s| {
        s.barrier_errors.push_back(openflow::ErrorMsg {
            err_type: 5, // FLOW_MOD_FAILED
            code: 0,
            experimenter: None,
            data: Default::default(),
        })
    });
    let api = rest::router(h.controller(), &ApiConfig::default(), Vec::new());
    let rule = json!({"match": {"eth_type": 2048}, "action": "deny"});
    let (status, body) = call(&api, "POST", "/api/v1/firewall/rules", rule, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let failed = body["failed"].as_object().unwrap();
    assert_eq!(
        failed.keys().collect::<Vec<_>>(),
        vec!["0000000000000002"],
        "{body}"
    );
}
