//! A hostile switch against the real `viola run`: a million PORT_STATUS ADDs and a
//! multipart reply that never ends. The controller's memory stays bounded (the figure is
//! printed), the request fails with a clear error, and a well-behaved switch next to it
//! keeps being served (its echo is answered).

mod common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{free_addr, ViolaRun};
use openflow::Dpid;
use openflow::Version::V1_3;
use viola_framework::testing::{frames, EchoingSwitch};

/// Message types (1.3).
const ECHO_REPLY: u8 = 3;
const MULTIPART_REQUEST: u8 = 18;

/// An [`EchoingSwitch`] once `viola run` listens.
async fn connect(of: SocketAddr, dpid: Dpid) -> EchoingSwitch {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match EchoingSwitch::connect(of, V1_3, dpid).await {
            Ok(s) => return s,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("viola run does not listen on {of}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_status_floods_and_endless_multipart_leave_memory_bounded() {
    let (of, api) = (free_addr(), free_addr());
    let log = std::env::temp_dir().join(format!("viola-switch-flood-{}.log", std::process::id()));
    let stderr = std::fs::File::create(&log).ok().map(Stdio::from);
    let run = ViolaRun::spawn(
        &[
            "--listen",
            &of.to_string(),
            "--api",
            &api.to_string(),
            "--apps",
            "topology,l2-learning",
        ],
        &[],
        stderr,
    );
    let mut hostile = connect(of, Dpid(0x66)).await;
    let mut good = connect(of, Dpid(0x67)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = run.peak_rss_kib();

    // A million new ports, written in whole frames so echo replies can go in between.
    const PORTS: u32 = 1_000_000;
    let flood = frames::port_status_adds_v13(Dpid(0x66), PORTS);
    let frame_len = flood.len() / PORTS as usize;
    hostile
        .send_frames(&flood, frame_len)
        .await
        .expect("send the port flood");
    drop(flood);

    // A flow-stats request through the REST API, answered with parts that never end.
    let url = format!("http://{api}/api/v1/switches/0000000000000066/flows");
    let ask = tokio::spawn(async move { reqwest::get(url).await?.text().await });
    let xid = hostile
        .next(MULTIPART_REQUEST, Duration::from_secs(30))
        .await
        .expect("the controller asks for flow stats");
    let sent_parts = hostile
        .endless_reply(xid, || ask.is_finished(), 4_096)
        .await
        .expect("send parts");
    let answer = ask.await.expect("join").expect("the REST call answers");
    // The controller keeps ignoring further parts of the failed request.
    let more = hostile
        .endless_reply(xid, || false, 256)
        .await
        .expect("send parts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = run.peak_rss_kib();
    eprintln!(
        "controller peak RSS: {before} KiB before, {after} KiB after {PORTS} PORT_STATUS ADDs \
         and {} multipart parts of 60 kB",
        sent_parts + more
    );
    assert!(answer.contains("max_reply_bytes"), "{answer}");
    assert!(
        after < before + 256 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );

    // The good switch is still served: its echo request is answered.
    good.send(&frames::echo_request(V1_3, 0x600d, b"still there"))
        .await
        .expect("send");
    assert_eq!(
        good.next(ECHO_REPLY, Duration::from_secs(30)).await,
        Some(0x600d)
    );
    let _ = std::fs::remove_file(&log);
}
