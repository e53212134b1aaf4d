//! A simulated switch connected over real TCP to an in-test controller: handshake and the
//! requests a controller makes, in OpenFlow 1.0 and 1.3.

mod sim_support;

use openflow::Dpid;
use std::time::Duration;

use bytes::Bytes;
use openflow::{
    flow_mod_flags, packet_in_reason, port, Action, Control, FlowMod, FlowStatsRequest, MacAddr,
    Match, MessageKind, StatsReplyBody, StatsRequest, Version,
};
use sim_support::accept;
use tokio::net::TcpListener;
use viola_sim::{build, Clock, Switch, SwitchOptions};

fn frame() -> Bytes {
    Bytes::from(build::udp(
        MacAddr::from_u64(1),
        MacAddr::from_u64(2),
        "10.0.0.1".parse().unwrap(),
        "10.0.0.2".parse().unwrap(),
        7,
        8,
        b"payload",
    ))
}

async fn handshake(v: Version) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let opts = SwitchOptions::new(Dpid(0xabcd), "s9", vec![1, 2, 3], vec![v]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), Clock::real());
    let mut c = accept(&l, &[Version::V1_0, Version::V1_3]).await.unwrap();
    assert_eq!(c.version, v);

    let x = c.send(&Control::FeaturesRequest).await;
    let f = c
        .reply_to(x)
        .await
        .features_reply()
        .expect("FEATURES_REPLY");
    assert_eq!(f.datapath_id, Dpid(0xabcd));
    let ports = match v {
        Version::V1_0 => f.ports,
        Version::V1_3 | Version::V1_4 | Version::V1_5 => {
            let x = c.send(&StatsRequest::PortDesc).await;
            match c
                .reply_to(x)
                .await
                .stats_reply()
                .expect("PORT_DESC reply")
                .body
            {
                StatsReplyBody::PortDesc(p) => p,
                other => panic!("{other:?}"),
            }
        }
    };
    let names: Vec<_> = ports.iter().map(|p| (p.port_no, p.name.clone())).collect();
    assert_eq!(
        names,
        vec![
            (1, "s9-eth1".to_string()),
            (2, "s9-eth2".into()),
            (3, "s9-eth3".into())
        ]
    );

    let x = c
        .send(&Control::EchoRequest(Bytes::from_static(b"ping")))
        .await;
    assert_eq!(
        c.reply_to(x).await.control(),
        Some(Control::EchoReply(Bytes::from_static(b"ping")))
    );

    c.send(&Control::SetConfig(openflow::SwitchConfig {
        flags: 0,
        miss_send_len: 0xffff,
    }))
    .await;
    let x = c.send(&Control::GetConfigRequest).await;
    assert_eq!(
        c.reply_to(x).await.control(),
        Some(Control::GetConfigReply(openflow::SwitchConfig {
            flags: 0,
            miss_send_len: 0xffff
        }))
    );

    let x = c.send(&StatsRequest::Desc).await;
    assert!(
        matches!(c.reply_to(x).await.stats_reply().unwrap().body, StatsReplyBody::Desc(d) if d.dp_desc == "s9")
    );

    // A flow, confirmed by a barrier, shows in flow stats and aggregate stats.
    let fm = FlowMod::add(Match::new().in_port(1))
        .priority(7)
        .cookie(0x42)
        .actions(vec![Action::output(2)]);
    c.send(&fm).await;
    let x = c.send(&Control::BarrierRequest).await;
    assert_eq!(c.reply_to(x).await.kind(), MessageKind::BarrierReply);
    let x = c
        .send(&StatsRequest::Flow(FlowStatsRequest::default()))
        .await;
    match c.reply_to(x).await.stats_reply().unwrap().body {
        StatsReplyBody::Flow(f) => {
            assert_eq!(f.len(), 1);
            assert_eq!((f[0].priority, f[0].cookie), (7, 0x42));
        }
        other => panic!("{other:?}"),
    }
    let x = c
        .send(&StatsRequest::Aggregate(FlowStatsRequest::default()))
        .await;
    assert!(matches!(
        c.reply_to(x).await.stats_reply().unwrap().body,
        StatsReplyBody::Aggregate { flow_count: 1, .. }
    ));
    let x = c.send(&StatsRequest::Table).await;
    assert!(
        matches!(c.reply_to(x).await.stats_reply().unwrap().body, StatsReplyBody::Table(t) if !t.is_empty())
    );

    // Forwarding through the flow; a miss on port 2 goes up (1.0) or is dropped (1.3).
    sw.inject(1, frame());
    sw.inject(2, frame());
    let x = c.send(&Control::BarrierRequest).await;
    let mut packet_ins = Vec::new();
    loop {
        let (xid, m) = c.recv().await;
        if xid == x {
            break;
        }
        if let Some(pi) = m.packet_in() {
            packet_ins.push(pi);
        }
    }
    // The barrier may overtake the injected frames (different queues): wait for them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = sw.unwired_output();
    assert_eq!(out.iter().map(|(p, _)| *p).collect::<Vec<_>>(), vec![2]);
    if v == Version::V1_0 {
        if packet_ins.is_empty() {
            let (_, m) = c.recv().await;
            packet_ins.push(m.packet_in().expect("PACKET_IN"));
        }
        let pi = &packet_ins[0];
        assert_eq!(
            (pi.in_port(), pi.reason, pi.data.clone()),
            (2, packet_in_reason::NO_MATCH, frame())
        );
    }

    // PACKET_OUT with an explicit port.
    c.send(&openflow::PacketOut::new(
        port::CONTROLLER,
        vec![Action::output(3)],
        frame(),
    ))
    .await;
    let x = c.send(&Control::BarrierRequest).await;
    c.reply_to(x).await;
    assert_eq!(
        sw.unwired_output()
            .iter()
            .map(|(p, _)| *p)
            .collect::<Vec<_>>(),
        vec![3]
    );
    // A port going down is reported.
    sw.set_port(3, false);
    let ps = loop {
        let (_, m) = c.recv().await;
        if let Some(ps) = m.port_status() {
            break ps;
        }
    };
    assert_eq!(ps.port.port_no, 3);
    assert!(!ps.port.is_live());
    // Nothing leaves a port that is down.
    c.send(&openflow::PacketOut::new(
        port::CONTROLLER,
        vec![Action::output(3)],
        frame(),
    ))
    .await;
    let x = c.send(&Control::BarrierRequest).await;
    c.reply_to(x).await;
    assert!(sw.unwired_output().is_empty());

    // Delete with SEND_FLOW_REM set on the flow: FLOW_REMOVED comes back.
    let fm = FlowMod::add(Match::new().in_port(2))
        .priority(9)
        .flags(flow_mod_flags::SEND_FLOW_REM);
    c.send(&fm).await;
    c.send(&FlowMod::delete_strict(Match::new().in_port(2), 9))
        .await;
    let fr = loop {
        let (_, m) = c.recv().await;
        if let Some(fr) = m.flow_removed() {
            break fr;
        }
    };
    assert_eq!(
        (fr.priority, fr.reason),
        (9, viola_sim::removed_reason::DELETE)
    );
    sw.stop().await;
}

#[tokio::test]
async fn handshake_and_requests_of_1_0() {
    handshake(Version::V1_0).await;
}

#[tokio::test]
async fn handshake_and_requests_of_1_3() {
    handshake(Version::V1_3).await;
}

#[tokio::test]
async fn version_mismatch_fails_hello() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let opts = SwitchOptions::new(Dpid(1), "s1", vec![1], vec![Version::V1_0]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), Clock::real());
    // The controller speaks 1.3 only and says so with a bitmap: the switch refuses.
    let r = accept(&l, &[Version::V1_3]).await;
    assert!(
        r.is_err(),
        "negotiation should fail on the controller side too"
    );
    assert_eq!(sw.version(), None);
    sw.stop().await;
}

#[tokio::test]
async fn bad_requests_get_errors() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let opts = SwitchOptions::new(Dpid(1), "s1", vec![1, 2], vec![Version::V1_3]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), Clock::real());
    let mut c = accept(&l, &[Version::V1_3]).await.unwrap();
    // goto_table backwards.
    let fm = FlowMod::add(Match::new())
        .table(5)
        .instructions(vec![openflow::Instruction::GotoTable(2)]);
    let x = c.send(&fm).await;
    let e = c.reply_to(x).await.error().expect("OFPT_ERROR");
    assert_eq!(e.err_type, openflow::error::error_type::BAD_INSTRUCTION);
    // Unknown buffer in PACKET_OUT.
    let mut po = openflow::PacketOut::new(1, vec![Action::output(2)], Bytes::new());
    po.buffer_id = Some(7);
    let x = c.send(&po).await;
    let e = c.reply_to(x).await.error().expect("OFPT_ERROR");
    assert_eq!(
        (e.err_type, e.code),
        (1, openflow::error::bad_request::BUFFER_UNKNOWN)
    );
    sw.stop().await;
}

#[tokio::test]
async fn idle_timeout_on_a_driven_clock_sends_flow_removed() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let clock = Clock::manual();
    let opts = SwitchOptions::new(Dpid(1), "s1", vec![1, 2], vec![Version::V1_3]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), clock.clone());
    let mut c = accept(&l, &[Version::V1_3]).await.unwrap();
    let fm = FlowMod::add(Match::new().in_port(1))
        .idle_timeout(30)
        .flags(flow_mod_flags::SEND_FLOW_REM)
        .actions(vec![Action::output(2)]);
    c.send(&fm).await;
    let x = c.send(&Control::BarrierRequest).await;
    c.reply_to(x).await;
    // Real time passes, the switch's clock does not: the flow stays.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sw.flows().len(), 1);
    clock.advance(Duration::from_secs(31));
    let fr = loop {
        let (_, m) = c.recv().await;
        if let Some(fr) = m.flow_removed() {
            break fr;
        }
    };
    assert_eq!(fr.reason, viola_sim::removed_reason::IDLE_TIMEOUT);
    assert_eq!(fr.duration_sec, 31);
    assert!(sw.flows().is_empty());
    sw.stop().await;
}

#[tokio::test]
async fn group_mod_and_port_mod_over_the_wire() {
    use openflow::v13;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let opts = SwitchOptions::new(Dpid(1), "s1", vec![1, 2, 3, 4], vec![Version::V1_3]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), Clock::real());
    let mut c = accept(&l, &[Version::V1_3]).await.unwrap();
    let bucket = |p: u32| v13::Bucket {
        weight: 0,
        watch_port: port::ANY,
        watch_group: 0xffff_ffff,
        actions: vec![Action::output(p)],
    };
    let gm = v13::GroupMod {
        command: 0,
        group_type: 0,
        group_id: 7,
        buckets: vec![bucket(2), bucket(3)],
    };
    c.send_message(openflow::Message::V13(v13::Message::GroupMod(gm)))
        .await;
    c.send(&FlowMod::add(Match::new().in_port(1)).actions(vec![Action::Group(7)]))
        .await;
    // A flow naming an unknown group is refused.
    let x = c
        .send(&FlowMod::add(Match::new().in_port(4)).actions(vec![Action::Group(8)]))
        .await;
    assert!(c.reply_to(x).await.error().is_some());
    // PORT_MOD: port 3 administratively down; the switch reports it.
    let pm = v13::PortMod {
        port_no: 3,
        hw_addr: viola_sim::port_mac(Dpid(1), 3),
        config: openflow::port_config::PORT_DOWN,
        mask: openflow::port_config::PORT_DOWN,
        advertise: 0,
    };
    c.send_message(openflow::Message::V13(v13::Message::PortMod(pm)))
        .await;
    let ps = loop {
        let (_, m) = c.recv().await;
        if let Some(ps) = m.port_status() {
            break ps;
        }
    };
    assert_eq!((ps.port.port_no, ps.port.is_live()), (3, false));
    sw.inject(1, frame());
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The ALL group copies to ports 2 and 3; port 3 is down, so only port 2 transmits.
    let out: Vec<u32> = sw.unwired_output().iter().map(|(p, _)| *p).collect();
    assert_eq!(out, vec![2]);
    sw.stop().await;
}

#[tokio::test]
async fn large_flow_stats_come_in_parts() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let opts = SwitchOptions::new(Dpid(1), "s1", vec![1, 2], vec![Version::V1_3]);
    let sw = Switch::spawn(opts, Some(l.local_addr().unwrap()), Clock::real());
    let mut c = accept(&l, &[Version::V1_3]).await.unwrap();
    for i in 0..150u16 {
        c.send(
            &FlowMod::add(Match::new().eth_type(0x0800).ip_proto(17).udp_dst(i))
                .priority(i)
                .actions(vec![Action::output(2)]),
        )
        .await;
    }
    let x = c
        .send(&StatsRequest::Flow(FlowStatsRequest::default()))
        .await;
    let (mut parts, mut flows) = (0, 0);
    loop {
        let (xid, m) = c.recv().await;
        if xid != x {
            continue;
        }
        let r = m.stats_reply().expect("flow stats part");
        parts += 1;
        if let StatsReplyBody::Flow(f) = r.body {
            flows += f.len();
        }
        if !r.more {
            break;
        }
    }
    assert_eq!(flows, 150);
    assert!(parts >= 3, "{parts} parts");
    sw.stop().await;
}
