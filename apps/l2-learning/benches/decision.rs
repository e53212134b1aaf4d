//! The l2-learning decision: the pure forwarding function, the MAC table, and the whole
//! app handling a PACKET_IN (learn, look up, FLOW_MOD + PACKET_OUT) through the pipeline.
//!
//! `cargo bench -p viola-l2-learning --bench decision`

use std::sync::Arc;
use std::time::Instant;
use viola_framework::Dpid;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use openflow::{packet_in_reason, MacAddr, Match, PacketIn, Version};
use viola_framework::testing::Harness;
use viola_framework::Event;
use viola_l2_learning::route::{route, Packet};
use viola_l2_learning::table::MacTable;
use viola_l2_learning::{L2Learning, Mode};

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0x00, 0x10, b[0], b[1], b[2], b[3]])
}

fn frame(src: MacAddr, dst: MacAddr) -> Bytes {
    let mut f = vec![0u8; 64];
    f[0..6].copy_from_slice(&dst.0);
    f[6..12].copy_from_slice(&src.0);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    Bytes::from(f)
}

fn bench_decision(c: &mut Criterion) {
    let mut g = c.benchmark_group("l2");
    g.throughput(Throughput::Elements(1));
    let now = Instant::now();
    let p = Packet {
        dpid: Dpid(1),
        in_port: 1,
        src: mac(1),
        dst: mac(2),
    };
    g.bench_function("route_learned_no_topology", |b| {
        b.iter(|| route(&p, Some(2), None, Mode::Learning, now))
    });

    let mut t = MacTable::default();
    for i in 0..1000 {
        t.learn(mac(i), 1, now, 8192);
    }
    let mut i = 0u32;
    g.bench_function("mac_table_learn_refresh_and_lookup", |b| {
        b.iter(|| {
            i = (i + 1) % 1000;
            t.learn(mac(i), 1, now, 8192);
            t.lookup(mac(i + 1))
        })
    });

    for v in Version::ALL {
        let app = Arc::new(L2Learning::default());
        let mut h = Harness::new(vec![app]);
        h.add_switch(Dpid(1), v, &[1, 2]);
        // Learn the destination at port 2.
        h.packet_in(Dpid(1), 2, frame(mac(0xffff), MacAddr::BROADCAST));
        let probes: Vec<PacketIn> = (0..256u32)
            .map(|i| PacketIn {
                buffer_id: Some(i),
                total_len: 64,
                reason: packet_in_reason::NO_MATCH,
                table_id: 0,
                cookie: 0,
                match_: Match::new().in_port(1),
                data: frame(mac(i), mac(0xffff)),
            })
            .collect();
        let mut n = 0usize;
        g.bench_function(
            format!("app_packet_in_to_flow_mod_and_packet_out_of{v}"),
            |b| {
                b.iter(|| {
                    n = (n + 1) % probes.len();
                    if n == 0 {
                        // The harness records what it sends; keep that bounded.
                        h.take_sent(Dpid(1));
                    }
                    h.deliver(&Event::PacketIn {
                        dpid: Dpid(1),
                        packet_in: &probes[n],
                    })
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench_decision);
criterion_main!(benches);
