//! The GENI-VIOLIN TCP-stall microbenchmark (`viola_testbed::experiment::skew`) on real
//! Open vSwitch, short: an iperf3 stream h1 → h2, the sender advanced 1 s before the
//! receiver, Type-3 packets buffered or dropped. Checks what is robust (both runs see
//! Type-3 packets, the policies count them as they should, no stream stalls less than the
//! skew) and prints the stall times as FIGURE lines.
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
        let c = |k: &str| r.counts[k].as_u64().unwrap_or(u64::MAX);
        match r.policy {
            Policy::Buffer => assert!(
                c("dropped_policy") == 0
                    && c("dropped_overflow") == 0
                    && c("buffered") >= c("type3")
                    && c("reinjected") == c("buffered"),
                "buffer run: everything held must be re-injected:\n{table}"
            ),
            Policy::Drop => assert!(
                c("dropped_policy") == c("type3") && c("buffered") == 0,
                "drop run: every Type-3 packet must be dropped:\n{table}"
            ),
        }
    }
    // Robust: nothing passes while the receiver is pre-snapshot, so neither policy stalls
    // the stream for less than the skew (minus the measuring granularity).
    assert!(
        drop >= SKEW - 0.1 && buffer >= SKEW - 0.1,
        "a stream stalled less than the skew:\n{table}"
    );
    // Not asserted, reported: buffering usually stalls the skew and no more (1.0 s against
    // 1.5 s for dropping), but in about one run of six a segment sent right after REINJECT
    // goes missing and TCP waits for its backed-off retransmission timer (2.2 s); see
    // docs/src/experiments.md.
    println!(
        "FIGURE skew {SKEW} s: buffer stall {buffer:.2} s, drop stall {drop:.2} s ({})",
        if buffer < drop {
            "buffer stalls less"
        } else {
            "buffer does NOT stall less"
        }
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
