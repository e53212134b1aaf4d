//! The `/stats/…` routes against fake switches of both versions, mounted by the framework's
//! REST API: Ryu's request bodies go in, Ryu's reply shapes and status codes come out.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use openflow::{Dpid, Version};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use viola_framework::rest::{self, ApiConfig};
use viola_framework::testing::Harness;
use viola_ofctl_rest::{OfctlRest, OfctlRestConfig};

/// A request; `content_type` None sends no Content-Type header (as Ryu scripts often do).
async fn call(
    api: &axum::Router,
    method: &str,
    uri: &str,
    body: Value,
    content_type: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let resp = api
        .clone()
        .oneshot(req.body(Body::from(text)).unwrap())
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

const JSON: Option<&str> = Some("application/json");

fn api_with(config: OfctlRestConfig, switches: &[(u64, Version)]) -> (Harness, axum::Router) {
    let (mut h, _app) = Harness::declared::<OfctlRest>(config).unwrap();
    for &(d, v) in switches {
        h.add_switch(Dpid(d), v, &[1, 2, 3]);
    }
    let api = rest::router(h.controller(), &ApiConfig::default(), Vec::new());
    (h, api)
}

#[tokio::test]
async fn a_ryu_session_on_openflow_1_0_add_dump_modify_delete_clear() {
    let (h, api) = api_with(OfctlRestConfig::default(), &[(1, Version::V1_0)]);

    let (s, list) = call(&api, "GET", "/stats/switches", Value::Null, None).await;
    assert_eq!((s, list), (StatusCode::OK, json!([1])));

    let add = json!({
        "dpid": 1, "cookie": 1, "priority": 11111, "idle_timeout": 0,
        "match": {"in_port": 1, "dl_type": 2048, "nw_dst": "10.0.0.0/24", "nw_proto": 6,
                  "tp_dst": 80},
        "actions": [{"type": "SET_DL_DST", "dl_dst": "aa:bb:cc:00:00:01"},
                    {"type": "OUTPUT", "port": 2}]
    });
    let (s, body) = call(&api, "POST", "/stats/flowentry/add", add, JSON).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let fm = &h.flow_mods(Dpid(1))[0];
    assert_eq!((fm.priority, fm.cookie), (11111, 1));

    let (s, flows) = call(&api, "GET", "/stats/flow/1", Value::Null, None).await;
    assert_eq!(s, StatusCode::OK);
    let f = &flows["1"][0];
    assert_eq!(
        f["actions"],
        json!(["SET_DL_DST:aa:bb:cc:00:00:01", "OUTPUT:2"])
    );
    assert_eq!(
        f["match"],
        json!({"in_port": 1, "dl_type": 2048, "nw_dst": "10.0.0.0/24", "nw_proto": 6,
               "tp_dst": 80})
    );
    assert_eq!(
        (f["priority"].clone(), f["cookie"].clone()),
        (json!(11111), json!(1))
    );
    assert!(
        f.get("flags").is_none(),
        "1.0 flow stats carry no flags: {f}"
    );

    // A 1.0 flow without a priority gets OpenFlow's default, as in Ryu's ofctl_v1_0.
    let plain = json!({"dpid": 1, "match": {"in_port": 3}, "actions": []});
    call(&api, "POST", "/stats/flowentry/add", plain, JSON).await;
    let (_, flows) = call(&api, "GET", "/stats/flow/1", Value::Null, None).await;
    assert!(
        flows["1"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["priority"] == 32768),
        "{flows}"
    );

    // POST filter form: Ryu's own priority filter and a match filter.
    let filter = json!({"priority": 11111});
    let (_, flows) = call(&api, "POST", "/stats/flow/1", filter, JSON).await;
    assert_eq!(flows["1"].as_array().unwrap().len(), 1, "{flows}");
    let (_, agg) = call(&api, "GET", "/stats/aggregateflow/1", Value::Null, None).await;
    assert_eq!(agg["1"][0]["flow_count"], 2, "{agg}");

    let modify = json!({"dpid": 1, "priority": 11111,
        "match": {"in_port": 1, "dl_type": 2048, "nw_dst": "10.0.0.0/24", "nw_proto": 6,
                  "tp_dst": 80},
        "actions": [{"type": "OUTPUT", "port": 3}]});
    let (s, _) = call(&api, "POST", "/stats/flowentry/modify_strict", modify, JSON).await;
    assert_eq!(s, StatusCode::OK);
    let (_, flows) = call(
        &api,
        "POST",
        "/stats/flow/1",
        json!({"priority": 11111}),
        JSON,
    )
    .await;
    assert_eq!(flows["1"][0]["actions"], json!(["OUTPUT:3"]));

    let del = json!({"dpid": 1, "match": {"in_port": 3}});
    let (s, _) = call(&api, "POST", "/stats/flowentry/delete_strict", del, JSON).await;
    assert_eq!(s, StatusCode::OK);
    let (_, agg) = call(&api, "GET", "/stats/aggregateflow/1", Value::Null, None).await;
    assert_eq!(agg["1"][0]["flow_count"], 1, "{agg}");

    // Ryu lets a body's dpid override the path's: switch 9 does not exist.
    let clear = "/stats/flowentry/clear/1";
    let (s, _) = call(&api, "DELETE", clear, json!({"dpid": 9}), JSON).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&api, "DELETE", clear, Value::Null, JSON).await;
    assert_eq!(s, StatusCode::OK);
    let (_, flows) = call(&api, "GET", "/stats/flow/1", Value::Null, None).await;
    assert_eq!(flows, json!({"1": []}));

    // Groups and meters do not exist in 1.0: Ryu's 501.
    for uri in ["/stats/group/1", "/stats/meterfeatures/1", "/stats/role/1"] {
        let (s, _) = call(&api, "GET", uri, Value::Null, None).await;
        assert_eq!(s, StatusCode::NOT_IMPLEMENTED, "{uri}");
    }
    let group = json!({"dpid": 1, "type": "ALL", "group_id": 1, "buckets": []});
    let (s, _) = call(&api, "POST", "/stats/groupentry/add", group, JSON).await;
    assert_eq!(s, StatusCode::NOT_IMPLEMENTED);
}

#[tokio::test]
async fn a_ryu_session_on_openflow_1_3_with_aliases_and_instructions() {
    let (h, api) = api_with(OfctlRestConfig::default(), &[(0x1f, Version::V1_3)]);
    let add = json!({
        "dpid": "0x1f", "table_id": 0, "priority": 100,
        "match": {"in_port": 2, "eth_type": 2048, "ipv4_src": "10.1.0.0/255.255.0.0",
                  "ip_proto": 17, "udp_dst": 53},
        "actions": [{"type": "SET_FIELD", "field": "vlan_vid", "value": 4106},
                    {"type": "OUTPUT", "port": "CONTROLLER"},
                    {"type": "GOTO_TABLE", "table_id": 1}]
    });
    let (s, body) = call(&api, "POST", "/stats/flowentry/add", add, JSON).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Without a priority, Ryu's ofctl_v1_3 installs priority 0 in table 0.
    let low = json!({"dpid": 31, "match": {"dl_dst": "00:00:00:00:00:02"},
                     "actions": [{"type": "OUTPUT", "port": 1}]});
    call(&api, "POST", "/stats/flowentry/add", low, JSON).await;
    let fms = h.flow_mods(Dpid(31));
    assert_eq!((fms[1].priority, fms[1].table_id), (0, 0));

    let (s, flows) = call(&api, "GET", "/stats/flow/31", Value::Null, None).await;
    assert_eq!(s, StatusCode::OK);
    let f = flows["31"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["priority"] == 100)
        .unwrap()
        .clone();
    assert_eq!(
        f["match"],
        json!({"in_port": 2, "dl_type": 2048, "nw_src": "10.1.0.0/255.255.0.0",
               "nw_proto": 17, "tp_dst": 53})
    );
    assert_eq!(
        f["actions"],
        json!([
            "SET_FIELD: {vlan_vid:4106}",
            "OUTPUT:CONTROLLER",
            "GOTO_TABLE:1"
        ])
    );
    assert_eq!(f["flags"], 0);
    // 48 fixed + match (4 + in_port 8 + eth_type 6 + ipv4_src/mask 12 + ip_proto 5 +
    // udp_dst 6 = 41, padded to 48) + apply-actions (8 + set-field 4 + 6 padded to 16 +
    // output 16) + goto-table 8.
    assert_eq!(f["length"], 48 + 48 + 40 + 8, "{f}");

    let (_, table) = call(&api, "GET", "/stats/table/31", Value::Null, None).await;
    assert!(
        table["31"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["active_count"] == 2),
        "{table}"
    );
    let (_, desc) = call(&api, "GET", "/stats/desc/31", Value::Null, None).await;
    assert_eq!(desc["31"]["hw_desc"], "fake switch");
    let (_, ports) = call(&api, "GET", "/stats/portdesc/31/2", Value::Null, None).await;
    let ports = ports["31"].as_array().unwrap();
    assert_eq!((ports.len(), ports[0]["port_no"].clone()), (1, json!(2)));

    let del = json!({"dpid": 31, "table_id": 0, "match": {"eth_type": 2048}});
    let (s, _) = call(&api, "POST", "/stats/flowentry/delete", del, JSON).await;
    assert_eq!(s, StatusCode::OK);
    let (_, agg) = call(&api, "GET", "/stats/aggregateflow/31", Value::Null, None).await;
    assert_eq!(agg["31"][0]["flow_count"], 1, "{agg}");
}

#[tokio::test]
async fn ryu_status_codes_for_bad_dpids_unknown_switches_commands_and_bodies() {
    let (_h, api) = api_with(OfctlRestConfig::default(), &[(1, Version::V1_3)]);
    let cases = [
        (
            "GET",
            "/stats/flow/xyz",
            Value::Null,
            StatusCode::BAD_REQUEST,
        ),
        ("GET", "/stats/flow/7", Value::Null, StatusCode::NOT_FOUND),
        (
            "GET",
            "/stats/port/1/notaport",
            Value::Null,
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/stats/flowentry/explode",
            json!({"dpid": 1}),
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/stats/flowentry/add",
            json!({"match": {}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/stats/flowentry/add",
            json!({"dpid": 9}),
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/stats/flowentry/add",
            json!({"dpid": 1, "match": {"nw_dst": "10.0.0.300"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/stats/flowentry/add",
            json!({"dpid": 1, "actions": [{"type": "TELEPORT"}]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/stats/flowentry/add",
            json!([1, 2]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/stats/meterentry/add",
            json!({"dpid": 1, "bands": [{"type": "BOGUS"}]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/stats/flowdesc/1",
            Value::Null,
            StatusCode::NOT_IMPLEMENTED,
        ),
        (
            "GET",
            "/stats/meterdesc/1",
            Value::Null,
            StatusCode::NOT_IMPLEMENTED,
        ),
        (
            "GET",
            "/stats/queuedesc/1",
            Value::Null,
            StatusCode::NOT_IMPLEMENTED,
        ),
    ];
    for (method, uri, body, expected) in cases {
        let (s, reply) = call(&api, method, uri, body.clone(), JSON).await;
        assert_eq!(s, expected, "{method} {uri} {body}: {reply}");
        let err = reply["error"].as_str().unwrap_or_default();
        assert!(
            !err.is_empty() && !err.contains('\n'),
            "one-line error: {reply}"
        );
    }
}

#[tokio::test]
async fn no_content_type_is_a_415_naming_the_header_unless_the_operator_allows_it() {
    let add = json!({"dpid": 1, "match": {"in_port": 1}, "actions": []});
    let (_h, strict) = api_with(OfctlRestConfig::default(), &[(1, Version::V1_3)]);
    for ct in [None, Some("application/x-www-form-urlencoded")] {
        let (s, body) = call(&strict, "POST", "/stats/flowentry/add", add.clone(), ct).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(body["error"]
            .as_str()
            .unwrap()
            .contains("Content-Type: application/json"));
    }

    let compat = OfctlRestConfig {
        accept_any_content_type: true,
    };
    let (h, lenient) = api_with(compat, &[(1, Version::V1_3)]);
    for ct in [None, Some("application/x-www-form-urlencoded")] {
        let (s, body) = call(&lenient, "POST", "/stats/flowentry/add", add.clone(), ct).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    assert_eq!(h.flow_mods(Dpid(1)).len(), 2);
    // Only /stats/ is lifted: the rest of the API keeps the rule.
    let (s, _) = call(
        &lenient,
        "DELETE",
        "/api/v1/switches/1/flows",
        Value::Null,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn the_config_switch_is_read_from_the_apps_table_and_a_typo_is_refused() {
    let table = |s: &'static str| move |_: &str| toml::from_str::<toml::Value>(s).unwrap();
    let catalog = viola_framework::declare::Catalog::new().with::<OfctlRest>();
    let mut setup = viola_framework::declare::Setup::standalone();
    let names = vec!["ofctl-rest".to_string()];
    assert!(catalog
        .build(&names, &table("accept_any_content_type = true"), &mut setup)
        .is_ok());
    let e = catalog
        .build(&names, &table("accept_any_content_typ = true"), &mut setup)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("[apps.ofctl-rest]: unknown field"),
        "{e}"
    );
}
