//! The REST API of the real `viola run` binary against hostile clients: a browser-style
//! `text/plain` POST, a 60 MiB JSON array, and an API address beyond loopback without a
//! token.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_addr, ViolaRun, VIOLA};

/// `viola run` with its OpenFlow listener on a free loopback port, once its API answers.
struct Controller {
    run: ViolaRun,
    api: SocketAddr,
}

impl Controller {
    async fn start() -> Controller {
        let api = free_addr();
        let run = ViolaRun::spawn(
            &[
                "--listen",
                "127.0.0.1:0",
                "--apps",
                "topology",
                "--api",
                &api.to_string(),
            ],
            &[],
            None,
        );
        let c = Controller { run, api };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::get(c.url("/api/v1/switches")).await {
                if r.status().is_success() {
                    return c;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("viola run did not serve its API on {api}");
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.api)
    }

    fn peak_rss_kib(&self) -> u64 {
        self.run.peak_rss_kib()
    }
}

#[tokio::test]
async fn a_browser_style_post_gets_415_and_changes_nothing() {
    let c = Controller::start().await;
    let http = reqwest::Client::new();
    let r = http
        .post(c.url("/api/v1/switches/1/flows"))
        .header("content-type", "text/plain")
        .body(r#"{"priority": 1, "match": {}, "actions": []}"#)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 415);
    let body = r.text().await.expect("body");
    assert!(body.contains("application/json"), "{body}");
}

#[tokio::test]
async fn a_60_mib_json_array_does_not_blow_memory() {
    let c = Controller::start().await;
    let before = c.peak_rss_kib();
    // 30 million elements: parsed into JSON values this would take well over a gigabyte.
    let n = 30 * 1024 * 1024;
    let mut body = Vec::with_capacity(2 * n + 2);
    body.push(b'[');
    for i in 0..n {
        if i > 0 {
            body.push(b',');
        }
        body.push(b'0');
    }
    body.push(b']');
    assert!(body.len() > 60 * 1024 * 1024 - 16);
    let r = reqwest::Client::new()
        .post(c.url("/api/v1/switches/1/flows"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 413, "{:?}", r.text().await);
    let after = c.peak_rss_kib();
    eprintln!("controller peak RSS: {before} KiB before, {after} KiB after the 60 MiB body");
    // The body itself is held once (60 MiB); nothing is built from it.
    assert!(
        after < before + 200 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
    // Still serving.
    let r = reqwest::get(c.url("/api/v1/switches")).await.expect("GET");
    assert!(r.status().is_success());
}

#[test]
fn an_api_beyond_loopback_without_a_token_is_refused_at_startup() {
    let out = Command::new(VIOLA)
        .args(["run", "--listen", "127.0.0.1:0", "--apps", "topology"])
        .args(["--api", &format!("0.0.0.0:{}", free_addr().port())])
        .env_remove("VIOLA_TOKEN")
        .output()
        .expect("run viola");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("--api-insecure") && err.contains("token"),
        "{err}"
    );
}

#[test]
fn cli_commands_send_the_token_from_viola_token() {
    let api = free_addr().to_string();
    let run = ViolaRun::spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--apps",
            "topology,flow-state",
            "--api",
            &api,
        ],
        &[("VIOLA_TOKEN", "s3cret-token")],
        None,
    );
    let dir = std::env::temp_dir().join(format!("viola-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let doc = dir.join("empty.json");
    std::fs::write(
        &doc,
        r#"{"format": "viola.flow-state/1", "taken_at": "2026-11-22T06:55:26.646Z", "switches": []}"#,
    )
    .expect("write doc");
    let restore = |token: Option<&str>| {
        let mut c = Command::new(VIOLA);
        c.args(["flows", "restore", "--api", &format!("http://{api}")])
            .arg(&doc)
            .env_remove("VIOLA_TOKEN");
        if let Some(t) = token {
            c.env("VIOLA_TOKEN", t);
        }
        c.output().expect("run viola flows")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut without = restore(None);
    while String::from_utf8_lossy(&without.stderr).contains("cannot reach")
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
        without = restore(None);
    }
    let with = restore(Some("s3cret-token"));
    drop(run);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!without.status.success());
    let err = String::from_utf8_lossy(&without.stderr);
    assert!(err.contains("401") && err.contains("bearer token"), "{err}");
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
}
