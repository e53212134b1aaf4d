//! Neutral → lower (1.3, and 1.4 and 1.5, which lower through 1.3) → encode → decode →
//! lift gives back the same neutral value, and what 1.3 cannot express is reported as
//! `Unsupported`.

use bytes::Bytes;
use openflow::message::Control;
use openflow::neutral::*;
use openflow::oxm::OxmField;
use openflow::{Action, Instruction, MacAddr, Match, Message, Neutral, Version};

const V: Version = Version::V1_3;

/// The 1.3 round trip; 1.4 and 1.5 must give back the same value.
fn round_trip<T: Neutral + std::fmt::Debug + PartialEq>(x: &T) -> T {
    let back = round_trip_in(V, x);
    for v in [Version::V1_4, Version::V1_5] {
        assert_eq!(round_trip_in(v, x), back, "OpenFlow {v}");
    }
    back
}

fn round_trip_in<T: Neutral + std::fmt::Debug + PartialEq>(v: Version, x: &T) -> T {
    let msg = x
        .to_message(v)
        .unwrap_or_else(|e| panic!("{v}: lower failed: {e}"));
    assert_eq!(msg.version(), v);
    let wire = Bytes::from(msg.to_bytes(0x1234).unwrap());
    let (xid, back) = Message::decode(&wire).unwrap();
    assert_eq!(xid, 0x1234);
    assert_eq!(back, msg, "{v}: decode of the encoded message");
    // The direct encoder writes what lowering then encoding writes.
    let mut direct = vec![];
    if x.encode_as(v, 0x1234, &mut direct).is_ok() {
        assert_eq!(direct, wire.to_vec(), "{v}: direct encoding");
    }
    T::from_message(&back).unwrap_or_else(|| panic!("{v}: lift of {back}"))
}

fn port(n: u32) -> PortInfo {
    PortInfo {
        port_no: n,
        hw_addr: MacAddr([2, 0, 0, 0, 0, n as u8]),
        name: format!("veth{n}"),
        config: port_config::NO_PACKET_IN,
        state: port_state::LIVE,
        curr: 0x840,
        advertised: 0,
        supported: 0x840,
        peer: 0,
        curr_speed: 1_000_000,
        max_speed: 1_000_000,
    }
}

#[test]
fn flow_mods() {
    let m = Match::new()
        .in_port(3)
        .eth_type(0x0800)
        .ipv4_src_masked("10.0.0.0".parse().unwrap(), "255.255.0.0".parse().unwrap())
        .ip_proto(6)
        .tcp_dst(80);
    let cases = vec![
        FlowMod::add(m.clone())
            .priority(7)
            .cookie(0xabc)
            .idle_timeout(10)
            .hard_timeout(30)
            .flags(flow_mod_flags::SEND_FLOW_REM)
            .buffer_id(Some(9))
            .instructions(vec![
                Instruction::Meter(1),
                Instruction::ApplyActions(vec![
                    Action::PushVlan(0x8100),
                    Action::SetField(OxmField::VlanVid(0x1005, None)),
                    Action::output(2),
                ]),
                Instruction::WriteMetadata {
                    metadata: 1,
                    mask: 0xff,
                },
                Instruction::GotoTable(1),
            ]),
        FlowMod::delete(Match::new()).cookie_masked(0x100, 0xf00),
        FlowMod::delete_strict(m.clone(), 5).out_port(4),
        FlowMod::modify(m).table(3).actions(vec![]),
    ];
    for fm in cases {
        assert_eq!(round_trip(&fm), fm);
    }
}

#[test]
fn masked_set_field_is_unsupported() {
    let fm = FlowMod::add(Match::new()).actions(vec![Action::SetField(OxmField::EthDst(
        MacAddr::BROADCAST,
        Some(MacAddr::BROADCAST),
    ))]);
    assert!(fm.to_message(V).is_err());
}

#[test]
fn packets() {
    let pi = PacketIn {
        buffer_id: None,
        total_len: 60,
        reason: packet_in_reason::ACTION,
        table_id: 2,
        cookie: 0x77,
        match_: Match::new().in_port(5).metadata(0x42).tunnel_id(9),
        data: Bytes::from_static(&[0xaa; 60]),
    };
    assert_eq!(round_trip(&pi), pi);
    let po = PacketOut {
        buffer_id: Some(3),
        in_port: 1,
        actions: vec![Action::output(openflow::port::FLOOD)],
        data: Bytes::new(),
    };
    assert_eq!(round_trip(&po), po);
}

#[test]
fn switch_facts() {
    let fr = FeaturesReply {
        datapath_id: openflow::Dpid(0x42),
        n_buffers: 0,
        n_tables: 254,
        auxiliary_id: 1,
        capabilities: 0x4f,
        ports: vec![],
    };
    assert_eq!(round_trip(&fr), fr);
    let with_ports = FeaturesReply {
        ports: vec![port(1)],
        ..fr
    };
    assert!(
        with_ports.to_message(V).is_err(),
        "1.3 FEATURES_REPLY has no port list"
    );

    let ps = PortStatus {
        reason: port_reason::MODIFY,
        port: port(7),
    };
    assert_eq!(round_trip(&ps), ps);
    let mut long = port(1);
    long.name = "a-name-longer-than-15".into();
    assert!(PortStatus {
        reason: 0,
        port: long
    }
    .to_message(V)
    .is_err());

    let fr = FlowRemoved {
        cookie: 1,
        priority: 2,
        reason: 1,
        table_id: 3,
        duration_sec: 4,
        duration_nsec: 5,
        idle_timeout: 6,
        hard_timeout: 7,
        packet_count: 8,
        byte_count: 9,
        match_: Match::new().eth_dst(MacAddr([1, 2, 3, 4, 5, 6])),
    };
    assert_eq!(round_trip(&fr), fr);
}

#[test]
fn errors() {
    let e = ErrorMsg {
        err_type: 5,
        code: 1,
        experimenter: None,
        data: Bytes::from_static(b"offending"),
    };
    assert_eq!(round_trip(&e), e);
    let x = ErrorMsg {
        err_type: 0xffff,
        code: 3,
        experimenter: Some(0x2320),
        data: Bytes::new(),
    };
    assert_eq!(round_trip(&x), x);
    let bad = ErrorMsg {
        err_type: 1,
        code: 1,
        experimenter: Some(1),
        data: Bytes::new(),
    };
    assert!(bad.to_message(V).is_err());
}

#[test]
fn stats_requests() {
    let flow = FlowStatsRequest {
        table_id: 1,
        match_: Match::new().in_port(2),
        ..Default::default()
    };
    let cases = vec![
        StatsRequest::Desc,
        StatsRequest::Flow(flow.clone()),
        StatsRequest::Aggregate(flow),
        StatsRequest::Table,
        StatsRequest::Port {
            port_no: openflow::port::ANY,
        },
        StatsRequest::PortDesc,
        StatsRequest::Queue {
            port_no: 1,
            queue_id: 0xffff_ffff,
        },
        StatsRequest::Group {
            group_id: GROUP_ANY,
        },
        StatsRequest::GroupDesc,
        StatsRequest::GroupFeatures,
        StatsRequest::Meter { meter_id: 1 },
        StatsRequest::MeterConfig { meter_id: 2 },
        StatsRequest::MeterFeatures,
        StatsRequest::TableFeatures,
    ];
    for r in cases {
        assert_eq!(round_trip(&r), r);
    }
}

#[test]
fn stats_replies() {
    let cases = vec![
        StatsReply {
            more: false,
            body: StatsReplyBody::Desc(SwitchDesc {
                mfr_desc: "Nicira, Inc.".into(),
                hw_desc: "Open vSwitch".into(),
                sw_desc: "3.1.0".into(),
                serial_num: "None".into(),
                dp_desc: "s1".into(),
            }),
        },
        StatsReply {
            more: true,
            body: StatsReplyBody::Aggregate {
                packet_count: 1,
                byte_count: 2,
                flow_count: 3,
            },
        },
        StatsReply {
            more: false,
            body: StatsReplyBody::Table(vec![TableStats {
                table_id: 0,
                active_count: 4,
                lookup_count: 10,
                matched_count: 6,
            }]),
        },
        StatsReply {
            more: false,
            body: StatsReplyBody::Port(vec![PortStats {
                port_no: 1,
                rx_packets: 5,
                tx_bytes: 7,
                duration_sec: 9,
                ..Default::default()
            }]),
        },
        StatsReply {
            more: false,
            body: StatsReplyBody::PortDesc(vec![port(1), port(2)]),
        },
        StatsReply {
            more: false,
            body: StatsReplyBody::Flow(vec![]),
        },
    ];
    for r in cases {
        assert_eq!(round_trip(&r), r);
    }
    assert!(StatsReply {
        more: false,
        body: StatsReplyBody::Other { stats_type: 6 }
    }
    .to_message(V)
    .is_err());
}

#[test]
fn controls() {
    let cases = vec![
        Control::EchoRequest(Bytes::from_static(b"ping")),
        Control::EchoReply(Bytes::new()),
        Control::FeaturesRequest,
        Control::GetConfigRequest,
        Control::GetConfigReply(SwitchConfig {
            flags: 0,
            miss_send_len: 128,
        }),
        Control::SetConfig(SwitchConfig {
            flags: 1,
            miss_send_len: 0xffff,
        }),
        Control::BarrierRequest,
        Control::BarrierReply,
        Control::RoleRequest {
            role: role::MASTER,
            generation_id: 3,
        },
        Control::RoleReply {
            role: role::SLAVE,
            generation_id: 4,
        },
    ];
    for c in cases {
        assert_eq!(round_trip(&c), c);
    }
}

#[test]
fn lifting_the_wrong_kind_is_none() {
    let (_, m) = Message::decode(&Bytes::from_static(&[4, 20, 0, 8, 0, 0, 0, 1])).unwrap();
    assert!(m.flow_mod().is_none());
    assert!(m.packet_in().is_none());
    assert!(m.stats_reply().is_none());
    assert_eq!(m.control(), Some(Control::BarrierRequest));
    assert_eq!(m.kind().name(), "BARRIER_REQUEST");
}

/// What a version cannot express fails the same way through the direct encoder, and
/// leaves the buffer as it was.
#[test]
fn direct_encoding_refuses_what_lowering_refuses() {
    use openflow::{Action, FlowMod, Match, MessageKind, Neutral, PacketOut, Version};
    let pop_mpls = FlowMod::add(Match::new().in_port(1)).actions(vec![Action::PopMpls(0x0800)]);
    let masked = FlowMod::delete(Match::new()).cookie_masked(1, 1);
    let set_queue_alone = PacketOut::new(1, vec![Action::SetQueue(3)], bytes::Bytes::new());
    for (what, lowered, direct) in [
        ("pop_mpls", pop_mpls.to_message(Version::V1_0).err(), {
            let mut out = vec![1, 2, 3];
            let r = pop_mpls.encode_as(Version::V1_0, 9, &mut out);
            assert_eq!(out, [1, 2, 3], "pop_mpls: buffer untouched");
            r.err()
        }),
        ("cookie mask", masked.to_message(Version::V1_0).err(), {
            let mut out = Vec::new();
            let r = masked.encode_as(Version::V1_0, 9, &mut out);
            assert!(out.is_empty());
            r.err()
        }),
        (
            "set_queue",
            set_queue_alone.to_message(Version::V1_0).err(),
            {
                let mut out = Vec::new();
                let r = set_queue_alone.encode_as(Version::V1_0, 9, &mut out);
                assert!(out.is_empty());
                r.err()
            },
        ),
    ] {
        let lowered = lowered.unwrap_or_else(|| panic!("{what}: 1.0 lowering must refuse it"));
        let direct = direct.unwrap_or_else(|| panic!("{what}: direct encoding must refuse it"));
        assert_eq!(
            direct,
            openflow::EncodeError::Unsupported(lowered),
            "{what}"
        );
    }
    // And 1.3 takes all three.
    for v13 in [
        pop_mpls.encode_as(Version::V1_3, 1, &mut Vec::new()),
        masked.encode_as(Version::V1_3, 1, &mut Vec::new()),
    ] {
        assert_eq!(v13.unwrap(), MessageKind::FlowMod);
    }
}
