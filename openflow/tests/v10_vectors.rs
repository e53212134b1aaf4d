//! Hand-checked OpenFlow 1.0 vectors: each hex string was written from the 1.0.0 spec's
//! struct layouts, field by field (see the comments), not produced by the codec.

use bytes::Bytes;
use openflow::error::{bad_action, bad_request, error_type};
use openflow::v10::{self, Action10};
use openflow::*;

fn hx(s: &str) -> Vec<u8> {
    let clean: String = s.split_whitespace().collect();
    hex::decode(clean).expect("test vector is hex")
}

fn decode10(wire: &[u8]) -> (u32, v10::Message) {
    let b = Bytes::copy_from_slice(wire);
    match Message::decode(&b).expect("vector decodes") {
        (xid, Message::V10(m)) => (xid, m),
        other => panic!("not 1.0: {other:?}"),
    }
}

/// Decodes, checks the byte-exact re-encoding, returns the message.
fn exact(wire: &[u8]) -> (u32, Message) {
    let b = Bytes::copy_from_slice(wire);
    let (xid, m) = Message::decode(&b).expect("vector decodes");
    assert_eq!(
        hex::encode(m.to_bytes(xid).unwrap()),
        hex::encode(wire),
        "re-encode differs for {m}"
    );
    (xid, m)
}

const FLOW_MOD: &str = "
    010e 0050 00000007
    003020ee 0001 000000000000 000000000000 0000 00 00 0800 00 00 0000 00000000 0a000002 0000 0000
    0000000000000000 0000 0000 0000 0064 ffffffff ffff 0000
    0000 0008 0002 ffff";
// wildcards 0x3820ff (all, address counts 32) minus IN_PORT (0x1), DL_TYPE (0x10) and the
// NW_DST count (bits 14-19) = 0x3020ee; header length 8 + 40 match + 24 + one 8-byte output action = 80.

#[test]
fn flow_mod_vector() {
    let wire = hx(FLOW_MOD);
    let fm = FlowMod::add(
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst("10.0.0.2".parse().unwrap()),
    )
    .priority(100)
    .actions(vec![Action::output(2)]);
    assert_eq!(
        fm.to_message(Version::V1_0).unwrap().to_bytes(7).unwrap(),
        wire
    );
    let (xid, m) = exact(&wire);
    assert_eq!(xid, 7);
    assert_eq!(m.flow_mod().unwrap(), fm);
    let Message::V10(v10::Message::FlowMod(f)) = &m else {
        panic!()
    };
    assert_eq!(f.match_.wildcards, 0x0030_20ee);
    assert_eq!(f.match_.nw_dst_prefix(), 32);
    assert_eq!(f.match_.nw_src_prefix(), 0);
    assert_eq!(
        f.actions,
        vec![Action10::Output {
            port: 2,
            max_len: 0xffff
        }]
    );
    assert_eq!(m.kind(), MessageKind::FlowMod);
    assert_eq!(
        m.to_string(),
        "OF1.0 FLOW_MOD ADD priority=100,in_port=1,dl_type=0x0800,nw_dst=10.0.0.2 actions=output:2"
    );
}

#[test]
fn packet_in_vector_is_zero_copy() {
    let frame: Vec<u8> = (0u8..64).collect();
    let wire = [
        hx("010a 0052 00000011 00000100 0040 0001 00 00"),
        frame.clone(),
    ]
    .concat();
    let b = Bytes::from(wire.clone());
    let (xid, m) = Message::decode(&b).unwrap();
    assert_eq!(xid, 0x11);
    let Message::V10(v10::Message::PacketIn(p)) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(
        (p.buffer_id, p.total_len, p.in_port, p.reason),
        (0x100, 64, 1, 0)
    );
    assert_eq!(&p.data[..], &frame[..]);
    // The data is a view of the frame, not a copy.
    assert_eq!(p.data.as_ptr(), b[18..].as_ptr());
    let pi = m.packet_in().unwrap();
    assert_eq!(pi.in_port(), 1);
    assert_eq!(pi.buffer_id, Some(0x100));
    assert_eq!(
        pi.to_message(Version::V1_0)
            .unwrap()
            .to_bytes(0x11)
            .unwrap(),
        wire
    );
    exact(&wire);
}

#[test]
fn packet_out_vector() {
    let data = openflow::packet::build::arp_request(
        MacAddr::new([0, 0, 0, 0, 0, 1]),
        "10.0.0.1".parse().unwrap(),
        "10.0.0.2".parse().unwrap(),
    );
    assert_eq!(data.len(), 42);
    // buffer none, in_port CONTROLLER (0xfffd), actions_len 8, output FLOOD (0xfffb) max_len 0.
    let wire = [
        hx("010d 0042 00000022 ffffffff fffd 0008 0000 0008 fffb 0000"),
        data.clone(),
    ]
    .concat();
    let po = PacketOut::new(
        port::CONTROLLER,
        vec![Action::Output {
            port: port::FLOOD,
            max_len: 0,
        }],
        Bytes::from(data),
    );
    assert_eq!(
        po.to_message(Version::V1_0)
            .unwrap()
            .to_bytes(0x22)
            .unwrap(),
        wire
    );
    let (_, m) = exact(&wire);
    assert_eq!(m.packet_out().unwrap(), po);
    assert!(m
        .to_string()
        .starts_with("OF1.0 PACKET_OUT in_port=CONTROLLER actions=output:FLOOD data_len=42"));
}

const FEATURES_REPLY: &str = "
    0106 0080 00000002
    0000000000000001 00000100 01 000000 000000c7 00000fff
    0001 000000000101 73312d657468310000000000000000 00
    00000000 00000000 000000c0 00000000 00000000 00000000
    fffe 000000000100 73310000000000000000000000000000
    00000001 00000001 00000000 00000000 00000000 00000000";
// 8 + 24 + 2 × 48 = 128; port 1 curr = 10GB_FD (0x40) | COPPER (0x80).

#[test]
fn features_reply_vector() {
    let wire = hx(FEATURES_REPLY);
    let (_, m) = exact(&wire);
    let f = m.features_reply().unwrap();
    assert_eq!(
        (f.datapath_id.0, f.n_buffers, f.n_tables, f.capabilities),
        (1, 256, 1, 0xc7)
    );
    assert_eq!(f.ports.len(), 2);
    assert_eq!(f.ports[0].name, "s1-eth1");
    assert_eq!(f.ports[0].port_no, 1);
    assert_eq!(f.ports[0].hw_addr, MacAddr::new([0, 0, 0, 0, 1, 1]));
    // Neutral feature bits use the 1.3 layout: COPPER moves from bit 7 to bit 11.
    assert_eq!(f.ports[0].curr, 0x40 | (1 << 11));
    assert!(f.ports[0].is_live());
    assert_eq!(f.ports[1].port_no, port::LOCAL);
    assert_eq!(f.ports[1].name, "s1");
    assert!(!f.ports[1].is_live());
    assert_eq!(
        f.to_message(Version::V1_0).unwrap().to_bytes(2).unwrap(),
        wire
    );
    // A port list that is not a multiple of 48 bytes is rejected.
    let mut bad = wire.clone();
    bad.truncate(bad.len() - 1);
    bad[3] -= 1;
    assert!(Message::decode(&Bytes::from(bad)).is_err());
}

const FLOW_STATS_REPLY: &str = "
    0111 006c 00000009 0001 0001
    0060 00 00
    003820fe 0001 000000000000 000000000000 0000 00 00 0000 00 00 0000 00000000 00000000 0000 0000
    00000005 000003e8 8000 000a 0000 000000000000
    0000000000001234 0000000000000003 00000000000000b4
    0000 0008 0002 ffff";
// type FLOW (1), flags REPLY_MORE (1); entry length 88 + 8 = 96; message 8 + 4 + 96 = 108.

#[test]
fn flow_stats_reply_vector() {
    let wire = hx(FLOW_STATS_REPLY);
    let (_, m) = exact(&wire);
    assert!(m.is_partial_reply());
    let r = m.stats_reply().unwrap();
    let expected = StatsReply {
        more: true,
        body: StatsReplyBody::Flow(vec![FlowStats {
            table_id: 0,
            duration_sec: 5,
            duration_nsec: 1000,
            priority: 0x8000,
            idle_timeout: 10,
            hard_timeout: 0,
            flags: 0,
            cookie: 0x1234,
            packet_count: 3,
            byte_count: 180,
            match_: Match::new().in_port(1),
            instructions: vec![Instruction::ApplyActions(vec![Action::output(2)])],
        }]),
    };
    assert_eq!(r, expected);
    assert_eq!(
        expected
            .to_message(Version::V1_0)
            .unwrap()
            .to_bytes(9)
            .unwrap(),
        wire
    );
}

const PORT_STATUS: &str = "
    010c 0040 00000000 02 00000000000000
    0003 000000000003 65746833000000000000000000000000
    00000000 00000001 00000082 00000000 00000000 00000000";
// reason MODIFY; port 3 "eth3", state LINK_DOWN, curr = 10MB_FD (0x2) | COPPER (0x80).

#[test]
fn port_status_vector() {
    let wire = hx(PORT_STATUS);
    let (_, m) = exact(&wire);
    let s = m.port_status().unwrap();
    assert_eq!(s.reason, port_reason::MODIFY);
    assert_eq!(s.port.port_no, 3);
    assert_eq!(s.port.name, "eth3");
    assert_eq!(s.port.state, port_state::LINK_DOWN);
    assert_eq!(s.port.curr, 0x2 | (1 << 11));
    assert_eq!(
        s.to_message(Version::V1_0).unwrap().to_bytes(0).unwrap(),
        wire
    );
    assert!(m.to_string().starts_with("OF1.0 PORT_STATUS MOD: 3(eth3)"));
}

#[test]
fn error_vector() {
    // BAD_REQUEST / BAD_LEN with the first 8 bytes of the offending FLOW_MOD.
    let wire = hx("0101 0014 00000005 0001 0006 010e005000000007");
    let (_, m) = exact(&wire);
    let e = m.error().unwrap();
    assert_eq!(
        (e.err_type, e.code, e.experimenter),
        (error_type::BAD_REQUEST, bad_request::BAD_LEN, None)
    );
    assert_eq!(&e.data[..], &hx("010e005000000007")[..]);
    assert_eq!(
        e.to_message(Version::V1_0).unwrap().to_bytes(5).unwrap(),
        wire
    );
}

#[test]
fn short_bodies_are_errors_with_the_right_code() {
    // A FLOW_MOD whose body stops inside the fixed part.
    let mut wire = hx(FLOW_MOD);
    wire.truncate(8 + 60);
    wire[3] = 68;
    let err = Message::decode(&Bytes::from(wire)).unwrap_err();
    assert!(matches!(err, DecodeError::Truncated { .. }), "{err:?}");
    assert_eq!(
        err.ofp_error(Version::V1_0),
        (error_type::BAD_REQUEST, bad_request::BAD_LEN)
    );
    // A FLOW_MOD whose action is cut: BAD_ACTION / BAD_LEN.
    let mut wire = hx(FLOW_MOD);
    wire.truncate(78);
    wire[3] = 78;
    let err = Message::decode(&Bytes::from(wire)).unwrap_err();
    assert_eq!(
        err.ofp_error(Version::V1_0),
        (error_type::BAD_ACTION, bad_action::BAD_LEN)
    );
    // An action whose length field is 0.
    let mut wire = hx(FLOW_MOD);
    wire[75] = 0;
    let err = Message::decode(&Bytes::from(wire)).unwrap_err();
    assert_eq!(
        err.ofp_error(Version::V1_0),
        (error_type::BAD_ACTION, bad_action::BAD_LEN)
    );
    // Every strict prefix of these fixed-layout messages fails (never panics).
    // (Prefixes that end on a record boundary are valid shorter lists and are skipped.)
    for (v, whole) in [
        (FEATURES_REPLY, &[32usize, 80][..]),
        (FLOW_STATS_REPLY, &[12][..]),
        (PORT_STATUS, &[][..]),
    ] {
        let full = hx(v);
        for n in (8..full.len()).filter(|n| !whole.contains(n)) {
            let mut w = full[..n].to_vec();
            w[2..4].copy_from_slice(&(n as u16).to_be_bytes());
            assert!(
                Message::decode(&Bytes::from(w)).is_err(),
                "prefix {n} of {v} decoded"
            );
        }
    }
    // Trailing bytes after a fixed body are rejected too.
    let err = Message::decode(&Bytes::from(hx("0112 0009 00000001 00"))).unwrap_err();
    assert_eq!(
        err.ofp_error(Version::V1_0),
        (error_type::BAD_REQUEST, bad_request::BAD_LEN)
    );
}

#[test]
fn unknowns_survive_byte_for_byte() {
    for v in [
        // Unknown message type 0x30.
        "0130 000c 00000001 deadbeef",
        // VENDOR message (Nicira) with a payload.
        "0104 0014 00000002 00002320 0000000a 00000000",
        // FLOW_MOD with an unknown action type 0x0042 and a vendor action.
        "010e 0060 00000003 003fffff 0000 000000000000 000000000000 0000 00 00 0000 00 00 0000 00000000 00000000 0000 0000
         0000000000000000 0000 0000 0000 8000 ffffffff ffff 0000
         0042 0008 01020304 ffff 0010 00002320 0001020304050607",
        // Unknown stats request type and a vendor stats reply.
        "0110 0010 00000004 7777 0000 01020304",
        "0111 0018 00000005 ffff 0000 00002320 aabbccdd 00000000",
        // QUEUE_GET_CONFIG_REPLY: port 1, one queue with MIN_RATE 500 and an unknown property.
        "0115 0038 00000006 0001 000000000000
         00000007 0028 0000
         0001 0010 00000000 01f4 000000000000
         0009 0010 00000000 1122334455667788",
        // HELLO with a body and an echo with data.
        "0100 0010 00000007 0001 0008 00000012",
        "0102 000b 00000008 616263",
    ] {
        exact(&hx(v));
    }
    let (_, m) = decode10(&hx("0115 0038 00000006 0001 000000000000 00000007 0028 0000 0001 0010 00000000 01f4 000000000000 0009 0010 00000000 1122334455667788"));
    let v10::Message::QueueGetConfigReply(q) = m else {
        panic!()
    };
    assert_eq!(q.queues[0].properties[0], v10::QueueProp::MinRate(500));
}

#[test]
fn what_1_0_cannot_say_is_unsupported() {
    let v = Version::V1_0;
    let cases: Vec<(&str, Result<Message, Unsupported>)> = vec![
        (
            "ipv6",
            FlowMod::add(
                Match::new()
                    .eth_type(0x86dd)
                    .ipv6_src("::1".parse().unwrap()),
            )
            .to_message(v),
        ),
        (
            "masked mac",
            FlowMod::add(
                Match::new().eth_dst_masked(MacAddr::BROADCAST, MacAddr::new([1, 0, 0, 0, 0, 0])),
            )
            .to_message(v),
        ),
        (
            "non-cidr",
            FlowMod::add(
                Match::new()
                    .eth_type(0x0800)
                    .ipv4_src_masked("10.0.0.0".parse().unwrap(), "255.0.255.0".parse().unwrap()),
            )
            .to_message(v),
        ),
        (
            "goto",
            FlowMod::add(Match::new())
                .instructions(vec![Instruction::GotoTable(1)])
                .to_message(v),
        ),
        ("table", FlowMod::add(Match::new()).table(3).to_message(v)),
        (
            "ttl",
            FlowMod::add(Match::new())
                .actions(vec![Action::DecNwTtl])
                .to_message(v),
        ),
        (
            "group",
            PacketOut::new(1, vec![Action::Group(1)], Bytes::new()).to_message(v),
        ),
        (
            "queue alone",
            PacketOut::new(1, vec![Action::SetQueue(1)], Bytes::new()).to_message(v),
        ),
        (
            "big port",
            PacketOut::new(1, vec![Action::output(0x1_0000)], Bytes::new()).to_message(v),
        ),
        ("port desc", StatsRequest::PortDesc.to_message(v)),
        (
            "role",
            Control::RoleRequest {
                role: 2,
                generation_id: 0,
            }
            .to_message(v),
        ),
    ];
    for (name, r) in cases {
        let e = r.expect_err(name);
        assert_eq!(e.version, Version::V1_0, "{name}");
    }
}

#[test]
fn neutral_actions_map_to_1_0_actions() {
    use openflow::oxm::OxmField::*;
    let m = Match::new().eth_type(0x0800).ip_proto(17);
    let actions = vec![
        Action::SetField(EthSrc(
            MacAddr::new([0, 0x11, 0x22, 0x33, 0x44, 0x55]),
            None,
        )),
        Action::SetField(VlanVid(0x1000 | 20, None)),
        Action::SetField(VlanPcp(5)),
        Action::PopVlan,
        Action::SetField(Ipv4Dst("10.2.2.2".parse().unwrap(), None)),
        Action::SetField(IpDscp(16)),
        Action::SetField(UdpDst(53)),
        Action::SetQueue(7),
        Action::output(2),
    ];
    let fm = FlowMod::add(m).actions(actions.clone());
    let msg = fm.to_message(Version::V1_0).unwrap();
    let Message::V10(v10::Message::FlowMod(f)) = &msg else {
        panic!()
    };
    assert_eq!(
        f.actions,
        vec![
            Action10::SetDlSrc(MacAddr::new([0, 0x11, 0x22, 0x33, 0x44, 0x55])),
            Action10::SetVlanVid(20),
            Action10::SetVlanPcp(5),
            Action10::StripVlan,
            Action10::SetNwDst("10.2.2.2".parse().unwrap()),
            Action10::SetNwTos(64),
            Action10::SetTpDst(53),
            Action10::Enqueue {
                port: 2,
                queue_id: 7
            },
        ]
    );
    let wire = Bytes::from(msg.to_bytes(1).unwrap());
    assert_eq!(Message::decode(&wire).unwrap().1.flow_mod().unwrap(), fm);
}

#[test]
fn vlan_and_arp_matches() {
    // VID_NONE ↔ dl_vlan 0xffff; a tagged VID ↔ its 12 bits.
    let none = FlowMod::add(Match::new().vlan_vid(openflow::oxm::VID_NONE));
    let msg = none.to_message(Version::V1_0).unwrap();
    let Message::V10(v10::Message::FlowMod(f)) = &msg else {
        panic!()
    };
    assert_eq!(f.match_.dl_vlan, 0xffff);
    assert_eq!(msg.flow_mod().unwrap(), none);
    let arp = FlowMod::add(
        Match::new()
            .eth_type(0x0806)
            .arp_op(2)
            .arp_spa("10.0.0.1".parse().unwrap())
            .arp_tpa_masked(
                "10.0.0.0".parse().unwrap(),
                "255.255.255.0".parse().unwrap(),
            ),
    );
    let msg = arp.to_message(Version::V1_0).unwrap();
    let Message::V10(v10::Message::FlowMod(f)) = &msg else {
        panic!()
    };
    assert_eq!((f.match_.nw_proto, f.match_.nw_dst_prefix()), (2, 24));
    let wire = Bytes::from(msg.to_bytes(1).unwrap());
    assert_eq!(Message::decode(&wire).unwrap().1.flow_mod().unwrap(), arp);
}
