//! A hostile switch next to real Open vSwitch: while hosts ping each other through two
//! Viola-programmed bridges (linear,2, OpenFlow 1.3), a fake switch sends a million
//! PORT_STATUS ADDs and answers a flow-stats request with parts that never end. The pings
//! keep flowing, the request fails naming the limit, and the controller's memory stays
//! bounded (the figure is printed).
//!
//! Needs root, Open vSwitch, iproute2 and ping; FAILS with the reason when one is missing.

mod net_support;

use std::time::{Duration, Instant};

use net_support::{figure, lab_up, model_links, run_dir, Viola};
use openflow::Dpid;
use openflow::Version::V1_3;
use viola_framework::testing::{frames, EchoingSwitch};
use viola_lab::isolate::isolated_with;
use viola_lab::OfVersions;
use viola_topo_spec::Topology;

/// OFPT_MULTIPART_REQUEST (1.3).
const MULTIPART_REQUEST: u8 = 18;
const PORTS: u32 = 1_000_000;
const PINGS: u32 = 40;

/// Peak resident memory of this process (the controller runs in it), in KiB.
fn peak_rss_kib() -> u64 {
    viola_bench::peak_rss_kib(std::process::id()).expect("VmHWM")
}

fn case() {
    let spec = "linear,2";
    let dir = run_dir("vt50");
    let topo = Topology::parse(spec).expect("spec");
    let viola = Viola::start("topology,l2-learning");
    let lab = lab_up(dir.path(), "vt50-", spec, OfVersions::V13, &viola);
    viola.wait_switches(topo.switches.len(), Duration::from_secs(20));
    viola
        .wait_links(&model_links(&topo), Duration::from_secs(15))
        .unwrap_or_else(|seen| panic!("links never matched the model: {seen:?}"));
    std::thread::sleep(viola.port_settle() + Duration::from_millis(200));
    let report = lab.pingall().expect("pingall");
    assert!(report.all_ok(), "{}", report.render());
    let before = peak_rss_kib();

    // Pings through the bridges for the whole flood.
    let argv: Vec<String> = format!("ping -n -i 0.25 -c {PINGS} -W 1 10.0.0.2")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let pinger = lab
        .exec_command("h1", &argv)
        .expect("ping command")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ping");

    let (of, api) = (viola.of_addr, viola.api);
    let t = Instant::now();
    let (answer, parts) = viola.rt.block_on(async move {
        let mut hostile = EchoingSwitch::connect(of, V1_3, Dpid(0x66))
            .await
            .expect("the hostile switch connects");
        let flood = frames::port_status_adds_v13(Dpid(0x66), PORTS);
        let frame_len = flood.len() / PORTS as usize;
        hostile
            .send_frames(&flood, frame_len)
            .await
            .expect("send the port flood");
        let url = format!("http://{api}/api/v1/switches/0000000000000066/flows");
        let ask = tokio::spawn(async move { reqwest::get(url).await?.text().await });
        let xid = hostile
            .next(MULTIPART_REQUEST, Duration::from_secs(30))
            .await
            .expect("the controller asks for flow stats");
        let parts = hostile
            .endless_reply(xid, || ask.is_finished(), 4_096)
            .await
            .expect("send parts");
        let answer = ask.await.expect("join").expect("the REST call answers");
        (answer, parts)
    });
    let flood_took = t.elapsed();
    let out = pinger.wait_with_output().expect("ping ends");
    let text = String::from_utf8_lossy(&out.stdout);
    let after = peak_rss_kib();
    let received = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    figure(format_args!(
        "switch flood beside OVS: {PORTS} PORT_STATUS ADDs and {parts} parts of 60 kB in \
         {:.1} s; peak RSS of the controller's process {before} KiB -> {after} KiB; \
         pings {received}/{PINGS}",
        flood_took.as_secs_f64()
    ));
    assert!(answer.contains("max_reply_bytes"), "{answer}");
    assert!(
        received >= PINGS - 2,
        "the bridges stopped forwarding during the flood:\n{text}"
    );
    assert!(
        after < before + 256 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
    lab.down().expect("lab down");
}

#[test]
fn a_switch_flood_leaves_memory_bounded_while_ovs_forwards() {
    isolated_with(
        "a_switch_flood_leaves_memory_bounded_while_ovs_forwards",
        &[],
        case,
    );
}
