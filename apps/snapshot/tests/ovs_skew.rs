//! The GENI-VIOLIN TCP-stall microbenchmark (`viola_testbed::experiment::skew`) on real
//! Open vSwitch, short: an iperf3 stream h1 → h2, the sender advanced 1 s before the
//! receiver, Type-3 packets buffered or dropped. Buffering must stall the stream about as
//! long as the skew, dropping longer (TCP's retransmission timer backs off while its
//! packets are dropped, so it recovers only at its next retry after the receiver's
//! ADVANCE).
//!
//! Needs root, Open vSwitch, tcpdump and iperf3; FAILS with the reason when one is missing.

use viola_testbed::experiment::skew::{self, Options, Policy};
use viola_testbed::lab::isolate;

const SKEW: f64 = 1.0;

fn body() {
    let dir = isolate::RunDir::new("skew");
    let opts = Options {
        skews: vec![SKEW],
        policies: vec![Policy::Buffer, Policy::Drop],
        lead: 1.5,
        tail: 3.5,
        run_dir: dir.path().to_path_buf(),
        prefix: "vsk-".into(),
        ..Options::default()
    };
    let report = skew::run(&opts)
        .unwrap_or_else(|e| panic!("skew experiment: {e}{}", isolate::ovs_diag(dir.path())));
    let table = report.markdown_table();
    for line in table.lines() {
        println!("FIGURE {line}");
    }
    let buffer = report.stall(SKEW, Policy::Buffer).expect("buffer run");
    let drop = report.stall(SKEW, Policy::Drop).expect("drop run");
    for r in &report.runs {
        assert!(
            r.bytes > 1_000_000,
            "the stream barely moved ({} bytes):\n{table}",
            r.bytes
        );
        assert!(
            r.counts["type3"].as_u64().unwrap_or(0) > 0,
            "no Type-3 packet in the {} run:\n{table}",
            r.policy.as_str()
        );
    }
    assert!(
        drop >= SKEW - 0.1,
        "dropping Type-3 packets must stall the stream at least the skew:\n{table}"
    );
    assert!(
        buffer >= SKEW - 0.1 && buffer < SKEW + 0.3,
        "buffering must stall the stream about as long as the skew:\n{table}"
    );
    assert!(
        buffer < drop,
        "buffering must stall less than dropping:\n{table}"
    );
}

#[test]
fn ovs_skew_buffering_stalls_tcp_less_than_dropping() {
    isolate::isolated_with(
        "ovs_skew_buffering_stalls_tcp_less_than_dropping",
        &["tcpdump", "iperf3"],
        body,
    );
}
