//! Hand-checked OpenFlow 1.4 wire vectors: each decodes to the expected value, the value
//! encodes to the same bytes, and the one-line display reads as expected. Layouts follow
//! openflow.h of OpenFlow 1.4.1.

use bytes::Bytes;
use openflow::v13;
use openflow::v14::{self, bundle, BundleAdd, BundleCtrl, Framed, Prop};
use openflow::{DecodeError, Match, Message, Version};

fn hx(s: &str) -> Bytes {
    let clean: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    Bytes::from(hex::decode(clean).expect("test vector is valid hex"))
}

/// Decodes `wire`, checks xid and value, re-encodes byte for byte, returns the display.
fn check(wire: &Bytes, xid: u32, expected: &v14::Message) -> String {
    let (x, m) = Message::decode(wire).unwrap_or_else(|e| panic!("decode failed: {e}"));
    assert_eq!(x, xid);
    assert_eq!(m, Message::V14(expected.clone()));
    let mut out = vec![];
    expected.encode(xid, &mut out).unwrap();
    assert_eq!(hex::encode(&out), hex::encode(wire), "encode differs");
    m.to_string()
}

#[test]
fn bundle_control_open() {
    // bundle_id=7 type=OPEN_REQUEST flags=ATOMIC, no properties
    let wire = hx("05 21 0010 00000001 | 00000007 0000 0001");
    let m = v14::Message::BundleControl(BundleCtrl {
        bundle_id: 7,
        ctrl_type: bundle::bundle_ctrl::OPEN_REQUEST,
        flags: bundle::bundle_flags::ATOMIC,
        properties: vec![],
    });
    assert_eq!(
        check(&wire, 1, &m),
        "OF1.4 BUNDLE_CONTROL bundle_id=7 type=OPEN_REQUEST flags=atomic"
    );
}

#[test]
fn bundle_add_carries_a_whole_message() {
    // bundle 7, flags ATOMIC|ORDERED, inner BARRIER_REQUEST xid 9, no properties.
    let wire = hx("05 22 0018 00000002 | 00000007 0000 0003 | 05 14 0008 00000009");
    let m = v14::Message::BundleAddMessage(BundleAdd {
        bundle_id: 7,
        flags: 3,
        message: Framed::new(
            9,
            Message::V14(v14::Message::Common(v13::Message::BarrierRequest)),
        ),
        properties: vec![],
    });
    assert_eq!(
        check(&wire, 2, &m),
        "OF1.4 BUNDLE_ADD_MESSAGE bundle_id=7 flags=atomic,ordered xid=0x9 {OF1.4 BARRIER_REQUEST}"
    );
}

#[test]
fn bundle_add_pads_the_message_before_properties() {
    // Inner ECHO_REQUEST of 12 bytes, 4 bytes of padding, an experimenter property of
    // 12 bytes padded to 16.
    let wire = hx(
        "05 22 0030 00000003 | 00000007 0000 0001 | 05 02 000c 0000000a deadbeef | 00000000 \
         | ffff 000c 00002320 00000001 | 00000000",
    );
    let inner = v14::Message::Common(v13::Message::EchoRequest(hx("deadbeef")));
    let m = v14::Message::BundleAddMessage(BundleAdd {
        bundle_id: 7,
        flags: 1,
        message: Framed::new(10, Message::V14(inner)),
        properties: vec![Prop::new(0xffff, hx("00002320 00000001"))],
    });
    let shown = check(&wire, 3, &m);
    assert!(
        shown.ends_with("props=[exp(0x00002320,type=1,8B)]"),
        "{shown}"
    );
}

#[test]
fn bundle_add_with_an_overlong_inner_message_is_refused() {
    // The inner header claims 16 bytes; 8 follow.
    let wire = hx("05 22 0018 00000002 | 00000007 0000 0001 | 05 14 0010 00000009");
    assert!(Message::decode(&wire).is_err());
}

#[test]
fn role_status() {
    // role=MASTER reason=CONFIG(1) generation_id=5
    let wire = hx("05 1e 0018 00000000 | 00000002 01 000000 | 0000000000000005");
    let m = v14::Message::RoleStatus(v14::RoleStatus {
        role: 2,
        reason: 1,
        generation_id: 5,
        properties: vec![],
    });
    assert_eq!(
        check(&wire, 0, &m),
        "OF1.4 ROLE_STATUS role=master reason=1 generation_id=5"
    );
}

#[test]
fn table_status_with_vacancy_property() {
    // reason=VACANCY_UP(4) | table_desc len=16 table 3 config=0x8 | VACANCY down 10 up 80
    let wire =
        hx("05 1f 0020 00000000 | 04 00000000000000 | 0010 03 00 00000008 | 0003 0008 0a502000");
    let m = v14::Message::TableStatus(v14::TableStatus {
        reason: 4,
        table: v14::TableDesc {
            table_id: 3,
            config: 8,
            properties: vec![Prop::new(3, hx("0a502000"))],
        },
    });
    assert_eq!(
        check(&wire, 0, &m),
        "OF1.4 TABLE_STATUS reason=4 table_id=3 config=0x8 props=[prop3(4B)]"
    );
}

#[test]
fn requestforward() {
    let wire = hx("05 20 0010 00000004 | 05 1a 0008 00000077");
    let inner = Message::V14(v14::Message::Common(v13::Message::GetAsyncRequest));
    let m = v14::Message::RequestForward(Framed::new(0x77, inner));
    assert_eq!(
        check(&wire, 4, &m),
        "OF1.4 REQUESTFORWARD xid=0x77 {OF1.4 GET_ASYNC_REQUEST}"
    );
}

#[test]
fn port_status_with_ethernet_property_lifts() {
    // reason=MODIFY | ofp_port: port 1, length 72, addr, "veth1", config 0, state LIVE(4),
    // ETHERNET: curr/advertised/supported/peer, curr_speed, max_speed
    let wire = hx(
        "05 0c 0058 00000000 | 02 00000000000000 | 00000001 0048 0000 020000000001 0000 \
         | 7665746831 0000000000000000000000 | 00000000 00000004 \
         | 0000 0020 00000000 00000840 00000000 00000840 00000000 000f4240 000f4240",
    );
    let (_, m) = Message::decode(&wire).unwrap();
    let mut out = vec![];
    m.encode(0, &mut out).unwrap();
    assert_eq!(hex::encode(out), hex::encode(&wire));
    assert_eq!(
        m.to_string(),
        "OF1.4 PORT_STATUS MODIFY port=1 name=veth1 addr=02:00:00:00:00:01 config=0x0 state=0x4 props=[prop0(28B)]"
    );
    let ps = m.port_status().expect("lifts");
    assert_eq!((ps.reason, ps.port.name.as_str()), (2, "veth1"));
    assert_eq!((ps.port.curr, ps.port.supported), (0x840, 0x840));
    assert_eq!(
        (ps.port.curr_speed, ps.port.max_speed),
        (1_000_000, 1_000_000)
    );
}

#[test]
fn flow_mod_importance_sits_after_flags() {
    let base = v13::FlowMod {
        cookie: 0,
        cookie_mask: 0,
        table_id: 0,
        command: 0,
        idle_timeout: 0,
        hard_timeout: 0,
        priority: 1,
        buffer_id: 0xffff_ffff,
        out_port: 0xffff_ffff,
        out_group: 0xffff_ffff,
        flags: 0,
        match_: Match::new(),
        instructions: vec![],
    };
    let m = v14::Message::FlowMod(Box::new(v14::FlowMod {
        base,
        importance: 0x0102,
    }));
    let mut out = vec![];
    m.encode(5, &mut out).unwrap();
    // header 8 + cookie 16 + table/command 2 + timeouts 4 + priority 2 + buffer/out 12
    // + flags 2 = 46: importance follows.
    assert_eq!(&out[46..48], &[0x01, 0x02]);
    let (_, back) = Message::decode(&Bytes::from(out)).unwrap();
    assert_eq!(back, Message::V14(m));
    assert!(back.to_string().ends_with(" importance=258"), "{back}");
}

#[test]
fn flow_monitor_request() {
    // id 1, out_port ANY, out_group ANY, flags INITIAL|ADD, table ALL, command ADD, no match
    let wire = hx(
        "05 12 0028 00000005 | 0010 0000 00000000 | 00000001 ffffffff ffffffff 0003 ff 00 \
         | 0001 0004 00000000",
    );
    let m = v14::Message::MultipartRequest(v14::MultipartRequest {
        flags: 0,
        body: v14::MultipartRequestBody::FlowMonitor(v14::FlowMonitorRequest {
            monitor_id: 1,
            out_port: 0xffff_ffff,
            out_group: 0xffff_ffff,
            flags: 3,
            table_id: 0xff,
            command: 0,
            match_: Match::new(),
        }),
    });
    assert_eq!(
        check(&wire, 5, &m),
        "OF1.4 MULTIPART_REQUEST FLOW_MONITOR id=1 command=0 flags=0x3 table_id=255 out_port=ANY"
    );
}

#[test]
fn queue_desc_reply() {
    // port 1 queue 2, len 24 | MIN_RATE 500 (tenths of a percent)
    let wire = hx(
        "05 13 0028 00000006 | 000f 0000 00000000 | 00000001 00000002 0018 000000000000 \
         | 0001 0008 01f4 0000",
    );
    let m = v14::Message::MultipartReply(v14::MultipartReply {
        flags: 0,
        body: v14::MultipartReplyBody::QueueDesc(vec![v14::QueueDesc {
            port_no: 1,
            queue_id: 2,
            properties: vec![Prop::new(1, hx("01f40000"))],
        }]),
    });
    assert_eq!(
        check(&wire, 6, &m),
        "OF1.4 MULTIPART_REPLY QUEUE_DESC queues=1"
    );
}

#[test]
fn set_async_properties() {
    // PACKET_IN_MASTER = NO_MATCH|ACTION|INVALID_TTL
    let wire = hx("05 1c 0010 00000007 | 0001 0008 00000007");
    let c = v14::AsyncConfig {
        properties: vec![Prop::u32(v14::switch::async_prop::PACKET_IN_MASTER, 7)],
    };
    assert_eq!(c.mask(v14::switch::async_prop::PACKET_IN_MASTER), Some(7));
    let m = v14::Message::SetAsync(c);
    assert_eq!(check(&wire, 7, &m), "OF1.4 SET_ASYNC props=[prop1(4B)]");
}

#[test]
fn types_1_4_removed_or_does_not_know_stay_raw() {
    // 22 was 1.3's QUEUE_GET_CONFIG_REQUEST; 0x40 is not assigned.
    for t in [0x16u8, 0x40] {
        let wire = hx(&format!("05 {t:02x} 000c 00000001 | 00000001"));
        let (_, m) = Message::decode(&wire).unwrap();
        let Message::V14(v14::Message::Common(v13::Message::Unknown { msg_type, body })) = &m
        else {
            panic!("{m}");
        };
        assert_eq!((*msg_type, body.len()), (t, 4));
        assert_eq!(m.to_bytes(1).unwrap(), wire.to_vec());
    }
}

#[test]
fn a_1_3_body_that_1_4_changed_is_refused_on_encode() {
    let refused = [
        v14::Message::Common(v13::Message::QueueGetConfigRequest { port: 1 }),
        v14::Message::Common(v13::Message::PortMod(v13::PortMod {
            port_no: 1,
            hw_addr: openflow::MacAddr([0; 6]),
            config: 0,
            mask: 0,
            advertise: 0,
        })),
        v14::Message::MultipartReply(v14::MultipartReply {
            flags: 0,
            body: v14::MultipartReplyBody::Common(v13::MultipartReplyBody::PortDesc(vec![])),
        }),
    ];
    for m in refused {
        let mut out = vec![1, 2, 3];
        assert!(m.encode(1, &mut out).is_err(), "{m}");
        assert_eq!(
            out,
            vec![1, 2, 3],
            "a refused encode leaves the buffer as it was"
        );
    }
}

#[test]
fn short_bodies_are_bad_len_errors() {
    for wire in [
        // ROLE_STATUS needs 16 bytes.
        hx("05 1e 0017 00000000 | 00000002 01 000000 | 00000000000000"),
        // A property claiming more than the list holds.
        hx("05 1c 0010 00000007 | 0001 0010 00000007"),
        // A port whose length is under its fixed part.
        hx("05 0c 0018 00000000 | 02 00000000000000 | 00000001 0008 0000"),
    ] {
        let e: DecodeError = Message::decode(&wire).unwrap_err();
        assert_eq!(e.ofp_error(Version::V1_4), (1, 6), "{e}");
    }
}
