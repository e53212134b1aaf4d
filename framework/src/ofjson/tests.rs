//! Round trips (value → JSON → value is the identity) over every field, action and
//! instruction kind, and error messages that name the field.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use openflow::{
    port, Action, FlowMod, FlowModCommand, FlowStats, Instruction, MacAddr, Match, OxmField,
};
use proptest::prelude::*;
use serde_json::json;

use super::*;

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}
fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}
fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}
fn bytes() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..12).prop_map(Bytes::from)
}
fn port_no() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..100,
        any::<u32>(),
        Just(port::CONTROLLER),
        Just(port::FLOOD),
        Just(port::LOCAL)
    ]
}

/// Every basic field kind, masked and exact.
fn basic_field() -> impl Strategy<Value = OxmField> {
    use OxmField::*;
    let a = prop_oneof![
        port_no().prop_map(InPort),
        port_no().prop_map(InPhyPort),
        (any::<u64>(), any::<Option<u64>>()).prop_map(|(v, m)| Metadata(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| EthDst(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| EthSrc(v, m)),
        any::<u16>().prop_map(EthType),
        (any::<u16>(), any::<Option<u16>>()).prop_map(|(v, m)| VlanVid(v, m)),
        (0x1000u16..0x2000).prop_map(|v| VlanVid(v, None)),
        any::<u8>().prop_map(VlanPcp),
        any::<u8>().prop_map(IpDscp),
        any::<u8>().prop_map(IpEcn),
        any::<u8>().prop_map(IpProto),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| Ipv4Src(v, m)),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| Ipv4Dst(v, m)),
    ];
    let b = prop_oneof![
        any::<u16>().prop_map(TcpSrc),
        any::<u16>().prop_map(TcpDst),
        any::<u16>().prop_map(UdpSrc),
        any::<u16>().prop_map(UdpDst),
        any::<u16>().prop_map(SctpSrc),
        any::<u16>().prop_map(SctpDst),
        any::<u8>().prop_map(Icmpv4Type),
        any::<u8>().prop_map(Icmpv4Code),
        any::<u16>().prop_map(ArpOp),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| ArpSpa(v, m)),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| ArpTpa(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| ArpSha(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| ArpTha(v, m)),
    ];
    let c = prop_oneof![
        (v6(), proptest::option::of(v6())).prop_map(|(v, m)| Ipv6Src(v, m)),
        (v6(), proptest::option::of(v6())).prop_map(|(v, m)| Ipv6Dst(v, m)),
        (any::<u32>(), any::<Option<u32>>()).prop_map(|(v, m)| Ipv6Flabel(v, m)),
        any::<u8>().prop_map(Icmpv6Type),
        any::<u8>().prop_map(Icmpv6Code),
        v6().prop_map(Ipv6NdTarget),
        mac().prop_map(Ipv6NdSll),
        mac().prop_map(Ipv6NdTll),
        any::<u32>().prop_map(MplsLabel),
        any::<u8>().prop_map(MplsTc),
        any::<u8>().prop_map(MplsBos),
        (any::<u32>(), any::<Option<u32>>()).prop_map(|(v, m)| PbbIsid(v, m)),
        (any::<u64>(), any::<Option<u64>>()).prop_map(|(v, m)| TunnelId(v, m)),
        (any::<u16>(), any::<Option<u16>>()).prop_map(|(v, m)| Ipv6Exthdr(v, m)),
    ];
    prop_oneof![a, b, c]
}

fn other_field() -> impl Strategy<Value = OxmField> {
    (
        prop_oneof![Just(0x0001u16), Just(0xffff), Just(0x8000)],
        40u8..128,
        any::<bool>(),
        bytes(),
    )
        .prop_map(|(class, field, has_mask, payload)| OxmField::Other {
            class,
            field,
            has_mask,
            payload,
        })
}

/// A match in canonical order (basic fields by code, then other classes), no duplicates.
fn a_match() -> impl Strategy<Value = Match> {
    (
        proptest::collection::vec(basic_field(), 0..8),
        proptest::collection::vec(other_field(), 0..3),
    )
        .prop_map(|(mut basic, others)| {
            basic.sort_by_key(|f| f.id().1);
            let mut fields: Vec<OxmField> = Vec::new();
            for f in basic.into_iter().chain(others) {
                if !fields.iter().any(|g| g.id() == f.id()) {
                    fields.push(f);
                }
            }
            Match::from_fields(fields)
        })
}

fn action() -> impl Strategy<Value = Action> {
    use Action::*;
    prop_oneof![
        (port_no(), any::<u16>()).prop_map(|(port, max_len)| Output { port, max_len }),
        port_no().prop_map(Action::output),
        Just(CopyTtlOut),
        Just(CopyTtlIn),
        any::<u8>().prop_map(SetMplsTtl),
        Just(DecMplsTtl),
        any::<u16>().prop_map(PushVlan),
        Just(PopVlan),
        any::<u16>().prop_map(PushMpls),
        any::<u16>().prop_map(PopMpls),
        any::<u32>().prop_map(SetQueue),
        any::<u32>().prop_map(Group),
        any::<u8>().prop_map(SetNwTtl),
        Just(DecNwTtl),
        prop_oneof![basic_field(), other_field()].prop_map(SetField),
        any::<u16>().prop_map(PushPbb),
        Just(PopPbb),
        (any::<u32>(), bytes())
            .prop_map(|(experimenter, data)| Experimenter { experimenter, data }),
        (any::<u16>(), bytes()).prop_map(|(action_type, data)| Unknown { action_type, data }),
    ]
}

fn actions() -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(action(), 0..4)
}

fn instruction() -> impl Strategy<Value = Instruction> {
    use Instruction::*;
    prop_oneof![
        any::<u8>().prop_map(GotoTable),
        (any::<u64>(), any::<u64>()).prop_map(|(metadata, mask)| WriteMetadata { metadata, mask }),
        actions().prop_map(WriteActions),
        actions().prop_map(ApplyActions),
        Just(ClearActions),
        any::<u32>().prop_map(Meter),
        (any::<u32>(), bytes())
            .prop_map(|(experimenter, data)| Experimenter { experimenter, data }),
        (any::<u16>(), bytes()).prop_map(|(instruction_type, data)| Unknown {
            instruction_type,
            data
        }),
    ]
}

fn command() -> impl Strategy<Value = FlowModCommand> {
    (0u16..5).prop_map(|c| FlowModCommand::from_wire(c).unwrap_or(FlowModCommand::Add))
}

fn flow_mod() -> impl Strategy<Value = FlowMod> {
    (
        (
            any::<u64>(),
            any::<u64>(),
            any::<u8>(),
            command(),
            any::<u16>(),
            any::<u16>(),
        ),
        (
            any::<u16>(),
            any::<Option<u32>>(),
            port_no(),
            any::<u32>(),
            any::<u16>(),
        ),
        a_match(),
        proptest::collection::vec(instruction(), 0..4),
    )
        .prop_map(
            |(
                (cookie, cookie_mask, table_id, command, idle_timeout, hard_timeout),
                (priority, buffer_id, out_port, out_group, flags),
                match_,
                instructions,
            )| FlowMod {
                cookie,
                cookie_mask,
                table_id,
                command,
                idle_timeout,
                hard_timeout,
                priority,
                buffer_id,
                out_port,
                out_group,
                flags,
                match_,
                instructions,
            },
        )
}

fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        (
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
        ),
        (any::<u16>(), any::<u64>(), any::<u64>(), any::<u64>()),
        a_match(),
        proptest::collection::vec(instruction(), 0..4),
    )
        .prop_map(
            |(
                (table_id, duration_sec, duration_nsec, priority, idle_timeout, hard_timeout),
                (flags, cookie, packet_count, byte_count),
                match_,
                instructions,
            )| FlowStats {
                table_id,
                duration_sec,
                duration_nsec,
                priority,
                idle_timeout,
                hard_timeout,
                flags,
                cookie,
                packet_count,
                byte_count,
                match_,
                instructions,
            },
        )
}

/// value → JSON text → value, through serde as a file or a request body would go.
fn through_text<T: OfJsonValue + std::fmt::Debug + PartialEq>(x: &T) -> T {
    let text = serde_json::to_string(&x.to_json()).expect("a Value always serializes");
    let v: serde_json::Value = serde_json::from_str(&text).expect("we wrote valid JSON");
    match T::from_json(&v) {
        Ok(back) => back,
        Err(e) => panic!("{x:?} → {text} does not parse back: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn field_round_trip(f in prop_oneof![basic_field(), other_field()]) {
        prop_assert_eq!(through_text(&f), f.clone());
        let m = Match::from_fields([f]);
        prop_assert_eq!(through_text(&m), m);
    }

    #[test]
    fn match_round_trip(m in a_match()) {
        prop_assert_eq!(through_text(&m), m);
    }

    #[test]
    fn action_round_trip(a in action()) {
        prop_assert_eq!(through_text(&a), a);
    }

    #[test]
    fn instruction_round_trip(i in instruction()) {
        prop_assert_eq!(through_text(&i), i);
    }

    #[test]
    fn flow_mod_round_trip(fm in flow_mod()) {
        prop_assert_eq!(through_text(&fm), fm);
    }

    #[test]
    fn flow_stats_round_trip(fs in flow_stats()) {
        prop_assert_eq!(through_text(&fs), fs);
    }

    #[test]
    fn garbage_never_panics(s in "[\\[\\]{}\":,0-9a-z_./ -]{0,60}") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) {
            let _ = FlowMod::from_json(&v);
            let _ = Match::from_json(&v);
            let _ = FlowStats::from_json(&v);
        }
    }
}

#[test]
fn spec_example_body() {
    let body = json!({"table_id": 0, "priority": 321, "cookie": 7, "idle_timeout": 0,
        "hard_timeout": 0, "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"},
        "actions": [{"type": "OUTPUT", "port": 2}]});
    let fm = FlowMod::from_json(&body).unwrap();
    let want = FlowMod::add(
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst(Ipv4Addr::new(10, 9, 9, 9)),
    )
    .priority(321)
    .cookie(7)
    .actions(vec![Action::output(2)]);
    assert_eq!(fm, want);
}

#[test]
fn readable_forms() {
    let m = Match::new()
        .in_port(port::LOCAL)
        .eth_type(0x0800)
        .vlan_vid(0x1000 | 10)
        .ipv4_src_masked(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0))
        .ipv4_dst(Ipv4Addr::new(10, 0, 0, 1))
        .metadata_masked(0x12, 0xff);
    assert_eq!(
        match_to_json(&m),
        json!({"in_port": "LOCAL", "eth_type": 2048, "vlan_vid": 10,
               "ipv4_src": "10.0.0.0/255.0.0.0", "ipv4_dst": "10.0.0.1",
               "metadata": "0x12/0xff"})
    );
    // Key order is kept in text.
    let text = serde_json::to_string(&match_to_json(&m)).unwrap();
    assert!(
        text.starts_with("{\"in_port\":\"LOCAL\",\"eth_type\":2048"),
        "{text}"
    );
    assert_eq!(
        action_to_json(&Action::output(port::CONTROLLER)),
        json!({"type": "OUTPUT", "port": "CONTROLLER"})
    );
    assert_eq!(
        action_to_json(&Action::SetField(OxmField::EthDst(
            MacAddr([0, 0, 0, 0, 0, 2]),
            None
        ))),
        json!({"type": "SET_FIELD", "field": "eth_dst", "value": "00:00:00:00:00:02"})
    );
    assert_eq!(
        match_to_json(&Match::new().vlan_vid(0)),
        json!({"vlan_vid": "0x0000"})
    );
}

#[test]
fn ryu_style_inputs() {
    // Aliases, CIDR masks, tp_* resolved by ip_proto, prerequisites out of order.
    let m = match_from_json(&json!({"tp_dst": 80, "nw_dst": "10.0.0.0/8", "nw_proto": 6,
        "dl_type": "0x0800", "dl_vlan": 5}))
    .unwrap();
    assert_eq!(
        m,
        Match::new()
            .eth_type(0x0800)
            .vlan_vid(0x1005)
            .ip_proto(6)
            .ipv4_dst_masked(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0))
            .tcp_dst(80)
    );
    assert!(m.validate().is_ok());
    // A valid order that is not canonical is kept.
    let m =
        match_from_json(&json!({"eth_type": 2048, "ipv4_dst": "10.0.0.1", "in_port": 3})).unwrap();
    assert_eq!(m.fields().last(), Some(&OxmField::InPort(3)));
    // Mixed actions list: plain actions become one APPLY_ACTIONS where they start.
    let fm = FlowMod::from_json(&json!({"actions": [
        {"type": "METER", "meter_id": 3},
        {"type": "output", "port": "flood"},
        {"type": "GOTO_TABLE", "table_id": 2},
        {"type": "POP_VLAN"}]}))
    .unwrap();
    assert_eq!(
        fm.instructions,
        vec![
            Instruction::Meter(3),
            Instruction::ApplyActions(vec![Action::output(port::FLOOD), Action::PopVlan]),
            Instruction::GotoTable(2),
        ]
    );
    let fm = flow_mod_from_json(&json!({"match": {"in_port": 1}}), FlowModCommand::Delete).unwrap();
    assert_eq!(fm, FlowMod::delete(Match::new().in_port(1)));
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (
            json!({"match": {"ipv4_dst": "10.0.0.300"}}),
            "match.ipv4_dst: ",
        ),
        (
            json!({"match": {"eth_tpye": 2048}}),
            "match.eth_tpye: unknown match field",
        ),
        (
            json!({"priority": 70000}),
            "priority: 70000 is out of range",
        ),
        (
            json!({"priority": "high"}),
            "priority: \"high\" is not an integer",
        ),
        (
            json!({"actions": [{"type": "OUTPUT"}]}),
            "actions[0].port: missing",
        ),
        (
            json!({"actions": [{"type": "OUTPUT", "port": "SIDEWAYS"}]}),
            "actions[0].port: ",
        ),
        (
            json!({"actions": [{"type": "TELEPORT"}]}),
            "actions[0].type: unknown action type",
        ),
        (
            json!({"instructions": [{"type": "WRITE_ACTIONS", "actions": [{"port": 1}]}]}),
            "instructions[0].actions[0].type: missing",
        ),
        (
            json!({"actions": [], "instructions": []}),
            "actions: give either",
        ),
        (json!({"prio": 1}), "prio: unknown field"),
        (json!({"command": "zap"}), "command: unknown command"),
        (json!({"match": {"vlan_vid": 5000}}), "match.vlan_vid: "),
        (
            json!({"match": {"tp_dst": 80}}),
            "match.tp_dst: needs ip_proto",
        ),
        (
            json!({"match": {"in_port": 1, "dl_type": 1, "eth_type": 2}}),
            "given twice (also as dl_type)",
        ),
        (json!([1, 2]), "expected an object, got an array"),
    ];
    for (body, want) in cases {
        let err = FlowMod::from_json(&body)
            .expect_err(&body.to_string())
            .to_string();
        assert!(err.contains(want), "{body}: got `{err}`, want `{want}`");
        assert!(!err.contains('\n'), "one line: {err}");
    }
}

#[test]
fn serde_wrapper_and_with() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Doc {
        #[serde(with = "crate::ofjson::with")]
        flows: Vec<FlowStats>,
        one: OfJson<Match>,
    }
    let fs = FlowStats {
        table_id: 1,
        duration_sec: 2,
        duration_nsec: 3,
        priority: 4,
        idle_timeout: 5,
        hard_timeout: 6,
        flags: 1,
        cookie: 7,
        packet_count: 8,
        byte_count: 9,
        match_: Match::new().in_port(1),
        instructions: vec![Instruction::GotoTable(2)],
    };
    let doc = Doc {
        flows: vec![fs.clone()],
        one: OfJson(Match::new().eth_type(0x0806)),
    };
    let text = serde_json::to_string(&doc).unwrap();
    let back: Doc = serde_json::from_str(&text).unwrap();
    assert_eq!(back.flows, vec![fs]);
    assert_eq!(back.one.0, Match::new().eth_type(0x0806));
    let bad = text.replace("\"in_port\":1", "\"in_port\":\"x\"");
    let err = serde_json::from_str::<Doc>(&bad)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("[0].match.in_port"), "{err}");
}
