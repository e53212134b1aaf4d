//! `viola bench`'s library entry against an in-process controller running l2-learning,
//! and against a fake controller that answers a known number of probes, where the count
//! must be exact.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use openflow::header::frame_len;
use openflow::{
    hello, port, Action, Control, FlowMod, MacAddr, Match, Message, MessageKind, Neutral,
    PacketOut, Version,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use viola_bench as bench;
use viola_bench::{BenchConfig, BenchMode};
use viola_framework::{ControllerBuilder, ListenAddr};
use viola_l2_learning::L2Learning;

async fn l2_controller() -> (viola_framework::RunningController, SocketAddr) {
    let running = ControllerBuilder::new()
        .app(Arc::new(L2Learning::default()))
        .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
        .start()
        .await
        .expect("controller starts");
    let addr = running.local_addrs()[0];
    (running, addr)
}

fn config(addr: SocketAddr, mode: BenchMode, version: Version) -> BenchConfig {
    BenchConfig {
        controller: addr,
        switches: 4,
        macs: 64,
        mode,
        version,
        duration: Duration::from_secs(1),
        loops: 2,
        warmup: Duration::ZERO,
        setup_timeout: Duration::from_secs(10),
        ..BenchConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_against_l2_learning() {
    for v in Version::ALL {
        let (running, addr) = l2_controller().await;
        let mut ticks = 0;
        let mut cfg = config(addr, BenchMode::Throughput, v);
        // The controller runs in this process: its memory is read after each loop.
        cfg.controller_pid = Some(std::process::id());
        let r = bench::run(&cfg, |_| ticks += 1).await.expect("bench runs");
        assert_eq!(r.rss_kib_per_loop.len(), 2, "{v}: {r:?}");
        assert!(r.rss_kib_per_loop.iter().all(|&k| k > 1000), "{v}: {r:?}");
        assert!(r
            .render_text()
            .contains("controller RSS at the end of loop 1/max/last"));
        assert_eq!(r.unlearned, 0, "{v}: every switch's ARP was answered");
        assert_eq!(r.loops.len(), 2);
        assert!(ticks >= 2, "{v}: {ticks} ticks");
        assert!(r.responses > 0 && r.summary.avg > 0.0, "{v}: {r:?}");
        // l2-learning answers a probe to a learned host with a FLOW_MOD and a PACKET_OUT.
        assert!(r.flow_mods > 0 && r.packet_outs > 0, "{v}: {r:?}");
        assert!(
            r.responses <= 2 * r.packet_ins,
            "{v}: more answers than probes: {r:?}"
        );
        assert!(r
            .result_line()
            .starts_with("RESULT: 4 switches 2 tests min/max/avg/stdev = "));
        running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_against_l2_learning() {
    let (running, addr) = l2_controller().await;
    let mut cfg = config(addr, BenchMode::Latency, Version::V1_0);
    cfg.loops = 1;
    let r = bench::run(&cfg, |_| {}).await.expect("bench runs");
    let l = r.latency.clone().expect("latency figures");
    assert!(l.samples > 0, "{l:?}");
    assert!(
        l.p50_us > 0.0 && l.p50_us <= l.p99_us && l.p99_us <= l.max_us,
        "{l:?}"
    );
    // One probe in flight per switch: never more probes than answered ones (l2-learning
    // answers each with one FLOW_MOD) + timed-out ones + one per switch. Latency samples
    // are only taken inside the measured window, so they cannot stand in for the answers.
    assert!(r.packet_ins <= r.flow_mods + l.timeouts + 4, "{r:?}");
    assert!(l.samples <= r.packet_ins, "{r:?}");
    running.shutdown().await;
}

/// What the fake controller saw.
#[derive(Default)]
struct Seen {
    dpids: BTreeSet<u64>,
    echo_replies: usize,
}

const ANSWERED: usize = 25;

/// Answers the first [`ANSWERED`] probes of each switch with one FLOW_MOD add, plus
/// messages that must not count (a delete, an LLDP PACKET_OUT); answers the ARP with a
/// PACKET_OUT (before probing: not counted) and sends an echo request per answer.
async fn fake_switch_conn(mut s: tokio::net::TcpStream, v: Version, seen: Arc<Mutex<Seen>>) {
    let mut out = Vec::new();
    hello::encode_hello(&[v], 1, &mut out);
    Control::FeaturesRequest
        .to_message(v)
        .unwrap()
        .encode(2, &mut out)
        .unwrap();
    Control::BarrierRequest
        .to_message(v)
        .unwrap()
        .encode(3, &mut out)
        .unwrap();
    s.write_all(&out).await.unwrap();
    let mut buf = Vec::with_capacity(1 << 16);
    let mut answered = 0;
    loop {
        match s.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut at = 0;
        let mut out = Vec::new();
        while let Ok(Some(n)) = frame_len(&buf[at..], 0xffff) {
            // Probes past the answered ones are skipped undecoded, so this keeps up.
            // (The ARP came first, so nothing after the answered probes needs an answer.)
            if buf.get(at + 1) == Some(&0x0a) && answered >= ANSWERED {
                at += n;
                continue;
            }
            let frame = Bytes::copy_from_slice(&buf[at..at + n]);
            at += n;
            let Ok((_, msg)) = Message::decode(&frame) else {
                continue;
            };
            match msg.kind() {
                MessageKind::FeaturesReply => {
                    seen.lock()
                        .unwrap()
                        .dpids
                        .insert(msg.features_reply().unwrap().datapath_id.get());
                }
                MessageKind::EchoReply => seen.lock().unwrap().echo_replies += 1,
                MessageKind::PacketIn => {
                    let pi = msg.packet_in().unwrap();
                    if pi.data.get(12..14) == Some(&[0x08, 0x06]) {
                        let po = PacketOut::new(
                            pi.in_port(),
                            vec![Action::output(port::FLOOD)],
                            pi.data.clone(),
                        );
                        po.to_message(v).unwrap().encode(9, &mut out).unwrap();
                    } else if answered < ANSWERED {
                        answered += 1;
                        let src = MacAddr(pi.data[6..12].try_into().unwrap());
                        let add = FlowMod::add(Match::new().in_port(1).eth_src(src))
                            .actions(vec![Action::output(2)]);
                        add.to_message(v).unwrap().encode(10, &mut out).unwrap();
                        let del = FlowMod::delete(Match::new().eth_src(src));
                        del.to_message(v).unwrap().encode(11, &mut out).unwrap();
                        let mut lldp = vec![0u8; 60];
                        lldp[12..14].copy_from_slice(&[0x88, 0xcc]);
                        let po = PacketOut::new(
                            port::CONTROLLER,
                            vec![Action::output(1)],
                            Bytes::from(lldp),
                        );
                        po.to_message(v).unwrap().encode(12, &mut out).unwrap();
                        Control::EchoRequest(Bytes::from_static(b"x"))
                            .to_message(v)
                            .unwrap()
                            .encode(13, &mut out)
                            .unwrap();
                    }
                }
                _ => {}
            }
        }
        buf.drain(..at);
        if !out.is_empty() && s.write_all(&out).await.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_exactly_against_a_fake_controller() {
    for v in Version::ALL {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let s2 = seen.clone();
        let server = tokio::spawn(async move {
            loop {
                let (s, _) = listener.accept().await.unwrap();
                tokio::spawn(fake_switch_conn(s, v, s2.clone()));
            }
        });
        let mut cfg = config(addr, BenchMode::Throughput, v);
        cfg.switches = 5;
        cfg.dpid_offset = 0x100;
        cfg.loops = 1;
        cfg.warmup = Duration::from_millis(500);
        let r = bench::run(&cfg, |_| {}).await.expect("bench runs");
        assert_eq!(r.unlearned, 0);
        assert_eq!(r.responses, (5 * ANSWERED) as u64, "{v}: {r:?}");
        assert_eq!(
            (r.flow_mods, r.packet_outs),
            ((5 * ANSWERED) as u64, 0),
            "{v}"
        );
        // Echo replies may still be queued behind probes: give them a moment.
        for _ in 0..100 {
            if seen.lock().unwrap().echo_replies >= 5 * ANSWERED {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.dpids, (0x100..0x105).collect::<BTreeSet<u64>>(), "{v}");
        assert_eq!(seen.echo_replies, 5 * ANSWERED, "{v}: every echo answered");
        server.abort();
    }
}

#[tokio::test]
async fn refused_connection_is_an_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = bench::run(&config(addr, BenchMode::Throughput, Version::V1_0), |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}
