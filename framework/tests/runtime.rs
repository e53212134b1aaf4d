//! The runtime over real TCP on 127.0.0.1 with scripted switches: handshakes, echo,
//! packet-in → app → packet-out, requests and barriers, bad input from some peers while a
//! good switch keeps being served, replacement of a duplicate dpid, active connect,
//! graceful shutdown.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use viola_framework::Dpid;

use bytes::Bytes;
use openflow::error::{bad_request, error_type};
use openflow::header::Header;
use openflow::Version::{self, V1_0, V1_3};
use openflow::{port, Action, PacketOut, StatsReplyBody, StatsRequest};
use viola_framework::connection::wire;
use viola_framework::testing::{frames, ScriptedSwitch};
use viola_framework::{
    App, Config, Context, ControllerBuilder, Event, ListenAddr, RunningController, Verdict,
};

const OFPT_PACKET_OUT: u8 = 0x0d;

/// Records events; floods packet-ins like a hub.
#[derive(Default)]
struct Recorder {
    log: Mutex<Vec<String>>,
}

impl Recorder {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl App for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let line = match event {
            Event::SwitchUp(s) => format!("up {:x} {}", s.dpid.get(), s.version),
            Event::SwitchDown(d) => format!("down {:x}", d.get()),
            Event::PacketIn { dpid, packet_in } => {
                let out = PacketOut::new(
                    packet_in.in_port(),
                    vec![Action::output(port::FLOOD)],
                    packet_in.data.clone(),
                );
                cx.send(*dpid, &out).unwrap();
                format!("packet_in {:x} {}", dpid.get(), packet_in.in_port())
            }
            Event::Error {
                dpid,
                error,
                request,
            } => {
                format!(
                    "error {:x} {} {}",
                    dpid.get(),
                    error.code,
                    request.map(|m| m.kind().name()).unwrap_or("-")
                )
            }
            _ => return Verdict::Continue,
        };
        self.log.lock().unwrap().push(line);
        Verdict::Continue
    }
}

fn config(echo: f64) -> Config {
    let mut c = Config::default();
    c.openflow.echo_interval = echo;
    c.openflow.echo_misses = 2;
    c.openflow.request_timeout = 2.0;
    c
}

async fn start(app: Arc<Recorder>, cfg: Config) -> (RunningController, SocketAddr) {
    let running = ControllerBuilder::new()
        .app(app)
        .listen("127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .config(cfg)
        .start()
        .await
        .unwrap();
    let addr = running.local_addrs()[0];
    (running, addr)
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn handshake_in_1_0_and_1_3_then_packet_in_gets_a_packet_out() {
    let app = Arc::new(Recorder::default());
    let timed = || {
        viola_framework::metrics::metrics()
            .app_handle_seconds
            .with_label_values(&["recorder"])
            .get_sample_count()
    };
    let timed_before = timed();
    let (running, addr) = start(app.clone(), config(5.0)).await;
    let ctl = running.handle();
    let mut s10 = ScriptedSwitch::connect(addr).await.unwrap();
    s10.handshake(V1_0, Dpid(0x10)).await.unwrap();
    let mut s13 = ScriptedSwitch::connect(addr).await.unwrap();
    s13.handshake(V1_3, Dpid(0x13)).await.unwrap();
    eventually("two switches", || ctl.switches().len() == 2).await;
    assert_eq!(ctl.version(Dpid(0x10)), Some(V1_0));
    assert_eq!(ctl.version(Dpid(0x13)), Some(V1_3));
    assert_eq!(ctl.switch(Dpid(0x13)).unwrap().n_tables, 254);

    let frame = [0xffu8; 60];
    s10.send(&frames::packet_in_v10(100, 3, &frame))
        .await
        .unwrap();
    let (h, f) = s10.recv_type(OFPT_PACKET_OUT).await.unwrap();
    assert_eq!(h.version, V1_0.wire());
    let (_, m) = openflow::Message::decode(&f).unwrap();
    let po = m.packet_out().unwrap();
    assert_eq!(
        (po.in_port, po.actions, &po.data[..]),
        (3, vec![Action::output(port::FLOOD)], &frame[..])
    );

    s13.send(&frames::packet_in_v13(101, 7, &frame))
        .await
        .unwrap();
    let (h, f) = s13.recv_type(OFPT_PACKET_OUT).await.unwrap();
    assert_eq!(h.version, V1_3.wire());
    let po = openflow::Message::decode(&f)
        .unwrap()
        .1
        .packet_out()
        .unwrap();
    assert_eq!(po.in_port, 7);

    let log = app.log();
    assert!(
        log.contains(&"up 10 1.0".to_string()) && log.contains(&"up 13 1.3".to_string()),
        "{log:?}"
    );
    assert!(
        log.contains(&"packet_in 10 3".to_string()) && log.contains(&"packet_in 13 7".to_string())
    );
    // The switch tasks publish their app timings after each read batch: two switch-ups
    // and two packet-ins at least.
    assert!(
        timed() >= timed_before + 4,
        "{} -> {}",
        timed_before,
        timed()
    );
    running.shutdown().await;
    assert!(s10.until_closed().await.is_ok());
    eventually("switch down events", || {
        app.log().iter().filter(|l| l.starts_with("down")).count() == 2
    })
    .await;
}

#[tokio::test]
async fn echo_keeps_a_live_switch_and_drops_a_dead_one() {
    let app = Arc::new(Recorder::default());
    let (running, addr) = start(app.clone(), config(0.1)).await;
    let ctl = running.handle();
    let mut live = ScriptedSwitch::connect(addr).await.unwrap();
    live.handshake(V1_3, Dpid(1)).await.unwrap();
    let mut dead = ScriptedSwitch::connect(addr).await.unwrap();
    dead.handshake(V1_3, Dpid(2)).await.unwrap();
    // The live one answers echoes for a while; the dead one reads and never answers.
    let live_task = tokio::spawn(async move {
        for _ in 0..8 {
            let (h, _) = live.recv_type(wire::OFPT_ECHO_REQUEST).await.unwrap();
            live.send(&frames::echo_reply(V1_3, h.xid, &[]))
                .await
                .unwrap();
        }
        live
    });
    let frames_seen = dead.until_closed().await.unwrap();
    assert!(
        frames_seen
            .iter()
            .filter(|(h, _)| h.msg_type == wire::OFPT_ECHO_REQUEST)
            .count()
            >= 2
    );
    let _live = live_task.await.unwrap();
    assert!(ctl.switch(Dpid(1)).is_some(), "the live switch stays");
    eventually("dead switch removed", || ctl.switch(Dpid(2)).is_none()).await;
    assert!(app.log().contains(&"down 2".to_string()));
    running.shutdown().await;
}

#[tokio::test]
async fn requests_and_barriers_with_errors() {
    let app = Arc::new(Recorder::default());
    let (running, addr) = start(app.clone(), config(5.0)).await;
    let ctl = running.handle();
    let mut sw = ScriptedSwitch::connect(addr).await.unwrap();
    sw.handshake(V1_3, Dpid(7)).await.unwrap();
    eventually("switch", || ctl.switch(Dpid(7)).is_some()).await;
    let t = wire::types(V1_3);

    // A DESC request answered in two parts (the second one empty is not valid for DESC,
    // so use FLOW stats: two parts, each with no entry).
    let c2 = ctl.clone();
    let req = tokio::spawn(async move {
        c2.request(Dpid(7), &StatsRequest::Flow(Default::default()))
            .await
    });
    let (h, _) = sw.recv_type(t.stats_request).await.unwrap();
    sw.send(&frames::stats_reply(V1_3, h.xid, 1, true, &[]))
        .await
        .unwrap();
    sw.send(&frames::stats_reply(V1_3, h.xid, 1, false, &[]))
        .await
        .unwrap();
    let parts = req.await.unwrap().unwrap();
    assert_eq!(parts.len(), 2);
    assert!(matches!(&parts[0].body, StatsReplyBody::Flow(v) if v.is_empty()));

    // A request the switch refuses.
    let c2 = ctl.clone();
    let req = tokio::spawn(async move { c2.request(Dpid(7), &StatsRequest::Desc).await });
    let (h, _) = sw.recv_type(t.stats_request).await.unwrap();
    sw.send(&frames::error(
        V1_3,
        h.xid,
        error_type::BAD_REQUEST,
        bad_request::BAD_MULTIPART,
        &[],
    ))
    .await
    .unwrap();
    match req.await.unwrap() {
        Err(viola_framework::RequestError::Switch(e)) => {
            assert_eq!(e.code, bad_request::BAD_MULTIPART)
        }
        other => panic!("{other:?}"),
    }

    // A FLOW_MOD that fails, then a barrier: the barrier reports the error, the apps get it
    // as Event::Error with the FLOW_MOD.
    let fm =
        openflow::FlowMod::add(openflow::Match::new().in_port(1)).actions(vec![Action::output(2)]);
    ctl.send(Dpid(7), &fm).unwrap();
    let c2 = ctl.clone();
    let barrier = tokio::spawn(async move { c2.barrier(Dpid(7)).await });
    let (fh, ff) = sw.recv_type(0x0e).await.unwrap();
    let (bh, _) = sw.recv_type(t.barrier_request).await.unwrap();
    sw.send(&frames::error(
        V1_3,
        fh.xid,
        error_type::BAD_REQUEST,
        bad_request::EPERM,
        &ff,
    ))
    .await
    .unwrap();
    sw.send(&frames::barrier_reply(V1_3, bh.xid)).await.unwrap();
    match barrier.await.unwrap() {
        Err(viola_framework::RequestError::Switch(e)) => assert_eq!(e.code, bad_request::EPERM),
        other => panic!("{other:?}"),
    }
    eventually("error event", || {
        app.log().contains(&"error 7 5 FLOW_MOD".to_string())
    })
    .await;

    // A request that is never answered times out (request_timeout = 2 s).
    let r = ctl.request(Dpid(7), &StatsRequest::Desc).await;
    assert_eq!(r, Err(viola_framework::RequestError::Timeout));
    // Unknown switch.
    assert!(matches!(
        ctl.barrier(Dpid(99)).await,
        Err(viola_framework::RequestError::NotConnected(Dpid(99)))
    ));
    running.shutdown().await;
}

/// Reads until close and says whether an OFPT_ERROR came with the given type/code.
async fn closed_with_error(sw: &mut ScriptedSwitch<tokio::net::TcpStream>, t: u16, c: u16) -> bool {
    let frames = sw.until_closed().await.unwrap();
    frames.iter().any(|(h, f): &(Header, Bytes)| {
        h.msg_type == wire::OFPT_ERROR
            && wire::read_error(f).is_some_and(|e| e.err_type == t && e.code == c)
    })
}

#[tokio::test]
async fn bad_peers_are_closed_while_a_good_switch_keeps_working() {
    let app = Arc::new(Recorder::default());
    let (running, addr) = start(app.clone(), config(5.0)).await;
    let ctl = running.handle();
    let mut good = ScriptedSwitch::connect(addr).await.unwrap();
    good.handshake(V1_3, Dpid(0x600d)).await.unwrap();
    eventually("good switch", || ctl.switch(Dpid(0x600d)).is_some()).await;

    let mut attackers = Vec::new();
    // Garbage instead of a HELLO.
    attackers.push(tokio::spawn(async move {
        let mut s = ScriptedSwitch::connect(addr).await.unwrap();
        s.send(b"GET / HTTP/1.1\r\nHost: viola\r\n\r\n")
            .await
            .unwrap();
        assert!(
            closed_with_error(
                &mut s,
                error_type::HELLO_FAILED,
                openflow::error::hello_failed::EPERM
            )
            .await,
            "garbage"
        );
    }));
    // Length 3 after a proper handshake.
    attackers.push(tokio::spawn(async move {
        let mut s = ScriptedSwitch::connect(addr).await.unwrap();
        s.handshake(V1_3, Dpid(0xbad1)).await.unwrap();
        s.send(&[0x04, 0x0a, 0x00, 0x03, 0, 0, 0, 1]).await.unwrap();
        assert!(
            closed_with_error(&mut s, error_type::BAD_REQUEST, bad_request::BAD_LEN).await,
            "length 3"
        );
    }));
    // A truncated PACKET_IN body (declared 40 bytes, the frame is complete but the body
    // is short for a packet-in).
    attackers.push(tokio::spawn(async move {
        let mut s = ScriptedSwitch::connect(addr).await.unwrap();
        s.handshake(V1_3, Dpid(0xbad2)).await.unwrap();
        let mut f = vec![0x04, 0x0a, 0x00, 0x0c, 0, 0, 0, 2];
        f.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        s.send(&f).await.unwrap();
        assert!(
            closed_with_error(&mut s, error_type::BAD_REQUEST, bad_request::BAD_LEN).await,
            "truncated"
        );
    }));
    // A 64 KiB lie: declares 65535 bytes of FEATURES_REPLY, sends 100, then hangs up.
    attackers.push(tokio::spawn(async move {
        let mut s = ScriptedSwitch::connect(addr).await.unwrap();
        s.handshake(V1_3, Dpid(0xbad3)).await.unwrap();
        let mut f = vec![0x04, 0x0a, 0xff, 0xff, 0, 0, 0, 3];
        f.extend_from_slice(&[0u8; 92]);
        s.send(&f).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(s);
    }));
    // A HELLO flood.
    attackers.push(tokio::spawn(async move {
        let mut s = ScriptedSwitch::connect(addr).await.unwrap();
        let mut flood = Vec::new();
        for i in 0..20_000u32 {
            flood.extend_from_slice(&frames::hello(4, Some(1 << 4), i));
        }
        // The controller may close before everything is written.
        let _ = s.send(&flood).await;
        assert!(s.until_closed().await.is_ok());
    }));
    // Meanwhile the good switch is served: echoes and packet-ins, many times.
    for i in 0..50u32 {
        good.send(&frames::echo_request(V1_3, 1000 + i, b"x"))
            .await
            .unwrap();
        let (h, _) = good.recv_type(wire::OFPT_ECHO_REPLY).await.unwrap();
        assert_eq!(h.xid, 1000 + i);
        good.send(&frames::packet_in_v13(2000 + i, 1, &[0xffu8; 60]))
            .await
            .unwrap();
        good.recv_type(OFPT_PACKET_OUT).await.unwrap();
    }
    for a in attackers {
        a.await.unwrap();
    }
    eventually("attackers gone", || ctl.switches().len() == 1).await;
    assert_eq!(ctl.switches()[0].dpid, Dpid(0x600d));
    good.send(&frames::echo_request(V1_3, 9, b""))
        .await
        .unwrap();
    good.recv_type(wire::OFPT_ECHO_REPLY).await.unwrap();
    running.shutdown().await;
}

#[tokio::test]
async fn a_second_connection_with_the_same_dpid_replaces_the_first() {
    let app = Arc::new(Recorder::default());
    let (running, addr) = start(app.clone(), config(5.0)).await;
    let ctl = running.handle();
    let mut a = ScriptedSwitch::connect(addr).await.unwrap();
    a.handshake(V1_3, Dpid(5)).await.unwrap();
    eventually("first", || ctl.switch(Dpid(5)).is_some()).await;
    let first_addr = ctl.switch(Dpid(5)).unwrap().addr;
    let mut b = ScriptedSwitch::connect(addr).await.unwrap();
    b.handshake(V1_0, Dpid(5)).await.unwrap();
    a.until_closed().await.unwrap();
    eventually("replacement", || {
        ctl.switch(Dpid(5)).is_some_and(|s| s.addr != first_addr)
    })
    .await;
    assert_eq!(ctl.switch(Dpid(5)).unwrap().version, V1_0);
    eventually("events", || app.log().len() >= 3).await;
    assert_eq!(app.log()[..3], ["up 5 1.3", "down 5", "up 5 1.0"]);
    // The old connection's exit must not remove the new one.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(ctl.switch(Dpid(5)).is_some());
    b.send(&frames::echo_request(V1_0, 1, b"")).await.unwrap();
    b.recv_type(wire::OFPT_ECHO_REPLY).await.unwrap();
    running.shutdown().await;
}

#[tokio::test]
async fn active_connect_with_backoff() {
    let app = Arc::new(Recorder::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let running = ControllerBuilder::new()
        .app(app.clone())
        .connect(format!("tcp:127.0.0.1:{port}"))
        .versions(vec![V1_3])
        .start()
        .await
        .unwrap();
    let ctl = running.handle();
    let (tcp, _) = listener.accept().await.unwrap();
    let mut s = ScriptedSwitch::new(tcp);
    s.handshake(V1_3, Dpid(0xac)).await.unwrap();
    eventually("active switch", || ctl.switch(Dpid(0xac)).is_some()).await;
    drop(s);
    eventually("down", || ctl.switch(Dpid(0xac)).is_none()).await;
    // The controller comes back.
    let (tcp, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut s = ScriptedSwitch::new(tcp);
    s.handshake(V1_3, Dpid(0xac)).await.unwrap();
    eventually("reconnected", || ctl.switch(Dpid(0xac)).is_some()).await;
    running.shutdown().await;
}

#[tokio::test]
async fn version_limits_are_applied() {
    let app = Arc::new(Recorder::default());
    let running = ControllerBuilder::new()
        .app(app.clone())
        .listen("127.0.0.1:0".parse().unwrap())
        .versions(vec![V1_3])
        .start()
        .await
        .unwrap();
    let addr = running.local_addrs()[0];
    let mut s = ScriptedSwitch::connect(addr).await.unwrap();
    s.send(&frames::hello(1, None, 1)).await.unwrap();
    let frames = s.until_closed().await.unwrap();
    let hello = frames
        .iter()
        .find(|(h, _)| h.msg_type == wire::OFPT_HELLO)
        .unwrap();
    assert_eq!(hello.0.version, Version::V1_3.wire());
    assert!(frames.iter().any(|(h, f)| h.msg_type == wire::OFPT_ERROR
        && wire::read_error(f).is_some_and(|e| e.err_type == error_type::HELLO_FAILED)));
    running.shutdown().await;
}
