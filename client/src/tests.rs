//! Against a one-shot HTTP server on loopback that answers a canned response and hands
//! back the request it read.

use std::net::SocketAddr;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::*;

async fn serve_once(answer: &'static str) -> (SocketAddr, JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = vec![0u8; 64 << 10];
        let mut n = 0;
        // Headers, then the body its Content-Length announces.
        loop {
            n += s.read(&mut buf[n..]).await.unwrap();
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_string)
                    })
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if n >= end + 4 + len {
                    break;
                }
            }
        }
        s.write_all(answer.as_bytes()).await.unwrap();
        s.shutdown().await.unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    });
    (addr, task)
}

#[test]
fn addresses_are_normalised() {
    for (given, base) in [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://h:1/api/v1", "http://h:1"),
    ] {
        assert_eq!(RestClient::new(given).unwrap().base(), base, "{given}");
    }
    for bad in ["https://h:1", "http://", "http://h:1/other"] {
        assert!(RestClient::new(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn get_decodes_chunked_json_and_sends_the_token() {
    let (addr, req) = serve_once(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
    )
    .await;
    let c = RestClient::new(&addr.to_string())
        .unwrap()
        .with_token(Some("s3cret".into()));
    let v: Value = c.get("/topology").await.unwrap();
    assert_eq!(v, json!({"a": 1}));
    let req = req.await.unwrap();
    assert!(req.starts_with("GET /api/v1/topology HTTP/1.1"), "{req}");
    assert!(
        req.to_ascii_lowercase()
            .contains("authorization: bearer s3cret"),
        "{req}"
    );
}

#[tokio::test]
async fn no_token_by_default_and_post_sends_json() {
    let (addr, req) = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let c = RestClient::new(&addr.to_string()).unwrap();
    let v: Value = c.post("/flows/state", &json!({"x": 1})).await.unwrap();
    assert_eq!(v, Value::Null);
    let req = req.await.unwrap().to_ascii_lowercase();
    assert!(!req.contains("authorization"), "{req}");
    assert!(req.contains("content-type: application/json"), "{req}");
    assert!(req.ends_with("{\"x\":1}"), "{req}");
}

#[tokio::test]
async fn an_error_status_is_one_line_naming_url_and_status() {
    let (addr, _req) = serve_once(
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n\
         {\"error\": \"no switch\\n0000000000000009\"}",
    )
    .await;
    let c = RestClient::new(&addr.to_string()).unwrap();
    let e = c.get::<Value>("/switches/9").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(
        e.to_string(),
        format!("no switch 0000000000000009 (HTTP 404 from http://{addr}/api/v1/switches/9)")
    );
}

#[tokio::test]
async fn an_unreachable_controller_names_the_url() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let e = RestClient::new(&addr.to_string())
        .unwrap()
        .get::<Value>("/topology")
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "cannot reach the controller at http://{addr}/api/v1/topology"
        )),
        "{e}"
    );
}
