//! Router tests against a controller of fake switches (`crate::testing::Harness`), through
//! `tower::ServiceExt::oneshot` — no sockets.

use crate::Dpid;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use futures::StreamExt;
use openflow::{Action, FlowMod, Match, Version};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::*;
use crate::testing::Harness;

const S1: &str = "0000000000000001";

fn harness() -> Harness {
    let mut h = Harness::new(Vec::new());
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3]);
    h.add_switch(Dpid(2), Version::V1_0, &[1, 2]);
    h
}

fn api(h: &Harness) -> Router {
    router(h.controller(), &ApiConfig::default(), Vec::new())
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let (status, text) = call_text(app, method, uri, body, token).await;
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {uri}: not JSON ({e}): {text}"));
    (status, v)
}

async fn call_text(
    app: &Router,
    method: &str,
    uri: &str,
    body: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if method != "GET" {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = req
        .body(Body::from(body.to_string()))
        .expect("valid request");
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A 4xx/5xx with the error shape and a one-line message.
fn assert_error(status: StatusCode, v: &Value, want: StatusCode, contains: &str) {
    assert_eq!(status, want, "{v}");
    let msg = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"error\" in {v}"));
    assert!(
        msg.contains(contains),
        "`{msg}` does not contain `{contains}`"
    );
    assert!(!msg.contains('\n'), "not one line: {msg}");
    assert!(v.get("detail").is_some(), "no \"detail\" in {v}");
}

const SPEC_BODY: &str = r#"{"table_id": 0, "priority": 321, "cookie": 7, "idle_timeout": 0, "hard_timeout": 0,
 "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"},
 "actions": [{"type": "OUTPUT", "port": 2}]}"#;

fn spec_flow() -> FlowMod {
    FlowMod::add(
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst([10, 9, 9, 9].into()),
    )
    .priority(321)
    .cookie(7)
    .actions(vec![Action::output(2)])
}

#[tokio::test]
async fn lists_switches() {
    let h = harness();
    let app = api(&h);
    let (st, v) = call(&app, "GET", "/api/v1/switches", "", None).await;
    assert_eq!(st, StatusCode::OK);
    let list = v.as_array().expect("an array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["dpid"], S1);
    assert_eq!(list[0]["version"], "1.3");
    assert_eq!(list[1]["version"], "1.0");
    assert_eq!(list[0]["ports"].as_array().map(Vec::len), Some(3));
    assert!(list[0]["address"]
        .as_str()
        .is_some_and(|a| a.starts_with("127.0.0.1:")));
    assert!(list[0]["connected_since"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    // One switch, by hex or decimal id.
    let (st, v) = call(&app, "GET", "/api/v1/switches/2", "", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["dpid"], "0000000000000002");
    let (st, v) = call(
        &app,
        "GET",
        "/api/v1/switches/00:00:00:00:00:00:00:02",
        "",
        None,
    )
    .await;
    assert_eq!(
        (st, &v["dpid"]),
        (StatusCode::OK, &json!("0000000000000002"))
    );
}

#[tokio::test]
async fn unknown_and_bad_dpids() {
    let h = harness();
    let app = api(&h);
    let (st, v) = call(
        &app,
        "GET",
        "/api/v1/switches/0000000000000009/flows",
        "",
        None,
    )
    .await;
    assert_error(
        st,
        &v,
        StatusCode::NOT_FOUND,
        "0000000000000009 is not connected",
    );
    let (st, v) = call(&app, "POST", "/api/v1/switches/9/flows", SPEC_BODY, None).await;
    assert_error(st, &v, StatusCode::NOT_FOUND, "not connected");
    let (st, v) = call(&app, "GET", "/api/v1/switches/zz/flows", "", None).await;
    assert_error(st, &v, StatusCode::BAD_REQUEST, "bad datapath id \"zz\"");
    let (st, v) = call(&app, "GET", "/api/v1/nothing", "", None).await;
    assert_error(st, &v, StatusCode::NOT_FOUND, "no route /api/v1/nothing");
    let (st, v) = call(&app, "PUT", "/api/v1/switches", "", None).await;
    assert_error(st, &v, StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
}

#[tokio::test]
async fn post_then_get_flows_both_versions() {
    let h = harness();
    let app = api(&h);
    for (dpid, hexid) in [(1u64, S1), (2, "0000000000000002")] {
        let uri = format!("/api/v1/switches/{hexid}/flows");
        let (st, v) = call(&app, "POST", &uri, SPEC_BODY, None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["flow_mods"], 1);
        assert_eq!(
            h.flow_mods(Dpid(dpid)),
            vec![spec_flow()],
            "switch {dpid} got the lowered flow"
        );

        let (st, v) = call(&app, "GET", &uri, "", None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let flows = v["flows"].as_array().expect("flows");
        assert_eq!(flows.len(), 1, "{v}");
        assert_eq!(flows[0]["priority"], 321);
        assert_eq!(flows[0]["cookie"], 7);
        assert_eq!(flows[0]["match"]["ipv4_dst"], "10.9.9.9");
        assert_eq!(flows[0]["match"]["in_port"], 1);
        assert_eq!(
            flows[0]["instructions"],
            json!([{"type": "APPLY_ACTIONS", "actions": [{"type": "OUTPUT", "port": 2}]}])
        );
    }
}

#[tokio::test]
async fn batch_post_and_delete() {
    let h = harness();
    let app = api(&h);
    let uri = format!("/api/v1/switches/{S1}/flows");
    let batch = json!([
        {"priority": 10, "match": {"in_port": 1}, "actions": [{"type": "OUTPUT", "port": 2}]},
        {"priority": 10, "match": {"in_port": 2}, "actions": [{"type": "OUTPUT", "port": 1}]},
        {"priority": 5, "match": {"in_port": 3}, "instructions": [{"type": "GOTO_TABLE", "table_id": 1}]}
    ]);
    let (st, v) = call(&app, "POST", &uri, &batch.to_string(), None).await;
    assert_eq!((st, &v["flow_mods"]), (StatusCode::OK, &json!(3)), "{v}");
    assert_eq!(h.table(Dpid(1)).map(|t| t.len()), Some(3));
    // Strict delete of one flow.
    let del = json!({"command": "delete_strict", "priority": 10, "match": {"in_port": 2}});
    let (st, v) = call(&app, "DELETE", &uri, &del.to_string(), None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(h.table(Dpid(1)).map(|t| t.len()), Some(2));
    // No body: every flow.
    let (st, v) = call(&app, "DELETE", &uri, "", None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(h.table(Dpid(1)).map(|t| t.len()), Some(0));
    // DELETE refuses other commands.
    let (st, v) = call(&app, "DELETE", &uri, r#"{"command": "add"}"#, None).await;
    assert_error(
        st,
        &v,
        StatusCode::BAD_REQUEST,
        "command: DELETE takes only",
    );
}

#[tokio::test]
async fn bad_bodies_are_400_with_one_line() {
    let h = harness();
    let app = api(&h);
    let uri = format!("/api/v1/switches/{S1}/flows");
    let cases = [
        ("{\"priority\": 1,", "invalid JSON body"),
        ("", "missing request body"),
        ("[]", "empty list"),
        ("42", "expected an object"),
        (
            r#"{"match": {"ipv4_dst": "10.0.0.300", "eth_type": 2048}}"#,
            "match.ipv4_dst",
        ),
        (
            r#"{"match": {"tcp_dst": 80}}"#,
            "match: field tp_dst needs ip_proto=6",
        ),
        (
            r#"{"actions": [{"type": "OUTPUT", "port": "NOWHERE"}]}"#,
            "actions[0].port",
        ),
        (r#"{"priority": 1, "prio": 2}"#, "prio: unknown field"),
        (
            r#"{"dpid": 2, "priority": 1}"#,
            "dpid: 0000000000000002 does not match",
        ),
        (r#"[{"priority": 1}, {"priority": -1}]"#, "[1].priority"),
    ];
    for (body, want) in cases {
        let (st, v) = call(&app, "POST", &uri, body, None).await;
        assert_error(st, &v, StatusCode::BAD_REQUEST, want);
    }
    assert!(
        h.flow_mods(Dpid(1)).is_empty(),
        "nothing reached the switch"
    );
    // What 1.0 cannot express is a 400 naming it, not a silent drop.
    let body = json!({"instructions": [{"type": "GOTO_TABLE", "table_id": 1}]});
    let (st, v) = call(
        &app,
        "POST",
        "/api/v1/switches/2/flows",
        &body.to_string(),
        None,
    )
    .await;
    assert_error(
        st,
        &v,
        StatusCode::BAD_REQUEST,
        "OpenFlow 1.0 cannot express",
    );
}

#[tokio::test]
async fn switch_errors_come_back() {
    let h = harness();
    let app = api(&h);
    h.with_switch(Dpid(1), |s| {
        s.barrier_errors.push_back(openflow::ErrorMsg {
            err_type: 0x0005,
            code: 0x0001,
            experimenter: None,
            data: bytes::Bytes::from_static(&[4, 14, 0, 8]),
        })
    });
    let uri = format!("/api/v1/switches/{S1}/flows");
    let (st, v) = call(&app, "POST", &uri, SPEC_BODY, None).await;
    assert_error(st, &v, StatusCode::BAD_REQUEST, "type 0x0005 code 0x0001");
    assert_eq!(v["detail"]["type"], 5);
    assert_eq!(v["detail"]["data_hex"], "040e0008");
    h.with_switch(Dpid(1), |s| {
        s.request_error = Some(crate::RequestError::Timeout)
    });
    let (st, v) = call(&app, "GET", &uri, "", None).await;
    assert_error(
        st,
        &v,
        StatusCode::GATEWAY_TIMEOUT,
        "did not answer in time",
    );
}

#[tokio::test]
async fn bearer_token_protects_mutations() {
    let h = harness();
    let cfg = ApiConfig {
        token: Some("s3cret".into()),
        ..ApiConfig::default()
    };
    let app = router(h.controller(), &cfg, vec![ext_router()]);
    let uri = format!("/api/v1/switches/{S1}/flows");
    let (st, v) = call(&app, "POST", &uri, SPEC_BODY, None).await;
    assert_error(st, &v, StatusCode::UNAUTHORIZED, "needs a bearer token");
    let (st, v) = call(&app, "POST", &uri, SPEC_BODY, Some("wrong")).await;
    assert_error(st, &v, StatusCode::UNAUTHORIZED, "invalid bearer token");
    let (st, v) = call(&app, "DELETE", &uri, "", None).await;
    assert_error(st, &v, StatusCode::UNAUTHORIZED, "bearer");
    assert!(h.flow_mods(Dpid(1)).is_empty());
    let (st, _) = call(&app, "POST", &uri, SPEC_BODY, Some("s3cret")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h.flow_mods(Dpid(1)).len(), 1);
    // Reads stay open.
    let (st, _) = call(&app, "GET", &uri, "", None).await;
    assert_eq!(st, StatusCode::OK);
    // App routes are protected the same way.
    let (st, v) = call(&app, "POST", "/api/v1/demo/echo", "{}", None).await;
    assert_error(st, &v, StatusCode::UNAUTHORIZED, "bearer");
    let (st, _) = call(&app, "POST", "/api/v1/demo/echo", "{}", Some("s3cret")).await;
    assert_eq!(st, StatusCode::OK);
}

struct Demo;

impl RestRoutes for Demo {
    fn routes(self: Arc<Self>, ctl: Controller) -> Router {
        Router::new()
            .route("/api/v1/demo/count", get(count))
            .route("/api/v1/demo/echo", post(echo))
            .with_state(ctl)
    }
}

async fn count(axum::extract::State(ctl): axum::extract::State<Controller>) -> axum::Json<Value> {
    axum::Json(json!({"switches": ctl.switches().len()}))
}

async fn echo(JsonBody(v): JsonBody) -> Result<axum::Json<Value>, ApiError> {
    if v.is_null() {
        return Err(ApiError::bad_request("empty"));
    }
    Ok(axum::Json(v))
}

fn ext_router() -> Router {
    Arc::new(Demo).routes(harness().controller())
}

#[tokio::test]
async fn app_routes_are_merged() {
    let h = harness();
    let app = router(
        h.controller(),
        &ApiConfig::default(),
        vec![Arc::new(Demo).routes(h.controller())],
    );
    let (st, v) = call(&app, "GET", "/api/v1/demo/count", "", None).await;
    assert_eq!((st, v), (StatusCode::OK, json!({"switches": 2})));
    let (st, v) = call(&app, "POST", "/api/v1/demo/echo", "{\"a\": 1}", None).await;
    assert_eq!((st, v), (StatusCode::OK, json!({"a": 1})));
    let (st, v) = call(&app, "POST", "/api/v1/demo/echo", "{", None).await;
    assert_error(st, &v, StatusCode::BAD_REQUEST, "invalid JSON body");
    // Built-in routes still there.
    let (st, _) = call(&app, "GET", "/api/v1/switches", "", None).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn metrics_expose_every_spec_name() {
    let h = harness();
    let app = api(&h);
    let (st, text) = call_text(&app, "GET", "/metrics", "", None).await;
    assert_eq!(st, StatusCode::OK);
    for name in crate::metrics::METRIC_NAMES {
        assert!(
            text.contains(&format!("# TYPE viola_{name} ")),
            "no viola_{name} in\n{text}"
        );
    }
    // The harness registered two switches in the process-wide gauge.
    assert!(text.contains("viola_switches_connected "), "{text}");
}

#[tokio::test]
async fn events_stream_as_sse() {
    let h = harness();
    let ctl = h.controller();
    let app = api(&h);
    let req = Request::builder()
        .uri("/api/v1/events")
        .body(Body::empty())
        .expect("request");
    let resp = app.oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    // The handler has subscribed by now; emit and read it back.
    ctl.emit(
        "demo",
        "link_added",
        json!({"src": S1, "dst": "0000000000000002"}),
    );
    let mut stream = resp.into_body().into_data_stream();
    let mut seen = String::new();
    while !seen.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: link_added\n"), "{seen}");
    let data = seen
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("no data line in {seen}"));
    let v: Value = serde_json::from_str(data).expect("JSON data");
    assert_eq!(v["type"], "app");
    assert_eq!(v["app"], "demo");
    assert_eq!(v["data"]["src"], S1);
}

#[tokio::test]
async fn serve_binds_and_answers_over_tcp() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = harness();
    let (addr, task) = serve_api(
        h.controller(),
        "127.0.0.1:0".parse().expect("addr"),
        ApiConfig::default(),
    )
    .await
    .expect("bind 127.0.0.1:0");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /api/v1/switches HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out))
        .await
        .expect("answer within 5 s")
        .expect("read");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains(S1), "{out}");
    task.abort();
}

/// A request with an explicit (or no) Content-Type header.
async fn call_with_type(
    app: &Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).expect("valid request"))
        .await
        .expect("router is infallible");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn mutations_need_a_json_content_type() {
    let h = harness();
    let app = api(&h);
    let uri = format!("/api/v1/switches/{S1}/flows");
    for (method, ct) in [
        ("POST", Some("text/plain")),
        ("POST", Some("application/x-www-form-urlencoded")),
        ("POST", None),
        ("DELETE", None),
    ] {
        let (st, v) = call_with_type(&app, method, &uri, SPEC_BODY.into(), ct).await;
        assert_error(
            st,
            &v,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: application/json",
        );
    }
    assert!(h.sent(Dpid(1)).is_empty(), "nothing reached the switch");
    let (st, _) = call_with_type(
        &app,
        "POST",
        &uri,
        SPEC_BODY.into(),
        Some("application/json; charset=utf-8"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // Reads need no content type, and no CORS header is ever sent.
    let resp = app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/api/v1/switches")
                .header(header::ORIGIN, "http://elsewhere.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}

#[tokio::test]
async fn a_body_with_too_many_elements_is_refused_unparsed() {
    let h = harness();
    let cfg = ApiConfig {
        json: super::JsonLimits { max_elements: 1000 },
        ..ApiConfig::default()
    };
    let app = router(h.controller(), &cfg, vec![]);
    let uri = format!("/api/v1/switches/{S1}/flows");
    let mut big = b"[0".to_vec();
    for _ in 0..5000 {
        big.extend_from_slice(b",0");
    }
    big.push(b']');
    let (st, v) = call_with_type(&app, "POST", &uri, big, Some("application/json")).await;
    assert_error(st, &v, StatusCode::PAYLOAD_TOO_LARGE, "5002 elements");
    assert!(h.sent(Dpid(1)).is_empty());
}

#[test]
fn beyond_loopback_needs_a_token_or_insecure() {
    let open: std::net::SocketAddr = "0.0.0.0:8080".parse().expect("addr");
    let local: std::net::SocketAddr = "127.0.0.1:8080".parse().expect("addr");
    let mut cfg = ApiConfig::default();
    assert!(super::refusal(local, &cfg).is_none());
    let why = super::refusal(open, &cfg).expect("refused");
    assert!(
        why.contains("--api-insecure") && why.contains("token"),
        "{why}"
    );
    cfg.insecure = true;
    assert!(super::refusal(open, &cfg).is_none());
    cfg.insecure = false;
    cfg.token = Some("t".into());
    assert!(super::refusal(open, &cfg).is_none());
}
