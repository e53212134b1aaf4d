//! Property tests: encode∘decode is the identity on generated valid 1.0 messages; the
//! neutral round trip holds for what 1.0 expresses; random bytes never panic the decoder.

use std::net::Ipv4Addr;

use bytes::Bytes;
use openflow::oxm::{OxmField, VID_NONE, VID_PRESENT};
use openflow::v10::{
    self, Action10, Error10, FeaturesReply10, FlowMod10, FlowRemoved10, FlowStats10,
    FlowStatsRequest10, Match10, PacketIn10, PacketOut10, PacketQueue, PhyPort, PortMod10,
    PortStats10, PortStatus10, QueueConfigReply, QueueProp, QueueStats10, StatsReply10,
    StatsReplyBody10, StatsRequest10, StatsRequestBody, TableStats10,
};
use openflow::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}
fn ip() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}
fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}
/// Data whose length makes `header + data` a multiple of 8.
fn padded(header: usize) -> impl Strategy<Value = Bytes> {
    (0usize..3)
        .prop_flat_map(move |k| vec(any::<u8>(), (8 - header % 8) % 8 + 8 * k))
        .prop_map(Bytes::from)
}

prop_compose! {
    fn match10()(w in any::<u32>(), in_port in any::<u16>(), dl_src in mac(), dl_dst in mac(),
                 dl_vlan in any::<u16>(), dl_vlan_pcp in any::<u8>(), dl_type in any::<u16>(),
                 nw_tos in any::<u8>(), nw_proto in any::<u8>(), nw_src in ip(), nw_dst in ip(),
                 tp_src in any::<u16>(), tp_dst in any::<u16>()) -> Match10 {
        Match10 { wildcards: w, in_port, dl_src, dl_dst, dl_vlan, dl_vlan_pcp, dl_type, nw_tos,
                  nw_proto, nw_src, nw_dst, tp_src, tp_dst }
    }
}

fn action10() -> impl Strategy<Value = Action10> {
    prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(port, max_len)| Action10::Output { port, max_len }),
        any::<u16>().prop_map(Action10::SetVlanVid),
        any::<u8>().prop_map(Action10::SetVlanPcp),
        Just(Action10::StripVlan),
        mac().prop_map(Action10::SetDlSrc),
        mac().prop_map(Action10::SetDlDst),
        ip().prop_map(Action10::SetNwSrc),
        ip().prop_map(Action10::SetNwDst),
        any::<u8>().prop_map(Action10::SetNwTos),
        any::<u16>().prop_map(Action10::SetTpSrc),
        any::<u16>().prop_map(Action10::SetTpDst),
        (any::<u16>(), any::<u32>())
            .prop_map(|(port, queue_id)| Action10::Enqueue { port, queue_id }),
        (any::<u32>(), padded(8)).prop_map(|(vendor, data)| Action10::Vendor { vendor, data }),
        (0x000cu16..0xffff, padded(4))
            .prop_map(|(action_type, data)| Action10::Unknown { action_type, data }),
    ]
}

prop_compose! {
    fn phy_port()(port_no in any::<u16>(), hw_addr in mac(), name in any::<[u8; 16]>(),
                  v in any::<[u32; 6]>()) -> PhyPort {
        PhyPort { port_no, hw_addr, name, config: v[0], state: v[1], curr: v[2], advertised: v[3],
                  supported: v[4], peer: v[5] }
    }
}

prop_compose! {
    fn flow_stats10()(table_id in any::<u8>(), match_ in match10(), d in any::<(u32, u32)>(),
                      t in any::<(u16, u16, u16)>(), c in any::<(u64, u64, u64)>(),
                      actions in vec(action10(), 0..4)) -> FlowStats10 {
        FlowStats10 { table_id, match_, duration_sec: d.0, duration_nsec: d.1, priority: t.0,
                      idle_timeout: t.1, hard_timeout: t.2, cookie: c.0, packet_count: c.1,
                      byte_count: c.2, actions }
    }
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn frq() -> impl Strategy<Value = FlowStatsRequest10> {
    (match10(), any::<u8>(), any::<u16>()).prop_map(|(match_, table_id, out_port)| {
        FlowStatsRequest10 {
            match_,
            table_id,
            out_port,
        }
    })
}

fn stats_request() -> impl Strategy<Value = StatsRequest10> {
    let body = prop_oneof![
        Just(StatsRequestBody::Desc),
        frq().prop_map(StatsRequestBody::Flow),
        frq().prop_map(StatsRequestBody::Aggregate),
        Just(StatsRequestBody::Table),
        any::<u16>().prop_map(|port_no| StatsRequestBody::Port { port_no }),
        (any::<u16>(), any::<u32>())
            .prop_map(|(port_no, queue_id)| StatsRequestBody::Queue { port_no, queue_id }),
        (any::<u32>(), bytes(16))
            .prop_map(|(vendor, data)| StatsRequestBody::Vendor { vendor, data }),
        (6u16..0xffff, bytes(16))
            .prop_map(|(stats_type, data)| StatsRequestBody::Unknown { stats_type, data }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsRequest10 { flags, body })
}

fn stats_reply() -> impl Strategy<Value = StatsReply10> {
    let desc =
        (text(255), text(255), text(255), text(31), text(255)).prop_map(|(a, b, c, d, e)| {
            StatsReplyBody10::Desc(SwitchDesc {
                mfr_desc: a,
                hw_desc: b,
                sw_desc: c,
                serial_num: d,
                dp_desc: e,
            })
        });
    let table = (
        any::<u8>(),
        any::<[u8; 32]>(),
        any::<(u32, u32, u32, u64, u64)>(),
    )
        .prop_map(|(table_id, name, v)| TableStats10 {
            table_id,
            name,
            wildcards: v.0,
            max_entries: v.1,
            active_count: v.2,
            lookup_count: v.3,
            matched_count: v.4,
        });
    let port = (any::<u16>(), any::<[u64; 12]>()).prop_map(|(port_no, c)| PortStats10 {
        port_no,
        rx_packets: c[0],
        tx_packets: c[1],
        rx_bytes: c[2],
        tx_bytes: c[3],
        rx_dropped: c[4],
        tx_dropped: c[5],
        rx_errors: c[6],
        tx_errors: c[7],
        rx_frame_err: c[8],
        rx_over_err: c[9],
        rx_crc_err: c[10],
        collisions: c[11],
    });
    let queue = (any::<u16>(), any::<u32>(), any::<(u64, u64, u64)>()).prop_map(
        |(port_no, queue_id, c)| QueueStats10 {
            port_no,
            queue_id,
            tx_bytes: c.0,
            tx_packets: c.1,
            tx_errors: c.2,
        },
    );
    let body = prop_oneof![
        desc,
        vec(flow_stats10(), 0..4).prop_map(StatsReplyBody10::Flow),
        any::<(u64, u64, u32)>().prop_map(|(p, b, f)| StatsReplyBody10::Aggregate {
            packet_count: p,
            byte_count: b,
            flow_count: f
        }),
        vec(table, 0..4).prop_map(StatsReplyBody10::Table),
        vec(port, 0..4).prop_map(StatsReplyBody10::Port),
        vec(queue, 0..4).prop_map(StatsReplyBody10::Queue),
        (any::<u32>(), bytes(16))
            .prop_map(|(vendor, data)| StatsReplyBody10::Vendor { vendor, data }),
        (6u16..0xffff, bytes(16))
            .prop_map(|(stats_type, data)| StatsReplyBody10::Unknown { stats_type, data }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsReply10 { flags, body })
}

fn queue_reply() -> impl Strategy<Value = QueueConfigReply> {
    let prop = prop_oneof![
        any::<u16>().prop_map(QueueProp::MinRate),
        (2u16.., bytes(12)).prop_map(|(property, data)| QueueProp::Other { property, data }),
    ];
    let q = (any::<u32>(), vec(prop, 0..3)).prop_map(|(queue_id, properties)| PacketQueue {
        queue_id,
        properties,
    });
    (any::<u16>(), vec(q, 0..3)).prop_map(|(port, queues)| QueueConfigReply { port, queues })
}

fn message10() -> impl Strategy<Value = v10::Message> {
    use v10::Message as M;
    let cfg = any::<(u16, u16)>().prop_map(|(flags, miss_send_len)| SwitchConfig {
        flags,
        miss_send_len,
    });
    prop_oneof![
        bytes(16).prop_map(M::Hello),
        (any::<u16>(), any::<u16>(), bytes(64)).prop_map(|(err_type, code, data)| M::Error(
            Error10 {
                err_type,
                code,
                data
            }
        )),
        bytes(16).prop_map(M::EchoRequest),
        bytes(16).prop_map(M::EchoReply),
        (any::<u32>(), bytes(32)).prop_map(|(vendor, data)| M::Vendor { vendor, data }),
        Just(M::FeaturesRequest),
        (any::<(u64, u32, u8, u32, u32)>(), vec(phy_port(), 0..4)).prop_map(|(v, ports)| {
            M::FeaturesReply(FeaturesReply10 {
                datapath_id: openflow::Dpid(v.0),
                n_buffers: v.1,
                n_tables: v.2,
                capabilities: v.3,
                actions: v.4,
                ports,
            })
        }),
        Just(M::GetConfigRequest),
        cfg.clone().prop_map(M::GetConfigReply),
        cfg.prop_map(M::SetConfig),
        (any::<(u32, u16, u16, u8)>(), bytes(128)).prop_map(|(v, data)| M::PacketIn(PacketIn10 {
            buffer_id: v.0,
            total_len: v.1,
            in_port: v.2,
            reason: v.3,
            data,
        })),
        (match10(), any::<(u64, u16, u8, u32, u32, u16, u64, u64)>()).prop_map(|(match_, v)| {
            M::FlowRemoved(FlowRemoved10 {
                match_,
                cookie: v.0,
                priority: v.1,
                reason: v.2,
                duration_sec: v.3,
                duration_nsec: v.4,
                idle_timeout: v.5,
                packet_count: v.6,
                byte_count: v.7,
            })
        }),
        (any::<u8>(), phy_port())
            .prop_map(|(reason, desc)| M::PortStatus(PortStatus10 { reason, desc })),
        (any::<(u32, u16)>(), vec(action10(), 0..4), bytes(64)).prop_map(|(v, actions, data)| {
            M::PacketOut(PacketOut10 {
                buffer_id: v.0,
                in_port: v.1,
                actions,
                data,
            })
        }),
        (
            match10(),
            any::<(u64, u16, u16, u16, u16, u32, u16, u16)>(),
            vec(action10(), 0..5)
        )
            .prop_map(|(match_, v, actions)| {
                M::FlowMod(FlowMod10 {
                    match_,
                    cookie: v.0,
                    command: v.1,
                    idle_timeout: v.2,
                    hard_timeout: v.3,
                    priority: v.4,
                    buffer_id: v.5,
                    out_port: v.6,
                    flags: v.7,
                    actions,
                })
            }),
        (any::<u16>(), mac(), any::<(u32, u32, u32)>()).prop_map(|(port_no, hw_addr, v)| {
            M::PortMod(PortMod10 {
                port_no,
                hw_addr,
                config: v.0,
                mask: v.1,
                advertise: v.2,
            })
        }),
        stats_request().prop_map(M::StatsRequest),
        stats_reply().prop_map(M::StatsReply),
        Just(M::BarrierRequest),
        Just(M::BarrierReply),
        any::<u16>().prop_map(|port| M::QueueGetConfigRequest { port }),
        queue_reply().prop_map(M::QueueGetConfigReply),
        (0x16u8.., bytes(32)).prop_map(|(msg_type, body)| M::Unknown { msg_type, body }),
    ]
}

// ---- neutral values 1.0 can express, in canonical order ----

fn neutral_port() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..0xff00,
        Just(port::LOCAL),
        Just(port::CONTROLLER),
        Just(port::IN_PORT),
        Just(port::FLOOD)
    ]
}

fn masked_ip() -> impl Strategy<Value = (Ipv4Addr, Option<Ipv4Addr>)> {
    (ip(), 1u32..=32).prop_map(|(a, p)| (a, (p < 32).then(|| Ipv4Addr::from(u32::MAX << (32 - p)))))
}

/// (match, is_udp)
fn neutral_match() -> impl Strategy<Value = (Match, bool)> {
    use OxmField::*;
    let l2 = (
        proptest::option::of(neutral_port()),
        proptest::option::of(mac()),
        proptest::option::of(mac()),
    );
    let vlan = proptest::option::of((
        proptest::option::of(0u16..0x1000),
        proptest::option::of(0u8..8),
    ));
    let l3 = prop_oneof![Just(0u8), Just(1u8), Just(2u8), Just(3u8),];
    (
        l2,
        vlan,
        l3,
        proptest::option::of(0u8..64),
        any::<u8>(),
        proptest::option::of(masked_ip()),
        proptest::option::of(masked_ip()),
        proptest::option::of(any::<u16>()),
        proptest::option::of(any::<u16>()),
        0u8..5,
        proptest::option::of(0u16..256),
        any::<u16>(),
    )
        .prop_map(
            |(
                (inp, dst, src),
                vlan,
                l3,
                dscp,
                proto_any,
                nsrc,
                ndst,
                tps,
                tpd,
                proto_kind,
                arp_op,
                other_type,
            )| {
                let mut f = Vec::new();
                if let Some(p) = inp {
                    f.push(InPort(p));
                }
                if let Some(m) = dst {
                    f.push(EthDst(m, None));
                }
                if let Some(m) = src {
                    f.push(EthSrc(m, None));
                }
                let et = match l3 {
                    1 => Some(0x0800),
                    2 => Some(0x0806),
                    3 => Some(if other_type == 0x0800 || other_type == 0x0806 {
                        0x88cc
                    } else {
                        other_type
                    }),
                    _ => None,
                };
                if let Some(t) = et {
                    f.push(EthType(t));
                }
                if let Some((vid, pcp)) = vlan {
                    f.push(VlanVid(vid.map_or(VID_NONE, |v| VID_PRESENT | v), None));
                    if let Some(p) = pcp {
                        f.push(VlanPcp(p));
                    }
                }
                let mut udp = false;
                match l3 {
                    1 => {
                        if let Some(d) = dscp {
                            f.push(IpDscp(d));
                        }
                        let proto = match proto_kind {
                            0 => None,
                            1 => Some(6),
                            2 => Some(17),
                            3 => Some(1),
                            _ => Some(if matches!(proto_any, 1 | 6 | 17) {
                                99
                            } else {
                                proto_any
                            }),
                        };
                        if let Some(p) = proto {
                            f.push(IpProto(p));
                        }
                        if let Some((a, m)) = nsrc {
                            f.push(Ipv4Src(a, m));
                        }
                        if let Some((a, m)) = ndst {
                            f.push(Ipv4Dst(a, m));
                        }
                        match proto {
                            Some(6) => {
                                if let Some(p) = tps {
                                    f.push(TcpSrc(p));
                                }
                                if let Some(p) = tpd {
                                    f.push(TcpDst(p));
                                }
                            }
                            Some(17) => {
                                udp = true;
                                if let Some(p) = tps {
                                    f.push(UdpSrc(p));
                                }
                                if let Some(p) = tpd {
                                    f.push(UdpDst(p));
                                }
                            }
                            Some(1) => {
                                if let Some(p) = tps {
                                    f.push(Icmpv4Type(p as u8));
                                }
                                if let Some(p) = tpd {
                                    f.push(Icmpv4Code(p as u8));
                                }
                            }
                            _ => {}
                        }
                    }
                    2 => {
                        if let Some(op) = arp_op {
                            f.push(ArpOp(op));
                        }
                        if let Some((a, m)) = nsrc {
                            f.push(ArpSpa(a, m));
                        }
                        if let Some((a, m)) = ndst {
                            f.push(ArpTpa(a, m));
                        }
                    }
                    _ => {}
                }
                (Match::from_fields(f), udp)
            },
        )
}

fn neutral_actions(udp: bool) -> impl Strategy<Value = Vec<Action>> {
    use OxmField::*;
    let one = prop_oneof![
        (neutral_port(), any::<u16>())
            .prop_map(|(port, max_len)| vec![Action::Output { port, max_len }]),
        mac().prop_map(|m| vec![Action::SetField(EthSrc(m, None))]),
        mac().prop_map(|m| vec![Action::SetField(EthDst(m, None))]),
        (0u16..0x1000).prop_map(|v| vec![Action::SetField(VlanVid(VID_PRESENT | v, None))]),
        (0u8..8).prop_map(|p| vec![Action::SetField(VlanPcp(p))]),
        Just(vec![Action::PopVlan]),
        ip().prop_map(|a| vec![Action::SetField(Ipv4Src(a, None))]),
        ip().prop_map(|a| vec![Action::SetField(Ipv4Dst(a, None))]),
        (0u8..64).prop_map(|d| vec![Action::SetField(IpDscp(d))]),
        any::<u16>().prop_map(move |p| vec![Action::SetField(if udp {
            UdpSrc(p)
        } else {
            TcpSrc(p)
        })]),
        any::<u16>().prop_map(move |p| vec![Action::SetField(if udp {
            UdpDst(p)
        } else {
            TcpDst(p)
        })]),
        (any::<u32>(), neutral_port())
            .prop_map(|(q, p)| vec![Action::SetQueue(q), Action::output(p)]),
        (any::<u32>(), padded(8))
            .prop_map(|(experimenter, data)| vec![Action::Experimenter { experimenter, data }]),
    ];
    vec(one, 0..4).prop_map(|v| v.concat())
}

fn neutral_flow_mod() -> impl Strategy<Value = FlowMod> {
    neutral_match().prop_flat_map(|(m, udp)| {
        (
            Just(m),
            neutral_actions(udp),
            0u16..5,
            any::<(u64, u16, u16, u16)>(),
            proptest::option::of(0u32..0xffff_fff0),
            prop_oneof![Just(port::ANY), neutral_port()],
            0u16..8,
        )
            .prop_map(|(m, actions, cmd, v, buffer_id, out_port, flags)| {
                let command = FlowModCommand::from_wire(cmd).unwrap();
                let mut fm = match command {
                    FlowModCommand::Delete => FlowMod::delete(m),
                    _ => FlowMod::add(m),
                };
                fm.command = command;
                fm = fm
                    .cookie(v.0)
                    .idle_timeout(v.1)
                    .hard_timeout(v.2)
                    .priority(v.3)
                    .buffer_id(buffer_id)
                    .out_port(out_port)
                    .flags(flags);
                if !actions.is_empty() {
                    fm = fm.actions(actions);
                }
                fm
            })
    })
}

/// `PROPTEST_CASES` overrides the default number of cases (for longer fuzzing runs).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_identity(msg in message10(), xid in any::<u32>()) {
        let wire = Bytes::from(msg.to_bytes(xid).unwrap());
        let (x, back) = v10::Message::decode_frame(&wire).unwrap();
        prop_assert_eq!(x, xid);
        prop_assert_eq!(&back, &msg);
        // And the general entry point agrees.
        let (_, general) = Message::decode(&wire).unwrap();
        prop_assert_eq!(general, Message::V10(msg));
    }

    #[test]
    fn neutral_flow_mod_round_trips(fm in neutral_flow_mod()) {
        let msg = fm.to_message(Version::V1_0).unwrap();
        let wire = Bytes::from(msg.to_bytes(3).unwrap());
        let (_, back) = Message::decode(&wire).unwrap();
        prop_assert_eq!(back.flow_mod().unwrap(), fm);
    }

    /// The direct encoders give the bytes of lowering then encoding, in both versions.
    #[test]
    fn neutral_flow_mod_encodes_as_lowered(fm in neutral_flow_mod(), xid in any::<u32>()) {
        for v in Version::ALL {
            let lowered = fm.to_message(v).unwrap().to_bytes(xid).unwrap();
            let mut direct = vec![0xaa];
            prop_assert_eq!(fm.encode_as(v, xid, &mut direct).unwrap(), MessageKind::FlowMod);
            prop_assert_eq!(&direct[1..], &lowered[..]);
        }
    }

    #[test]
    fn neutral_packet_out_encodes_as_lowered(
        actions in neutral_match().prop_flat_map(|(_, udp)| neutral_actions(udp)),
        in_port in neutral_port(),
        buffer_id in proptest::option::of(0u32..0xffff_fff0),
        data in padded(0),
        xid in any::<u32>(),
    ) {
        let po = PacketOut { buffer_id, in_port, actions, data };
        for v in Version::ALL {
            let lowered = po.to_message(v).unwrap().to_bytes(xid).unwrap();
            let mut direct = Vec::new();
            prop_assert_eq!(po.encode_as(v, xid, &mut direct).unwrap(), MessageKind::PacketOut);
            prop_assert_eq!(direct, lowered);
        }
    }

    #[test]
    fn neutral_flow_stats_request_round_trips((m, _) in neutral_match(), table_id in any::<u8>(), out_port in neutral_port()) {
        let req = StatsRequest::Flow(FlowStatsRequest { table_id, out_port, match_: m, ..FlowStatsRequest::default() });
        let wire = Bytes::from(req.to_message(Version::V1_0).unwrap().to_bytes(1).unwrap());
        prop_assert_eq!(Message::decode(&wire).unwrap().1.stats_request().unwrap(), req);
    }

    #[test]
    fn random_bodies_never_panic(msg_type in any::<u8>(), body in vec(any::<u8>(), 0..300)) {
        let mut frame = vec![0x01, msg_type, 0, 0, 0, 0, 0, 1];
        frame.extend_from_slice(&body);
        let n = frame.len() as u16;
        frame[2..4].copy_from_slice(&n.to_be_bytes());
        let wire = Bytes::from(frame);
        if let Ok((xid, m)) = Message::decode(&wire) {
            // Whatever decodes re-encodes without error and displays on one line.
            let again = m.to_bytes(xid);
            prop_assert!(again.is_ok());
            prop_assert!(!m.to_string().contains('\n'));
            let _ = (m.flow_mod(), m.packet_in(), m.stats_reply(), m.features_reply(), m.error());
        }
    }

    #[test]
    fn random_bytes_never_panic(frame in vec(any::<u8>(), 0..200)) {
        let _ = Message::decode(&Bytes::from(frame));
    }
}
