//! Hot-path micro-benchmarks of the runtime: the app pipeline (tracing and timing layers,
//! verdicts) and the sans-IO connection turning a read batch of PACKET_INs into events and
//! FLOW_MODs into bytes.
//!
//! `cargo bench -p viola-framework --bench pipeline`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use viola_framework::Dpid;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use openflow::{
    packet_in_reason, Action, Control, FeaturesReply, FlowMod, MacAddr, Match, Message, Neutral,
    PacketIn, PortInfo, StatsReply, StatsReplyBody, Version,
};
use viola_framework::connection::{ConnConfig, Connection, Output};
use viola_framework::testing::Harness;
use viola_framework::{App, Context, Event, Verdict};

/// Counts events and passes them on.
struct Pass(AtomicU64);
impl App for Pass {
    fn name(&self) -> &'static str {
        "pass"
    }
    fn handle(&self, _: &Event<'_>, _: &mut Context<'_>) -> Verdict {
        self.0.fetch_add(1, Ordering::Relaxed);
        Verdict::Continue
    }
}

/// Counts PACKET_INs and stops them.
struct Sink(AtomicU64);
impl App for Sink {
    fn name(&self) -> &'static str {
        "sink"
    }
    fn handle(&self, e: &Event<'_>, _: &mut Context<'_>) -> Verdict {
        if matches!(e, Event::PacketIn { .. }) {
            self.0.fetch_add(1, Ordering::Relaxed);
            return Verdict::Stop;
        }
        Verdict::Continue
    }
}

fn frame(src: u8) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[6..12].copy_from_slice(&[0x00, 0, 0, 0, 0, src]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f
}

fn bench_pipeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(1));
    for n_pass in [0usize, 2] {
        let mut apps: Vec<Arc<dyn App>> = (0..n_pass)
            .map(|_| Arc::new(Pass(AtomicU64::new(0))) as Arc<dyn App>)
            .collect();
        apps.push(Arc::new(Sink(AtomicU64::new(0))));
        let mut h = Harness::new(apps);
        h.add_switch(Dpid(1), Version::V1_0, &[1, 2]);
        let pi = PacketIn {
            buffer_id: Some(7),
            total_len: 64,
            reason: packet_in_reason::NO_MATCH,
            table_id: 0,
            cookie: 0,
            match_: Match::new().in_port(1),
            data: Bytes::from(frame(1)),
        };
        g.bench_function(format!("packet_in_through_{}_apps", n_pass + 1), |b| {
            b.iter(|| {
                h.deliver(&Event::PacketIn {
                    dpid: Dpid(1),
                    packet_in: &pi,
                })
            })
        });
    }
    g.finish();
}

/// Answers what the connection wrote until the handshake is done.
fn handshake(v: Version) -> Connection {
    let now = Instant::now();
    let mut conn = Connection::new(
        ConnConfig {
            versions: vec![v],
            ..ConnConfig::default()
        },
        now,
    );
    let mut out = Vec::new();
    let mut input = BytesMut::new();
    let mut hello = Vec::new();
    openflow::hello::encode_hello(&[v], 1, &mut hello);
    input.extend_from_slice(&hello);
    for _ in 0..8 {
        conn.on_bytes(&mut input, now, &mut out);
        let written = conn.take_out();
        for f in openflow::header::frames(&written, 0xffff).flatten() {
            let Ok((xid, m)) = Message::decode(&Bytes::copy_from_slice(f)) else {
                continue;
            };
            let reply: Option<Message> = match m.control() {
                Some(Control::FeaturesRequest) => FeaturesReply {
                    datapath_id: Dpid(1),
                    n_buffers: 256,
                    n_tables: 1,
                    auxiliary_id: 0,
                    capabilities: 0,
                    ports: Vec::<PortInfo>::new(),
                }
                .to_message(v)
                .ok(),
                Some(Control::BarrierRequest) => Control::BarrierReply.to_message(v).ok(),
                _ if m.stats_request().is_some() => StatsReply {
                    more: false,
                    body: StatsReplyBody::PortDesc(Vec::new()),
                }
                .to_message(v)
                .ok(),
                _ => None,
            };
            if let Some(r) = reply.and_then(|r| r.to_bytes(xid).ok()) {
                input.extend_from_slice(&r);
            }
        }
        if conn.is_up() {
            break;
        }
    }
    assert!(conn.is_up(), "handshake did not complete");
    conn
}

fn bench_connection(c: &mut Criterion) {
    const BATCH: usize = 64;
    let mut g = c.benchmark_group("connection");
    g.throughput(Throughput::Elements(BATCH as u64));
    for v in Version::ALL {
        let mut conn = handshake(v);
        let mut batch = Vec::new();
        for i in 0..BATCH {
            let pi = PacketIn {
                buffer_id: Some(i as u32),
                total_len: 64,
                reason: packet_in_reason::NO_MATCH,
                table_id: 0,
                cookie: 0,
                match_: Match::new().in_port(1),
                data: Bytes::from(frame(i as u8)),
            };
            batch.extend_from_slice(&pi.to_message(v).unwrap().to_bytes(i as u32).unwrap());
        }
        let fm = FlowMod::add(
            Match::new()
                .in_port(1)
                .eth_src(MacAddr([0, 0, 0, 0, 0, 1]))
                .eth_dst(MacAddr([2, 0, 0, 0, 0, 1])),
        )
        .priority(100)
        .idle_timeout(30)
        .actions(vec![Action::output(2)]);
        let mut outputs = Vec::with_capacity(BATCH);
        g.bench_function(format!("packet_in_batch_to_flow_mods_of{v}"), |b| {
            b.iter_batched_ref(
                || BytesMut::from(&batch[..]),
                |input| {
                    conn.on_bytes(input, Instant::now(), &mut outputs);
                    for o in outputs.drain(..) {
                        if let Output::PacketIn(_) = o {
                            let _ = conn.send_neutral(&fm);
                        }
                    }
                    conn.clear_out();
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench_pipeline, bench_connection);
criterion_main!(benches);
