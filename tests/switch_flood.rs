//! A hostile switch against the real `viola run`: a million PORT_STATUS ADDs and a
//! multipart reply that never ends. The controller's memory stays bounded (the figure is
//! printed), the request fails with a clear error, and a well-behaved switch next to it
//! keeps being served (its echo is answered).

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, Mutex};

use openflow::Version::V1_3;
use openflow::{port_reason, Dpid, Message, PortStatus};
use viola_framework::testing::{fake_port, frames, ScriptedSwitch};

const VIOLA: &str = env!("CARGO_BIN_EXE_viola");
/// Message types (1.3).
const ECHO_REQUEST: u8 = 2;
const ECHO_REPLY: u8 = 3;
const MULTIPART_REQUEST: u8 = 18;

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

struct Controller(Child);

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .expect("a /proc status field")
}

/// `n` PORT_STATUS ADDs for new ports, encoded once and patched (port number at offset 16).
fn port_status_flood(dpid: Dpid, n: u32) -> Vec<u8> {
    let mut one = Vec::new();
    Message::from_neutral(
        V1_3,
        &PortStatus {
            reason: port_reason::ADD,
            port: fake_port(dpid, 1),
        },
    )
    .expect("1.3 port status")
    .encode(1, &mut one)
    .expect("encode");
    let mut out = Vec::with_capacity(one.len() * n as usize);
    for port_no in 1..=n {
        let at = out.len();
        out.extend_from_slice(&one);
        out[at + 16..at + 20].copy_from_slice(&port_no.to_be_bytes());
    }
    out
}

/// A fake switch after its handshake: a task reads everything the controller sends,
/// answers echo requests, and reports each message's type and xid; writes go through
/// [`Peer::send`]. (A switch that stops reading is rightly dropped by the controller.)
struct Peer {
    wr: Arc<Mutex<OwnedWriteHalf>>,
    seen: mpsc::UnboundedReceiver<(u8, u32)>,
}

impl Peer {
    async fn connect(of: SocketAddr, dpid: Dpid) -> Peer {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut s = loop {
            match ScriptedSwitch::connect(of).await {
                Ok(s) => break s,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("viola run does not listen on {of}: {e}"),
            }
        };
        s.handshake(V1_3, dpid).await.expect("handshake");
        let (mut rd, wr) = s.into_inner().into_split();
        let wr = Arc::new(Mutex::new(wr));
        let (tx, seen) = mpsc::unbounded_channel();
        let echo = Arc::clone(&wr);
        tokio::spawn(async move {
            let mut head = [0u8; 8];
            while rd.read_exact(&mut head).await.is_ok() {
                let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
                let mut body = vec![0u8; len.saturating_sub(8)];
                if rd.read_exact(&mut body).await.is_err() {
                    break;
                }
                let xid = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
                if head[1] == ECHO_REQUEST {
                    let reply = frames::echo_reply(V1_3, xid, &body);
                    let _ = echo.lock().await.write_all(&reply).await;
                }
                let _ = tx.send((head[1], xid));
            }
        });
        Peer { wr, seen }
    }

    async fn send(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.wr.lock().await.write_all(bytes).await
    }

    /// The xid of the next message of type `ty` from the controller.
    async fn next(&mut self, ty: u8) -> u32 {
        let wait = async {
            while let Some((t, xid)) = self.seen.recv().await {
                if t == ty {
                    return xid;
                }
            }
            panic!("the controller closed the connection");
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .expect("in time")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_status_floods_and_endless_multipart_leave_memory_bounded() {
    let (of, api) = (free_addr(), free_addr());
    let log = std::env::temp_dir().join(format!("viola-switch-flood-{}.log", std::process::id()));
    let child = Command::new(VIOLA)
        .args([
            "run",
            "--listen",
            &of.to_string(),
            "--api",
            &api.to_string(),
        ])
        .args(["--apps", "topology,l2-learning"])
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(&log)
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .expect("spawn viola run");
    let pid = child.id();
    let _guard = Controller(child);
    let mut hostile = Peer::connect(of, Dpid(0x66)).await;
    let mut good = Peer::connect(of, Dpid(0x67)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(pid, "VmHWM:");

    // A million new ports, written in whole frames so echo replies can go in between.
    const PORTS: u32 = 1_000_000;
    let flood = port_status_flood(Dpid(0x66), PORTS);
    let frame_len = flood.len() / PORTS as usize;
    for chunk in flood.chunks(frame_len * 8192) {
        hostile.send(chunk).await.expect("send the port flood");
    }
    drop(flood);

    // A flow-stats request through the REST API, answered with parts that never end.
    let url = format!("http://{api}/api/v1/switches/0000000000000066/flows");
    let ask = tokio::spawn(async move { reqwest::get(url).await?.text().await });
    let xid = hostile.next(MULTIPART_REQUEST).await;
    let part = frames::stats_reply(V1_3, xid, 0xffff, true, &[0x5a; 60_000]);
    let mut sent_parts = 0usize;
    let answer = loop {
        for _ in 0..64 {
            hostile.send(&part).await.expect("send a part");
            sent_parts += 1;
        }
        if ask.is_finished() || sent_parts > 4_000 {
            break ask.await.expect("join").expect("the REST call answers");
        }
    };
    // The controller keeps ignoring further parts of the failed request.
    for _ in 0..256 {
        hostile.send(&part).await.expect("send a part");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid, "VmHWM:");
    eprintln!(
        "controller peak RSS: {before} KiB before, {after} KiB after {PORTS} PORT_STATUS ADDs \
         and {} multipart parts of 60 kB",
        sent_parts + 256
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
    assert_eq!(good.next(ECHO_REPLY).await, 0x600d);
    let _ = std::fs::remove_file(&log);
}
