//! Hand-checked OpenFlow 1.3 wire vectors: each decodes to the expected value, the value
//! encodes to the same bytes, and the one-line display reads as expected.
//! Field-by-field layouts follow openflow.h of OpenFlow 1.3.5.

use bytes::Bytes;
use openflow::hello::HelloElement;
use openflow::neutral::{ErrorMsg, FlowStats, PortInfo};
use openflow::v13::{self, Bucket, MeterBand, MultipartReply, MultipartReplyBody};
use openflow::{Action, FlowMod, Instruction, MacAddr, Match, Message, Neutral, Version};

/// Hex with any separators (spaces, `|`, newlines) between bytes.
fn hx(s: &str) -> Bytes {
    let clean: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    Bytes::from(hex::decode(clean).expect("test vector is valid hex"))
}

/// Decodes `wire`, checks xid and value, re-encodes byte for byte, returns the display.
fn check(wire: &Bytes, xid: u32, expected: &v13::Message) -> String {
    let (x, m) = Message::decode(wire).unwrap_or_else(|e| panic!("decode failed: {e}"));
    assert_eq!(x, xid);
    assert_eq!(m, Message::V13(expected.clone()));
    let mut out = vec![];
    expected.encode(xid, &mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(wire), "encode differs");
    expected.to_string()
}

#[test]
fn hello_with_version_bitmap() {
    // header | elem type=VERSIONBITMAP len=8 | bitmap bits 1 (1.0) and 4 (1.3)
    let wire = hx("04 00 0010 00000001 | 0001 0008 | 00000012");
    let m = v13::Message::Hello {
        elements: vec![HelloElement::VersionBitmap(vec![0x12])],
    };
    assert_eq!(check(&wire, 1, &m), "HELLO versions=1.0,1.3");
    // The shared HELLO encoder produces the same frame.
    let mut ours = vec![];
    openflow::hello::encode_hello(&[Version::V1_0, Version::V1_3], 1, &mut ours);
    assert_eq!(ours, wire.to_vec());
}

#[test]
fn error_bad_request_bad_len() {
    // type=BAD_REQUEST(1) code=BAD_LEN(6) | 8 bytes of the offending message
    let wire = hx("04 01 0014 00000002 | 0001 0006 | 040e0048 00000002");
    let m = v13::Message::Error(ErrorMsg {
        err_type: 1,
        code: 6,
        experimenter: None,
        data: hx("040e004800000002"),
    });
    assert_eq!(
        check(&wire, 2, &m),
        "ERROR type=BAD_REQUEST code=6 data_len=8"
    );
    let e = Message::decode(&wire).unwrap().1.error().unwrap();
    assert_eq!((e.err_type, e.code), (1, 6));
}

#[test]
fn error_experimenter() {
    // type=0xffff exp_type=7 experimenter=0x00002320 | data
    let wire = hx("04 01 0014 00000003 | ffff 0007 00002320 | deadbeef");
    let m = v13::Message::Error(ErrorMsg {
        err_type: 0xffff,
        code: 7,
        experimenter: Some(0x2320),
        data: hx("deadbeef"),
    });
    assert_eq!(
        check(&wire, 3, &m),
        "ERROR type=EXPERIMENTER experimenter=0x00002320 exp_type=7 data_len=4"
    );
}

#[test]
fn features_reply() {
    // dpid | n_buffers=256 | n_tables=254 aux=0 pad2 | capabilities=0x4f | reserved
    let wire =
        hx("04 06 0020 00000004 | 0000000000000001 | 00000100 | fe 00 0000 | 0000004f | 00000000");
    let m = v13::Message::FeaturesReply(v13::SwitchFeatures {
        datapath_id: openflow::Dpid(1),
        n_buffers: 256,
        n_tables: 254,
        auxiliary_id: 0,
        capabilities: 0x4f,
        reserved: 0,
    });
    assert_eq!(
        check(&wire, 4, &m),
        "FEATURES_REPLY dpid=0x0000000000000001 n_buffers=256 n_tables=254 auxiliary_id=0 capabilities=0x4f"
    );
    let fr = Message::decode(&wire).unwrap().1.features_reply().unwrap();
    assert_eq!(fr.datapath_id, openflow::Dpid(1));
    assert!(fr.ports.is_empty());
}

const FLOW_MOD_HEX: &str = "04 0e 0060 00000005
    | 0000000000000007 | 0000000000000000 | 00 00 | 0000 | 0000 | 0064
    | ffffffff | ffffffff | ffffffff | 0000 | 0000
    | 0001 0012 | 80000004 00000001 | 80000a02 0800 | 000000000000
    | 0004 0018 00000000 | 0000 0010 00000002 ffff 000000000000";

#[test]
fn flow_mod_add() {
    let wire = hx(FLOW_MOD_HEX);
    let m = v13::Message::FlowMod(v13::FlowMod {
        cookie: 7,
        cookie_mask: 0,
        table_id: 0,
        command: 0,
        idle_timeout: 0,
        hard_timeout: 0,
        priority: 100,
        buffer_id: 0xffff_ffff,
        out_port: 0xffff_ffff,
        out_group: 0xffff_ffff,
        flags: 0,
        match_: Match::new().in_port(1).eth_type(0x0800),
        instructions: vec![Instruction::ApplyActions(vec![Action::output(2)])],
    });
    assert_eq!(
        check(&wire, 5, &m),
        "FLOW_MOD ADD table=0 priority=100 cookie=0x7 in_port=1,dl_type=0x0800 actions=output:2"
    );
    // The neutral builder lowers to exactly these bytes and lifts back.
    let fm = FlowMod::add(Match::new().in_port(1).eth_type(0x0800))
        .priority(100)
        .cookie(7)
        .actions(vec![Action::output(2)]);
    let msg = fm.to_message(Version::V1_3).unwrap();
    assert_eq!(msg.to_bytes(5).unwrap(), wire.to_vec());
    assert_eq!(Message::decode(&wire).unwrap().1.flow_mod().unwrap(), fm);
}

#[test]
fn packet_in_no_match() {
    let frame = "ffffffffffff 000000000001 0800".to_string() + &"ab".repeat(50);
    let wire = hx(&format!(
        "04 0a 006a 00000000 | ffffffff | 0040 | 00 | 00 | 0000000000000000
         | 0001 000c 80000004 00000003 00000000 | 0000 | {frame}"
    ));
    let m = v13::Message::PacketIn(v13::PacketIn {
        buffer_id: 0xffff_ffff,
        total_len: 64,
        reason: 0,
        table_id: 0,
        cookie: 0,
        match_: Match::new().in_port(3),
        data: hx(&frame),
    });
    assert_eq!(
        check(&wire, 0, &m),
        "PACKET_IN total_len=64 in_port=3 reason=no_match data_len=64"
    );
    let pi = Message::decode(&wire).unwrap().1.packet_in().unwrap();
    assert_eq!(pi.in_port(), 3);
    assert_eq!(pi.buffer_id, None);
    assert_eq!(pi.data.len(), 64);
}

#[test]
fn packet_out() {
    let data = "ffffffffffff 000000000001 0806";
    let wire = hx(&format!(
        "04 0d 0036 00000006 | ffffffff | fffffffd | 0010 | 000000000000
         | 0000 0010 00000002 ffff 000000000000 | {data}"
    ));
    let m = v13::Message::PacketOut(v13::PacketOut {
        buffer_id: 0xffff_ffff,
        in_port: openflow::port::CONTROLLER,
        actions: vec![Action::output(2)],
        data: hx(data),
    });
    assert_eq!(
        check(&wire, 6, &m),
        "PACKET_OUT in_port=CONTROLLER actions=output:2 data_len=14"
    );
    let po = openflow::PacketOut::new(
        openflow::port::CONTROLLER,
        vec![Action::output(2)],
        hx(data),
    );
    assert_eq!(
        po.to_message(Version::V1_3).unwrap().to_bytes(6).unwrap(),
        wire.to_vec()
    );
}

#[test]
fn port_desc_reply() {
    let wire = hx("04 13 0050 00000007 | 000d 0000 00000000
        | 00000001 00000000 | 000000000001 0000 | 65746831 000000000000000000000000
        | 00000000 | 00000004 | 00002820 | 00000000 | 00000000 | 00000000 | 00989680 | 00000000");
    let port = PortInfo {
        port_no: 1,
        hw_addr: MacAddr([0, 0, 0, 0, 0, 1]),
        name: "eth1".into(),
        config: 0,
        state: 4,
        curr: 0x2820,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 10_000_000,
        max_speed: 0,
    };
    let m = v13::Message::MultipartReply(MultipartReply {
        flags: 0,
        body: MultipartReplyBody::PortDesc(vec![port.clone()]),
    });
    assert_eq!(
        check(&wire, 7, &m),
        "MULTIPART_REPLY PORT_DESC ports=1(eth1)"
    );
    let r = Message::decode(&wire).unwrap().1.stats_reply().unwrap();
    assert_eq!(r.body, openflow::StatsReplyBody::PortDesc(vec![port]));
    assert!(!r.more);
}

#[test]
fn flow_stats_reply_with_more_flag() {
    let wire = hx("04 13 0068 00000008 | 0001 0001 00000000
        | 0058 00 00 | 0000000a | 000001f4 | 0064 | 0000 | 0000 | 0000 | 00000000
        | 0000000000000007 | 0000000000000005 | 0000000000000140
        | 0001 000c 80000004 00000001 00000000
        | 0004 0018 00000000 | 0000 0010 00000002 ffff 000000000000");
    let fs = FlowStats {
        table_id: 0,
        duration_sec: 10,
        duration_nsec: 500,
        priority: 100,
        idle_timeout: 0,
        hard_timeout: 0,
        flags: 0,
        cookie: 7,
        packet_count: 5,
        byte_count: 320,
        match_: Match::new().in_port(1),
        instructions: vec![Instruction::ApplyActions(vec![Action::output(2)])],
    };
    let m = v13::Message::MultipartReply(MultipartReply {
        flags: 1,
        body: MultipartReplyBody::Flow(vec![fs.clone()]),
    });
    assert_eq!(check(&wire, 8, &m), "MULTIPART_REPLY FLOW more flows=1");
    let (_, msg) = Message::decode(&wire).unwrap();
    assert!(msg.is_partial_reply());
    assert_eq!(
        msg.stats_reply().unwrap().body,
        openflow::StatsReplyBody::Flow(vec![fs])
    );
}

#[test]
fn group_mod_select() {
    let wire = hx("04 0f 0050 00000009 | 0000 | 01 | 00 | 00000001
        | 0020 0001 ffffffff ffffffff 00000000 | 0000 0010 00000001 0000 000000000000
        | 0020 0002 ffffffff ffffffff 00000000 | 0000 0010 00000002 0000 000000000000");
    let b = |w: u16, p: u32| Bucket {
        weight: w,
        watch_port: 0xffff_ffff,
        watch_group: 0xffff_ffff,
        actions: vec![Action::Output {
            port: p,
            max_len: 0,
        }],
    };
    let m = v13::Message::GroupMod(v13::GroupMod {
        command: 0,
        group_type: 1,
        group_id: 1,
        buckets: vec![b(1, 1), b(2, 2)],
    });
    assert_eq!(
        check(&wire, 9, &m),
        "GROUP_MOD ADD group_id=1 type=select bucket=weight:1,actions=output:1 bucket=weight:2,actions=output:2"
    );
}

#[test]
fn meter_mod_with_all_band_kinds() {
    let wire = hx("04 1d 0048 0000000a | 0000 000d 00000001
        | 0001 0010 000003e8 00000064 00000000
        | 0002 0010 000007d0 00000000 01 000000
        | ffff 0018 00000005 00000006 00002320 0102030405060708");
    let m = v13::Message::MeterMod(v13::MeterMod {
        command: 0,
        flags: 0x000d,
        meter_id: 1,
        bands: vec![
            MeterBand::Drop {
                rate: 1000,
                burst_size: 100,
            },
            MeterBand::DscpRemark {
                rate: 2000,
                burst_size: 0,
                prec_level: 1,
            },
            MeterBand::Experimenter {
                rate: 5,
                burst_size: 6,
                experimenter: 0x2320,
                data: hx("0102030405060708"),
            },
        ],
    });
    assert_eq!(
        check(&wire, 10, &m),
        "METER_MOD ADD meter=1 flags=0xd bands=[type=drop rate=1000 burst_size=100],\
         [type=dscp_remark rate=2000 burst_size=0 prec_level=1],\
         [type=experimenter(0x00002320) rate=5 burst_size=6 data_len=8]"
    );
}

#[test]
fn small_messages() {
    let cases: Vec<(&str, v13::Message, &str)> = vec![
        (
            "04 02 000c 00000001 cafebabe",
            v13::Message::EchoRequest(hx("cafebabe")),
            "ECHO_REQUEST data_len=4",
        ),
        (
            "04 05 0008 00000001",
            v13::Message::FeaturesRequest,
            "FEATURES_REQUEST",
        ),
        (
            "04 09 000c 00000001 0000 ffff",
            v13::Message::SetConfig(openflow::SwitchConfig {
                flags: 0,
                miss_send_len: 0xffff,
            }),
            "SET_CONFIG flags=0x0 miss_send_len=65535",
        ),
        (
            "04 18 0018 00000001 00000002 00000000 0000000000000009",
            v13::Message::RoleRequest(v13::Role {
                role: 2,
                generation_id: 9,
            }),
            "ROLE_REQUEST role=master generation_id=9",
        ),
        (
            "04 12 0010 00000001 000d 0000 00000000",
            v13::Message::MultipartRequest(v13::MultipartRequest {
                flags: 0,
                body: v13::MultipartRequestBody::PortDesc,
            }),
            "MULTIPART_REQUEST PORT_DESC",
        ),
        (
            "04 04 0015 00000001 00002320 00000010 0102030405",
            v13::Message::Experimenter(v13::ExperimenterMsg {
                experimenter: 0x2320,
                exp_type: 16,
                data: hx("0102030405"),
            }),
            "EXPERIMENTER experimenter=0x00002320 exp_type=16 data_len=5",
        ),
        (
            "04 7f 000b 00000001 010203",
            v13::Message::Unknown {
                msg_type: 0x7f,
                body: hx("010203"),
            },
            "UNKNOWN type=127 body_len=3",
        ),
    ];
    for (h, m, text) in cases {
        assert_eq!(check(&hx(h), 1, &m), text);
    }
}

#[test]
fn truncated_and_malformed_inputs_are_errors() {
    use openflow::DecodeError;
    let full = hx(FLOW_MOD_HEX).to_vec();
    // Every truncation (with the header length patched to match) is an error, not a panic.
    for n in 8..full.len() {
        let mut f = full[..n].to_vec();
        f[2..4].copy_from_slice(&(n as u16).to_be_bytes());
        let r = Message::decode(&Bytes::from(f));
        if n == 72 {
            // Cut exactly after the match: a valid FLOW_MOD without instructions.
            assert!(r.unwrap().1.flow_mod().unwrap().instructions.is_empty());
        } else {
            assert!(r.is_err(), "prefix of {n} bytes decoded");
        }
    }
    // Header length disagreeing with the frame.
    let mut f = full.clone();
    f[3] = 0x50;
    assert!(matches!(
        Message::decode(&Bytes::from(f)),
        Err(DecodeError::BadLength { .. })
    ));
    // Output action with len=8 → BAD_ACTION/BAD_LEN.
    let bad_action =
        hx("04 0d 0020 00000001 ffffffff fffffffd 0008 000000000000 0000 0008 00000002");
    let e = Message::decode(&bad_action).unwrap_err();
    assert_eq!(e.ofp_error(Version::V1_3), (2, 1));
    // Instruction len past the message → BAD_INSTRUCTION/BAD_LEN.
    let mut f = full.clone();
    f[0x4a] = 0x30;
    let e = Message::decode(&Bytes::from(f)).unwrap_err();
    assert_eq!(e.ofp_error(Version::V1_3), (3, 7));
    // Match type OFPMT_STANDARD → BAD_MATCH/BAD_TYPE; match length past the body → BAD_LEN.
    let mut f = full.clone();
    f[0x31] = 0x00;
    assert_eq!(
        Message::decode(&Bytes::from(f))
            .unwrap_err()
            .ofp_error(Version::V1_3),
        (4, 0)
    );
    let mut f = full.clone();
    f[0x33] = 0xf0;
    assert_eq!(
        Message::decode(&Bytes::from(f))
            .unwrap_err()
            .ofp_error(Version::V1_3),
        (4, 1)
    );
    // Fixed-size bodies reject trailing bytes.
    assert!(Message::decode(&hx("04 14 0009 00000001 00")).is_err());
}

/// Regression (found by the random-bytes proptest): a port name filling all 16 bytes
/// without a NUL, or holding invalid UTF-8, must decode to something that encodes again.
#[test]
fn port_names_without_nul_or_utf8() {
    let status = |name_hex: &str| {
        hx(&format!(
            "04 0c 0050 00000001 | 02 00000000000000
             | 00000001 00000000 000000000001 0000 | {name_hex}
             | 00000000 00000004 00000000 00000000 00000000 00000000 00000000 00000000"
        ))
    };
    // 16 printable bytes, no terminator: kept exactly.
    let full = status("41424344454647484950515253545556");
    let (_, m) = Message::decode(&full).unwrap();
    assert_eq!(m.port_status().unwrap().port.name, "ABCDEFGHIPQRSTUV");
    assert_eq!(m.to_bytes(1).unwrap(), full.to_vec());
    // Invalid UTF-8 decodes lossily, within the field, and encodes again.
    let junk = status("ffffffffffffffffffffffffffffffff");
    let (_, m) = Message::decode(&junk).unwrap();
    assert!(m.port_status().unwrap().port.name.len() <= 16);
    assert!(m.to_bytes(1).is_ok());
    // What Viola originates keeps room for the NUL: 16 bytes is unsupported when lowering.
    let ps = m.port_status().unwrap();
    let mut p = ps.port.clone();
    p.name = "ABCDEFGHIJKLMNOP".into();
    assert!(openflow::PortStatus { reason: 0, port: p }
        .to_message(Version::V1_3)
        .is_err());
}
