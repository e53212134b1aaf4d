//! Codec hot path: PACKET_IN decode, FLOW_MOD encode (1.0, 1.3, 1.4, 1.5), and splitting a 64 KiB
//! read buffer of packet-ins into frames (alone and with every frame decoded).
//!
//! ```text
//! cargo bench -p openflow --bench codec -- --warm-up-time 1 --measurement-time 3
//! ```
//! Target (docs/src/codec.md): under 100 ns per message.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use openflow::header::{frames, MAX_MESSAGE_LEN};
use openflow::{Action, FlowMod, MacAddr, Match, Message, Neutral, Version};

#[path = "../tests/common/frames.rs"]
mod frames_fixture;

use frames_fixture::{cbench_packet_in_v10, packet_in_v13};

/// A frame in an already shared buffer, as the runtime's read buffer hands it out.
fn shared(bytes: Vec<u8>) -> Bytes {
    let b = Bytes::from(bytes);
    drop(b.clone());
    b
}

fn packet_in_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("packet_in_decode");
    g.throughput(Throughput::Elements(1));
    // 1.4 and 1.5 keep 1.3's PACKET_IN body: the same frame with their version byte.
    let with_version = |v: u8| {
        let mut f = packet_in_v13();
        f[0] = v;
        f
    };
    for (name, frame) in [
        ("1.0", cbench_packet_in_v10()),
        ("1.3", packet_in_v13()),
        ("1.4", with_version(0x05)),
        ("1.5", with_version(0x06)),
    ] {
        let frame = shared(frame);
        assert!(
            Message::decode(&frame).is_ok(),
            "{name}: the fixture must decode"
        );
        g.bench_function(name, |b| b.iter(|| Message::decode(black_box(&frame))));
    }
    g.finish();
}

/// What a learning switch installs per new flow: in_port + both MACs, idle timeout,
/// one output.
fn learning_flow_mod() -> FlowMod {
    FlowMod::add(
        Match::new()
            .in_port(1)
            .eth_src(MacAddr::new([0, 0, 0, 0, 0, 1]))
            .eth_dst(MacAddr::new([0, 0, 0, 0, 0, 2])),
    )
    .priority(10)
    .idle_timeout(60)
    .buffer_id(Some(0x100))
    .actions(vec![Action::output(2)])
}

fn flow_mod_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_mod_encode");
    g.throughput(Throughput::Elements(1));
    let fm = learning_flow_mod();
    for v in Version::CODEC {
        let msg = match fm.to_message(v) {
            Ok(m) => m,
            Err(e) => panic!("{v}: {e}"),
        };
        let mut out = Vec::with_capacity(1024);
        g.bench_function(v.to_string(), |b| {
            b.iter(|| {
                out.clear();
                black_box(&msg).encode(7, &mut out).ok();
                black_box(out.len())
            })
        });
        // What an app pays from the neutral FlowMod to bytes: `Context::send` encodes it
        // directly...
        g.bench_function(format!("{v} from neutral"), |b| {
            b.iter(|| {
                out.clear();
                black_box(&fm).encode_as(v, 7, &mut out).ok();
                black_box(out.len())
            })
        });
        // ...rather than lowering to the per-version message first.
        g.bench_function(format!("{v} lowered then encoded"), |b| {
            b.iter(|| {
                out.clear();
                if let Ok(m) = black_box(&fm).to_message(v) {
                    m.encode(7, &mut out).ok();
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

/// 64 KiB of back-to-back 1.0 packet-ins (the tail of the buffer holds a partial frame).
fn buffer_64k() -> (Bytes, usize) {
    let one = cbench_packet_in_v10();
    let mut buf = Vec::with_capacity(64 * 1024);
    while buf.len() + one.len() <= 64 * 1024 {
        buf.extend_from_slice(&one);
    }
    let whole = buf.len() / one.len();
    buf.extend_from_slice(&one[..64 * 1024 - buf.len()]);
    (shared(buf), whole)
}

fn frame_splitting(c: &mut Criterion) {
    let (buf, whole) = buffer_64k();
    let mut g = c.benchmark_group("frames_64k");
    g.throughput(Throughput::Elements(whole as u64));
    g.bench_function("split", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for f in frames(black_box(&buf), MAX_MESSAGE_LEN) {
                n += f.map(|f| f.len()).unwrap_or(0);
            }
            black_box(n)
        })
    });
    g.bench_function("split+decode", |b| {
        b.iter_batched(
            || buf.clone(),
            |buf| {
                let mut n = 0usize;
                for f in frames(&buf, MAX_MESSAGE_LEN).flatten() {
                    if Message::decode(&buf.slice_ref(f)).is_ok() {
                        n += 1;
                    }
                }
                assert_eq!(n, whole);
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, packet_in_decode, flow_mod_encode, frame_splitting);
criterion_main!(benches);
