//! What a switch (or something claiming to be one) cannot make the controller do: take
//! over another switch's datapath id under `duplicate_dpid = "refuse"`, grow its port list
//! without bound, leave per-switch metric series behind, or take a switch down by making
//! an app panic.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openflow::Dpid;
use openflow::Version::V1_3;
use openflow::{port_reason, Message, PortStatus};
use viola_framework::connection::wire;
use viola_framework::testing::{fake_port, frames, ScriptedSwitch};
use viola_framework::{
    App, Config, Context, ControllerBuilder, DuplicateDpid, Event, ListenAddr, RunningController,
    Verdict,
};

/// Panics on every PACKET_IN.
struct Panicky;

impl App for Panicky {
    fn name(&self) -> &'static str {
        "panicky"
    }
    fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if let Event::PacketIn { .. } = event {
            panic!("deliberate panic in a test app");
        }
        Verdict::Continue
    }
}

/// Counts PACKET_INs (placed after `Panicky`: the event still reaches it).
#[derive(Default)]
struct Counter(AtomicUsize);

impl App for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if let Event::PacketIn { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Verdict::Continue
    }
}

async fn start(apps: Vec<Arc<dyn App>>, cfg: Config) -> (RunningController, SocketAddr) {
    let mut b = ControllerBuilder::new();
    for a in apps {
        b = b.app(a);
    }
    let running = b
        .listen("127.0.0.1:0".parse::<ListenAddr>().expect("addr"))
        .config(cfg)
        .start()
        .await
        .expect("start");
    let addr = running.local_addrs()[0];
    (running, addr)
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..400 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn an_app_that_panics_leaves_its_switch_connected() {
    let counter = Arc::new(Counter::default());
    let (running, addr) = start(vec![Arc::new(Panicky), counter.clone()], Config::default()).await;
    let ctl = running.handle();
    let panics = || {
        viola_framework::metrics::metrics()
            .app_panics_total
            .with_label_values(&["panicky"])
            .get()
    };
    let before = panics();
    let mut s = ScriptedSwitch::connect(addr).await.expect("connect");
    s.handshake(V1_3, Dpid(0x51)).await.expect("handshake");
    eventually("switch up", || ctl.switch(Dpid(0x51)).is_some()).await;
    for i in 0..3 {
        s.send(&frames::packet_in_v13(100 + i, 1, &[0xff; 60]))
            .await
            .expect("send");
    }
    eventually("three packet-ins past the panicking app", || {
        counter.0.load(Ordering::Relaxed) == 3
    })
    .await;
    assert_eq!(panics() - before, 3);
    assert!(
        ctl.switch(Dpid(0x51)).is_some(),
        "the switch is still registered"
    );
    s.send(&frames::echo_request(V1_3, 9, b"still there"))
        .await
        .expect("send");
    s.recv_type(wire::OFPT_ECHO_REPLY)
        .await
        .expect("echo reply");
    running.shutdown().await;
}

#[tokio::test]
async fn a_second_claimant_is_refused_under_refuse() {
    let mut cfg = Config::default();
    cfg.openflow.duplicate_dpid = DuplicateDpid::Refuse;
    let (running, addr) = start(vec![Arc::new(Counter::default())], cfg).await;
    let ctl = running.handle();
    let mut owner = ScriptedSwitch::connect(addr).await.expect("connect");
    owner.handshake(V1_3, Dpid(0x52)).await.expect("handshake");
    eventually("owner up", || ctl.switch(Dpid(0x52)).is_some()).await;
    let owner_addr = ctl.switch(Dpid(0x52)).map(|s| s.addr);
    let mut thief = ScriptedSwitch::connect(addr).await.expect("connect");
    thief.handshake(V1_3, Dpid(0x52)).await.expect("handshake");
    thief.until_closed().await.expect("the claimant is closed");
    assert_eq!(ctl.switch(Dpid(0x52)).map(|s| s.addr), owner_addr);
    owner
        .send(&frames::echo_request(V1_3, 3, b""))
        .await
        .expect("send");
    owner
        .recv_type(wire::OFPT_ECHO_REPLY)
        .await
        .expect("the owner is still served");
    running.shutdown().await;
}

#[tokio::test]
async fn port_status_adds_stop_at_max_ports_and_series_go_with_the_switch() {
    let mut cfg = Config::default();
    cfg.openflow.max_ports = 100;
    let (running, addr) = start(vec![Arc::new(Counter::default())], cfg).await;
    let ctl = running.handle();
    let mut s = ScriptedSwitch::connect(addr).await.expect("connect");
    s.handshake(V1_3, Dpid(0x53)).await.expect("handshake");
    eventually("switch up", || ctl.switch(Dpid(0x53)).is_some()).await;
    let mut batch = Vec::new();
    for port_no in 1..=5000u32 {
        let status = PortStatus {
            reason: port_reason::ADD,
            port: fake_port(Dpid(0x53), port_no),
        };
        Message::from_neutral(V1_3, &status)
            .expect("1.3 port status")
            .encode(port_no, &mut batch)
            .expect("encode");
    }
    s.send(&batch).await.expect("send");
    s.send(&frames::packet_in_v13(1, 1, &[0xff; 60]))
        .await
        .expect("send");
    let series = || {
        viola_framework::metrics::encode_text()
            .lines()
            .any(|l| l.starts_with("viola_packet_in_total{dpid=\"0000000000000053\"}"))
    };
    let counted = || {
        viola_framework::metrics::metrics()
            .packet_in_total
            .with_label_values(&["0000000000000053"])
            .get()
            == 1
    };
    // The PACKET_IN was sent after the 5 000 PORT_STATUS: once it is counted, they were
    // all handled.
    eventually("packet-in counted", counted).await;
    assert!(series());
    assert_eq!(ctl.switch(Dpid(0x53)).map(|s| s.ports.len()), Some(100));
    drop(s);
    eventually("switch down", || ctl.switch(Dpid(0x53)).is_none()).await;
    eventually("the switch's packet-in series removed with it", || {
        !series()
    })
    .await;
    running.shutdown().await;
}
