//! Rough throughput of the runtime on this machine: scripted OpenFlow 1.0 switches on
//! 127.0.0.1 keep a window of PACKET_INs in flight; a hub-like app answers each with a
//! PACKET_OUT. Prints packet-outs per second. Not a benchmark of record (see `viola bench`).
//!
//! `cargo run --release -p viola-framework --example loopback -- [SWITCHES] [SECONDS] [WINDOW]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use viola_framework::Dpid;

use openflow::{port, Action, PacketOut, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use viola_framework::testing::{frames, ScriptedSwitch};
use viola_framework::{App, Context, ControllerBuilder, Event, Verdict};

struct Hub;

impl App for Hub {
    fn name(&self) -> &'static str {
        "hub"
    }
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        if let Event::PacketIn { dpid, packet_in } = *event {
            let out = PacketOut::new(
                packet_in.in_port(),
                vec![Action::output(port::FLOOD)],
                packet_in.data.clone(),
            );
            let _ = cx.send(dpid, &out);
        }
        Verdict::Stop
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let switches = args.first().copied().unwrap_or(16);
    let secs = args.get(1).copied().unwrap_or(5);
    let window = args.get(2).copied().unwrap_or(64) as usize;
    let running = ControllerBuilder::new()
        .app(Arc::new(Hub))
        .listen("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .expect("start");
    let addr = running.local_addrs()[0];
    let total = Arc::new(AtomicU64::new(0));
    let stop = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for i in 0..switches {
        let total = total.clone();
        tasks.push(tokio::spawn(async move {
            let mut sw = ScriptedSwitch::connect(addr).await.expect("connect");
            sw.handshake(Version::V1_0, Dpid(i + 1))
                .await
                .expect("handshake");
            let mut tcp = sw.into_inner();
            let pin = frames::packet_in_v10(0, 1, &[0x5a; 64]);
            let batch: Vec<u8> = pin
                .iter()
                .copied()
                .cycle()
                .take(pin.len() * window)
                .collect();
            let mut buf = vec![0u8; 1 << 16];
            let mut pending = 0usize; // bytes of packet-out frames still to count
            let po_len = 8 + 8 + 8 + 64; // header + packet_out fixed + one output action + data
            let mut outstanding = 0usize;
            while Instant::now() < stop {
                if outstanding < window / 2 {
                    tcp.write_all(&batch).await.expect("write");
                    outstanding += window;
                }
                let n = tcp.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                pending += n;
                let done = pending / po_len;
                pending %= po_len;
                outstanding = outstanding.saturating_sub(done);
                total.fetch_add(done as u64, Ordering::Relaxed);
            }
        }));
    }
    let t0 = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let n = total.load(Ordering::Relaxed);
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{switches} switches, window {window}: {n} packet-outs in {dt:.1} s = {:.0}/s",
        n as f64 / dt
    );
    let m = viola_framework::metrics::metrics();
    let sent = m
        .messages_sent_total
        .with_label_values(&["PACKET_OUT"])
        .get();
    let received = m
        .messages_received_total
        .with_label_values(&["PACKET_IN"])
        .get();
    println!("controller: {received} PACKET_IN received, {sent} PACKET_OUT sent");
    running.shutdown().await;
}
