//! Hand-checked OpenFlow 1.5 wire vectors: each decodes to the expected value, the value
//! encodes to the same bytes, and the one-line display reads as expected. Layouts follow
//! openflow.h of OpenFlow 1.5.1.

use bytes::Bytes;
use openflow::v14::Prop;
use openflow::v15::{self, oxs, Bucket, OxsField, Stats};
use openflow::{v13, v14, Action, Match, Message, Neutral, Version};

fn hx(s: &str) -> Bytes {
    let clean: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    Bytes::from(hex::decode(clean).expect("test vector is valid hex"))
}

/// Decodes `wire`, checks xid and value, re-encodes byte for byte, returns the display.
fn check(wire: &Bytes, xid: u32, expected: &v15::Message) -> String {
    let (x, m) = Message::decode(wire).unwrap_or_else(|e| panic!("decode failed: {e}"));
    assert_eq!(x, xid);
    assert_eq!(m, Message::V15(expected.clone()));
    let mut out = vec![];
    expected.encode(xid, &mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(wire), "encode differs");
    m.to_string()
}

#[test]
fn packet_out_with_pipeline_match() {
    // buffer NONE, actions_len 16, pad | match IN_PORT=3, METADATA=0x2a (len 24, no pad)
    // | output:1 | 2 bytes of frame
    let wire = hx(
        "06 0d 003a 00000001 | ffffffff 0010 0000 | 0001 0018 80000004 00000003 \
         80000408 000000000000002a | 0000 0010 00000001 ffff 000000000000 | abcd",
    );
    let m = v15::Message::PacketOut(v15::PacketOut {
        buffer_id: 0xffff_ffff,
        match_: Match::new().in_port(3).metadata(0x2a),
        actions: vec![Action::output(1)],
        data: hx("abcd"),
    });
    assert_eq!(
        check(&wire, 1, &m),
        "OF1.5 PACKET_OUT in_port=3,metadata=0x2a actions=output:1 data_len=2"
    );
    // A match with more than the ingress port has no neutral form.
    assert!(Message::V15(m).packet_out().is_none());
}

#[test]
fn flow_removed_with_oxs_statistics_lifts() {
    // table 1, reason DELETE(2), priority 5, idle 10, hard 0, cookie 0x77 | empty match
    // | ofp_stats: DURATION 3 s 0 ns, PACKET_COUNT 4, BYTE_COUNT 256 (len 40, no pad)
    let wire = hx(
        "06 0b 0048 00000002 | 01 02 0005 000a 0000 0000000000000077 | 0001 0004 00000000 \
         | 0000 0028 80020008 00000003 00000000 80020808 0000000000000004 \
         80020a08 0000000000000100",
    );
    let m = v15::Message::FlowRemoved(v15::FlowRemoved {
        table_id: 1,
        reason: 2,
        priority: 5,
        idle_timeout: 10,
        hard_timeout: 0,
        cookie: 0x77,
        match_: Match::new(),
        stats: Stats::counters(3, 0, 4, 256),
    });
    assert_eq!(
        check(&wire, 2, &m),
        "OF1.5 FLOW_REMOVED reason=2 table_id=1 priority=5 cookie=0x77 \
         stats=duration=3.000000000s,packet_count=4,byte_count=256"
    );
    let fr = Message::V15(m).flow_removed().expect("lifts");
    assert_eq!(
        (fr.duration_sec, fr.packet_count, fr.byte_count),
        (3, 4, 256)
    );
}

#[test]
fn group_mod_with_bucket_properties() {
    // ADD, type ALL, group 1, bucket array 32, command bucket ALL | bucket: len 32,
    // actions 16, id 0 | output:2 | WEIGHT 1
    let wire = hx(
        "06 0f 0038 00000003 | 0000 00 00 00000001 0020 0000 ffffffff \
         | 0020 0010 00000000 | 0000 0010 00000002 ffff 000000000000 | 0000 0008 0001 0000",
    );
    let m = v15::Message::GroupMod(v15::GroupMod {
        command: 0,
        group_type: 0,
        group_id: 1,
        command_bucket_id: 0xffff_ffff,
        buckets: vec![Bucket {
            bucket_id: 0,
            actions: vec![Action::output(2)],
            properties: vec![Prop::new(v15::group::bucket_prop::WEIGHT, hx("0001 0000"))],
        }],
        properties: vec![],
    });
    assert_eq!(
        check(&wire, 3, &m),
        "OF1.5 GROUP_MOD ADD group_id=1 type=all bucket=bucket_id:0,weight:1,actions=output:2"
    );
}

#[test]
fn controller_status_with_uri() {
    // len 40, short id 1, role MASTER, reason ROLE(2), channel UP | URI "tcp:10.0.0.1:6653"
    let wire = hx(
        "06 23 0030 00000000 | 0028 0001 00000002 02 00 000000000000 \
         | 0000 0015 7463703a31302e302e302e313a36363533 000000",
    );
    let m = v15::Message::ControllerStatus(v15::ControllerStatus {
        short_id: 1,
        role: 2,
        reason: 2,
        channel_status: 0,
        properties: vec![Prop::new(0, Bytes::from_static(b"tcp:10.0.0.1:6653"))],
    });
    assert_eq!(
        check(&wire, 0, &m),
        "OF1.5 CONTROLLER_STATUS short_id=1 role=master reason=2 channel=up uri=tcp:10.0.0.1:6653"
    );
}

#[test]
fn role_request_carries_short_id() {
    let wire = hx("06 18 0018 00000004 | 00000002 0007 0000 | 0000000000000009");
    let m = v15::Message::RoleRequest(v15::Role {
        role: 2,
        short_id: 7,
        generation_id: 9,
    });
    assert_eq!(
        check(&wire, 4, &m),
        "OF1.5 ROLE_REQUEST role=master short_id=7 generation_id=9"
    );
}

#[test]
fn aggregate_reply_is_oxs() {
    // packet_count 10, byte_count 1000, flow_count 2: stats len 36, padded to 40
    let wire = hx(
        "06 13 0038 00000005 | 0002 0000 00000000 | 0000 0024 80020808 000000000000000a \
         80020a08 00000000000003e8 80020604 00000002 | 00000000",
    );
    let stats = Stats {
        fields: vec![
            OxsField::basic(oxs::oxs_field::PACKET_COUNT, 10u64.to_be_bytes().to_vec()),
            OxsField::basic(oxs::oxs_field::BYTE_COUNT, 1000u64.to_be_bytes().to_vec()),
            OxsField::basic(oxs::oxs_field::FLOW_COUNT, 2u32.to_be_bytes().to_vec()),
        ],
    };
    let m = v15::Message::MultipartReply(v15::MultipartReply {
        flags: 0,
        body: v15::MultipartReplyBody::Aggregate(stats),
    });
    assert_eq!(
        check(&wire, 5, &m),
        "OF1.5 MULTIPART_REPLY AGGREGATE packet_count=10,byte_count=1000,flow_count=2"
    );
    let r = Message::V15(m).stats_reply().expect("lifts");
    assert_eq!(
        r.body,
        openflow::StatsReplyBody::Aggregate {
            packet_count: 10,
            byte_count: 1000,
            flow_count: 2
        }
    );
}

#[test]
fn meter_features_gain_a_features_word() {
    let wire = hx(
        "06 13 0028 00000006 | 000b 0000 00000000 | 00000100 00000006 0000000f 08 02 0000 \
         00000003 00000000",
    );
    let m = v15::Message::MultipartReply(v15::MultipartReply {
        flags: 0,
        body: v15::MultipartReplyBody::MeterFeatures(v15::MeterFeatures {
            base: v13::MeterFeatures {
                max_meter: 256,
                band_types: 6,
                capabilities: 0xf,
                max_bands: 8,
                max_color: 2,
            },
            features: Some(3),
        }),
    });
    assert_eq!(
        check(&wire, 6, &m),
        "OF1.5 MULTIPART_REPLY METER_FEATURES max_meter=256 max_bands=8 features=0x3"
    );
}

#[test]
fn meter_features_in_open_vswitch_s_16_byte_form() {
    // What Open vSwitch 3.1 sends for 1.5: 1.3's layout, no features word.
    let wire =
        hx("06 13 0020 00000006 | 000b 0000 00000000 | 00000100 00000006 0000000f 08 02 0000");
    let (_, m) = Message::decode(&wire).unwrap();
    let Message::V15(v15::Message::MultipartReply(r)) = &m else {
        panic!("{m}");
    };
    let v15::MultipartReplyBody::MeterFeatures(f) = &r.body else {
        panic!("{m}");
    };
    assert_eq!((f.base.max_meter, f.features), (256, None));
    assert_eq!(m.to_bytes(6).unwrap(), wire.to_vec());
    assert_eq!(
        m.to_string(),
        "OF1.5 MULTIPART_REPLY METER_FEATURES max_meter=256 max_bands=8"
    );
}

#[test]
fn port_desc_request_names_a_port() {
    let wire = hx("06 12 0018 00000007 | 000d 0000 00000000 | 00000005 00000000");
    let m = v15::Message::MultipartRequest(v15::MultipartRequest {
        flags: 0,
        body: v15::MultipartRequestBody::PortDesc { port_no: 5 },
    });
    assert_eq!(
        check(&wire, 7, &m),
        "OF1.5 MULTIPART_REQUEST PORT_DESC port=5"
    );
}

#[test]
fn bundle_features_request_with_time_property() {
    // flags TIMESTAMP|TIME_CONSTRAINTS | TIME property: pad4 and four ofp_time (72 bytes)
    let times = "00000000 0000000000000001 00000002 00000000 0000000000000003 00000004 00000000 \
                 0000000000000005 00000006 00000000 0000000000000007 00000008 00000000";
    let wire = hx(&format!(
        "06 12 0060 00000008 | 0013 0000 00000000 | 00000003 00000000 | 0001 0048 {times}"
    ));
    let m = v15::Message::MultipartRequest(v15::MultipartRequest {
        flags: 0,
        body: v15::MultipartRequestBody::BundleFeatures(v15::BundleFeaturesRequest {
            feature_request_flags: 3,
            properties: vec![Prop::new(1, hx(times))],
        }),
    });
    assert_eq!(
        check(&wire, 8, &m),
        "OF1.5 MULTIPART_REQUEST BUNDLE_FEATURES feature_request_flags=0x3 props=[prop1(68B)]"
    );
}

#[test]
fn a_1_4_body_that_1_5_changed_is_refused_on_encode() {
    let po = v13::PacketOut {
        buffer_id: 0xffff_ffff,
        in_port: 1,
        actions: vec![],
        data: Bytes::new(),
    };
    let refused = [
        v15::Message::Common(v14::Message::Common(v13::Message::PacketOut(po))),
        v15::Message::Common(v14::Message::Common(v13::Message::RoleRequest(v13::Role {
            role: 1,
            generation_id: 0,
        }))),
        v15::Message::MultipartReply(v15::MultipartReply {
            flags: 0,
            body: v15::MultipartReplyBody::Common(v14::MultipartReplyBody::Flow(vec![])),
        }),
    ];
    for m in refused {
        let mut out = vec![];
        assert!(m.encode(1, &mut out).is_err(), "{m}");
        assert!(out.is_empty());
    }
}

#[test]
fn neutral_packet_out_lowers_in_port_into_the_match() {
    let po = openflow::PacketOut {
        buffer_id: None,
        in_port: 7,
        actions: vec![Action::output(2)],
        data: hx("0102"),
    };
    let m = po.to_message(Version::V1_5).unwrap();
    let Message::V15(v15::Message::PacketOut(p)) = &m else {
        panic!("{m}");
    };
    assert_eq!(p.match_, Match::new().in_port(7));
    let mut direct = vec![];
    po.encode_as(Version::V1_5, 1, &mut direct).unwrap();
    assert_eq!(direct, m.to_bytes(1).unwrap());
    assert_eq!(m.packet_out(), Some(po));
}

#[test]
fn truncated_1_5_bodies_are_refused() {
    for wire in [
        // FLOW_REMOVED without its statistics.
        hx("06 0b 0020 00000002 | 01 02 0005 000a 0000 0000000000000077 | 0001 0004 00000000"),
        // An OXS field claiming 8 bytes where 4 remain.
        hx("06 13 0020 00000005 | 0002 0000 00000000 | 0000 000c 80020808 00000001"),
        // A bucket whose actions run past it.
        hx("06 0f 0028 00000003 | 0000 00 00 00000001 0010 0000 ffffffff | 0010 0020 00000000 00000000"),
    ] {
        let e = Message::decode(&wire).unwrap_err();
        assert_eq!(e.ofp_error(Version::V1_5), (1, 6), "{e}");
    }
}
