//! Every snapshot route through the framework's router (`tower::ServiceExt::oneshot`).

mod common;

use std::sync::Arc;
use viola_framework::Dpid;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use openflow::{port, Version};
use serde_json::{json, Value};
use tower::ServiceExt;
use viola_framework::rest::{router, ApiConfig, RestRoutes};

use common::{ping, Net};

fn api(net: &Net) -> Router {
    router(
        net.ctl.clone(),
        &ApiConfig::default(),
        vec![Arc::clone(&net.app).routes(net.ctl.clone())],
    )
}

async fn call(r: &Router, method: Method, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let resp = r.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, v)
}

fn service_body(name: &str) -> String {
    json!({
        "name": name,
        "policy": "buffer",
        "limits": {"max_packets": 1000, "max_hold_ms": 5000},
        "vms": [
            {"name": "h1", "mac": "00:00:00:00:00:01", "ip": "10.0.0.1", "dpid": "0000000000000001", "port": 1},
            {"name": "h2", "mac": "00:00:00:00:00:02", "ip": "10.0.0.2", "dpid": 1, "port": 2},
            {"name": "h3", "mac": "00:00:00:00:00:03", "dpid": "2", "port": 1}
        ]
    })
    .to_string()
}

#[tokio::test]
async fn register_list_get_delete() {
    let mut net = Net::new(Version::V1_3);
    let r = api(&net);
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/services",
        Some(&service_body("svc")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "idle");
    assert_eq!(
        v["gate_installed_on"],
        json!(["0000000000000001", "0000000000000002"])
    );
    assert_eq!(v["limits"]["max_packets"], 1000);
    assert_eq!(
        v["limits"]["max_packets_per_vm"], 10_000,
        "missing limits take the defaults"
    );
    assert_eq!(v["vms"][2]["dpid"], "0000000000000002");
    assert_eq!(
        net.h.forward_packet(Dpid(1), 1, &ping(1, 2, 1)),
        vec![port::CONTROLLER]
    );
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/services",
        Some(&service_body("svc")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    for uri in ["/api/v1/snapshot", "/api/v1/snapshot/services"] {
        let (s, v) = call(&r, Method::GET, uri, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["services"][0]["name"], "svc");
        assert_eq!(v["services"][0]["vms"], 3);
    }
    net.send_from(1, ping(1, 2, 1));
    let (s, v) = call(&r, Method::GET, "/api/v1/snapshot/svc", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["counts"]["type1"], 1);
    assert_eq!(v["vms"][0]["pair_rules"], 1);
    let (s, _) = call(&r, Method::DELETE, "/api/v1/snapshot/svc", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        net.h.forward_packet(Dpid(1), 1, &ping(1, 2, 2)),
        Vec::<u32>::new(),
        "gate and pair rules are gone"
    );
    let (s, _) = call(&r, Method::GET, "/api/v1/snapshot/svc", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_registrations_are_400() {
    let net = Net::new(Version::V1_3);
    let r = api(&net);
    let vm = r#"{"name": "h1", "mac": "00:00:00:00:00:01", "dpid": 1, "port": 1}"#;
    let bodies = [
        "not json".to_string(),
        String::new(),
        r#"{"name": "x"}"#.to_string(),
        format!(r#"{{"name": "x", "policy": "keep", "vms": [{vm}]}}"#),
        format!(r#"{{"name": "x", "colour": 1, "vms": [{vm}]}}"#),
        format!(r#"{{"name": "x", "limits": {{"max_pakets": 1}}, "vms": [{vm}]}}"#),
        format!(r#"{{"name": "x", "limits": {{"max_packets": -1}}, "vms": [{vm}]}}"#),
        r#"{"name": "x", "vms": [{"name": "h1", "mac": "zz", "dpid": 1, "port": 1}]}"#.to_string(),
        r#"{"name": "x", "vms": [{"name": "h1", "mac": "00:00:00:00:00:01", "dpid": "s1", "port": 1}]}"#.to_string(),
        r#"{"name": "x", "vms": [{"name": "h1", "mac": "00:00:00:00:00:01", "ip": "ten", "dpid": 1, "port": 1}]}"#.to_string(),
        r#"{"name": "x", "vms": []}"#.to_string(),
        format!(r#"{{"name": "a/b", "vms": [{vm}]}}"#),
    ];
    for b in &bodies {
        let (s, v) = call(&r, Method::POST, "/api/v1/snapshot/services", Some(b)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "body {b}: {v}");
        assert!(v["error"].is_string(), "{v}");
    }
    let (_, v) = call(&r, Method::GET, "/api/v1/snapshot", None).await;
    assert_eq!(v["services"], json!([]));
}

#[tokio::test]
async fn unknown_service_and_vm_are_404() {
    let net = Net::new(Version::V1_3);
    let r = api(&net);
    call(
        &r,
        Method::POST,
        "/api/v1/snapshot/services",
        Some(&service_body("svc")),
    )
    .await;
    let cases = [
        (Method::GET, "/api/v1/snapshot/nope"),
        (Method::DELETE, "/api/v1/snapshot/nope"),
        (Method::POST, "/api/v1/snapshot/nope/epochs"),
        (Method::POST, "/api/v1/snapshot/nope/vms/h1/advance"),
        (Method::POST, "/api/v1/snapshot/nope/vms/h1/reinject"),
        (Method::POST, "/api/v1/snapshot/nope/abort"),
        (Method::POST, "/api/v1/snapshot/svc/vms/h9/advance"),
        (Method::POST, "/api/v1/snapshot/svc/vms/h9/reinject"),
    ];
    call(&r, Method::POST, "/api/v1/snapshot/svc/epochs", None).await;
    for (m, uri) in cases {
        let (s, v) = call(&r, m.clone(), uri, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {uri}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains("unknown")
                || v["error"].as_str().unwrap().contains("no VM"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn snapshot_cycle_over_rest() {
    let mut net = Net::new(Version::V1_3);
    let r = api(&net);
    call(
        &r,
        Method::POST,
        "/api/v1/snapshot/services",
        Some(&service_body("svc")),
    )
    .await;
    // Advancing before any epoch is a conflict.
    let (s, _) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/svc/vms/h1/advance",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Bad epoch bodies.
    for b in [
        r#"{"epoch": "x"}"#,
        r#"{"epoch": -1}"#,
        r#"{"epok": 1}"#,
        "[1",
    ] {
        let (s, v) = call(&r, Method::POST, "/api/v1/snapshot/svc/epochs", Some(b)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}: {v}");
    }
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/svc/epochs",
        Some(r#"{"epoch": 4}"#),
    )
    .await;
    assert_eq!((s, v["epoch"].as_u64()), (StatusCode::OK, Some(4)), "{v}");
    assert_eq!(v["pre"], json!(["h1", "h2", "h3"]));
    let (s, _) = call(&r, Method::POST, "/api/v1/snapshot/svc/epochs", Some("{}")).await;
    assert_eq!(s, StatusCode::CONFLICT, "in progress");
    net.send_from(1, ping(1, 2, 1));
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/svc/vms/h1/advance",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["epoch"].as_u64(), v["deleted_rules"].as_u64()),
        (Some(4), Some(1))
    );
    assert!(v["elapsed_ms"].as_f64().unwrap() >= 0.0);
    net.send_from(1, ping(1, 2, 2)); // held
    let (_, v) = call(&r, Method::GET, "/api/v1/snapshot/svc", None).await;
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["vms"][0]["state"], "post");
    assert_eq!(v["vms"][1]["state"], "pre");
    assert_eq!(v["vms"][1]["buffered_packets"], 1);
    assert!(v["timings"]["advance_ms"]["h1"].is_number());
    for vm in ["h2", "h3"] {
        let (s, _) = call(
            &r,
            Method::POST,
            &format!("/api/v1/snapshot/svc/vms/{vm}/advance"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/svc/vms/h2/reinject",
        None,
    )
    .await;
    assert_eq!(
        (s, v["reinjected"].as_u64(), v["remaining"].as_u64()),
        (StatusCode::OK, Some(1), Some(0))
    );
    let (_, v) = call(&r, Method::GET, "/api/v1/snapshot/svc", None).await;
    assert_eq!(v["status"], "complete");
    assert!(v["timings"]["epoch_to_complete_ms"].is_number());
    // Next epoch (default current + 1) and an abort.
    let (_, v) = call(&r, Method::POST, "/api/v1/snapshot/svc/epochs", None).await;
    assert_eq!(v["epoch"], 5);
    for b in [
        r#"{"buffered": "keep"}"#,
        r#"{"buffered": 1}"#,
        r#"{"x": 1}"#,
    ] {
        let (s, v) = call(&r, Method::POST, "/api/v1/snapshot/svc/abort", Some(b)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}: {v}");
    }
    let (s, v) = call(
        &r,
        Method::POST,
        "/api/v1/snapshot/svc/abort",
        Some(r#"{"buffered": "drop"}"#),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["epoch"].as_u64()),
        (StatusCode::OK, Some("aborted"), Some(4)),
        "{v}"
    );
    let (_, v) = call(&r, Method::GET, "/api/v1/snapshot/svc", None).await;
    assert_eq!(v["status"], "aborted");
    // The phase timing is in the metrics.
    let text = net.ctl.app_metrics().encode_text();
    assert!(
        text.contains("viola_snapshot_phase_seconds_count{phase=\"advance\"}"),
        "{text}"
    );
}
