//! Unit tests: the document (round trip, corrupt and foreign files), normalisation and diff,
//! maps and request options.

use openflow::{Action, Instruction, MacAddr, Match, OxmField, Version};
use serde_json::{json, Value};
use viola_framework::Dpid;

use crate::request::{self, RequestError};
use crate::*;

fn flow(table: u8, priority: u16, m: Match, i: Vec<Instruction>) -> SavedFlow {
    SavedFlow {
        table_id: table,
        priority,
        cookie: 0,
        idle_timeout: 0,
        hard_timeout: 0,
        flags: 0,
        match_: m,
        instructions: i,
    }
}

/// A varied set: masks, several actions, cookies, timeouts, flags, two tables.
fn varied() -> Vec<SavedFlow> {
    let mac = MacAddr([0x00, 0x00, 0x00, 0x00, 0x00, 0x01]);
    let mask = MacAddr([0xff, 0xff, 0xff, 0x00, 0x00, 0x00]);
    vec![
        SavedFlow {
            cookie: 0x1234_5678_9abc_def0,
            idle_timeout: 300,
            hard_timeout: 3600,
            flags: 0x1,
            ..flow(
                0,
                1000,
                Match::new()
                    .in_port(1)
                    .eth_dst_masked(mac, mask)
                    .eth_type(0x0800)
                    .ipv4_src_masked("10.0.0.0".parse().unwrap(), "255.0.0.0".parse().unwrap())
                    .ip_proto(6)
                    .tcp_dst(80),
                vec![
                    Instruction::ApplyActions(vec![
                        Action::SetField(OxmField::Ipv4Dst("10.9.9.9".parse().unwrap(), None)),
                        Action::output(2),
                        Action::output(3),
                    ]),
                    Instruction::GotoTable(1),
                ],
            )
        },
        flow(
            1,
            0,
            Match::new(),
            vec![Instruction::ApplyActions(vec![Action::output(0xffff_fffd)])],
        ),
        flow(0, 5, Match::new().eth_type(0x0806), vec![]),
        SavedFlow {
            cookie: u64::MAX,
            ..flow(
                1,
                65535,
                Match::new().vlan_vid(0x1000 | 10),
                vec![
                    Instruction::WriteMetadata {
                        metadata: 0xaa,
                        mask: 0xff,
                    },
                    Instruction::ApplyActions(vec![Action::PopVlan, Action::output(4)]),
                ],
            )
        },
    ]
}

fn doc() -> FlowStateDoc {
    FlowStateDoc {
        taken_at: "2026-11-22T06:43:10.000Z".into(),
        switches: vec![
            SwitchFlows {
                dpid: Dpid(1),
                version: Version::V1_3,
                taken_at: "2026-11-22T06:43:10.001Z".into(),
                flows: varied(),
            },
            SwitchFlows {
                dpid: Dpid(0xabcd_0000_0000_0002),
                version: Version::V1_0,
                taken_at: "2026-11-22T06:43:10.002Z".into(),
                flows: vec![flow(
                    0,
                    7,
                    Match::new().in_port(3),
                    vec![Instruction::ApplyActions(vec![Action::output(1)])],
                )],
            },
        ],
    }
}

fn text() -> String {
    doc().to_string_pretty()
}

fn reason(t: &str) -> String {
    let e = FlowStateDoc::parse(t).expect_err("must be refused");
    let s = e.to_string();
    assert!(!s.contains('\n'), "one line: {s}");
    s
}

#[test]
fn document_round_trips_through_text() {
    let d = doc();
    let t = d.to_string_pretty();
    let back = FlowStateDoc::parse(&t).unwrap();
    assert_eq!(back, d);
    assert_eq!(back.flow_count(), 5);
    // The text is readable: dpids as hex, version strings, ofjson names.
    assert!(t.contains("\"format\": \"viola.flow-state/1\""));
    assert!(t.contains("\"dpid\": \"abcd000000000002\""));
    assert!(t.contains("\"version\": \"1.0\""));
    assert!(t.contains("GOTO_TABLE"), "{t}");
    // serde impls agree.
    let via_serde: FlowStateDoc =
        serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(via_serde, d);
}

#[test]
fn foreign_and_missing_format_are_refused() {
    let v: Value = serde_json::from_str(&text()).unwrap();
    let mut foreign = v.clone();
    foreign["format"] = json!("viola.flow-state/2");
    let r = reason(&foreign.to_string());
    assert!(r.contains("unknown format \"viola.flow-state/2\""), "{r}");
    let mut none = v.clone();
    none.as_object_mut().unwrap().remove("format");
    assert!(reason(&none.to_string()).contains("no \"format\""));
    // A foreign file is refused on its format even when the rest is garbage.
    let r = reason(r#"{"format": "ryu.flows", "switches": 42}"#);
    assert!(r.contains("unknown format"), "{r}");
    assert!(reason("[1, 2, 3]").contains("expected a JSON object"));
    assert!(matches!(
        FlowStateDoc::parse("{\"format\": 1}"),
        Err(DocError::Format(_))
    ));
}

#[test]
fn corrupt_files_name_switch_flow_and_field() {
    let t = text();
    // Truncated.
    let r = reason(&t[..t.len() / 2]);
    assert!(r.starts_with("not a JSON document"), "{r}");
    assert!(reason("").starts_with("not a JSON document"));

    let v: Value = serde_json::from_str(&t).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut x = v.clone();
        f(&mut x);
        reason(&x.to_string())
    };
    let r = with(&|x| x["switches"][0]["flows"][2]["match"]["eth_type"] = json!("ipv4?"));
    assert!(
        r.starts_with("switches[0] (dpid 0000000000000001) flows[2].match.eth_type:"),
        "{r}"
    );
    let r = with(&|x| {
        x["switches"][1]["flows"][0]["instructions"][0]["actions"][0]["port"] = json!(-1)
    });
    assert!(
        r.starts_with(
            "switches[1] (dpid abcd000000000002) flows[0].instructions[0].actions[0].port"
        ),
        "{r}"
    );
    let r = with(&|x| {
        x["switches"][0]["flows"][1]
            .as_object_mut()
            .unwrap()
            .remove("priority");
    });
    assert_eq!(
        r,
        "switches[0] (dpid 0000000000000001) flows[1].priority: missing"
    );
    let r = with(&|x| x["switches"][0]["flows"][0]["colour"] = json!("red"));
    assert!(r.contains("flows[0].colour: unknown key"), "{r}");
    let r = with(&|x| x["switches"][1]["dpid"] = json!("not-a-dpid"));
    assert!(r.starts_with("switches[1].dpid:"), "{r}");
    let r = with(&|x| x["switches"][1]["dpid"] = json!("0000000000000001"));
    assert!(r.contains("already switches[0]"), "{r}");
    let r = with(&|x| x["switches"][0]["version"] = json!("1.5"));
    assert!(r.contains("(dpid 0000000000000001) version"), "{r}");
    let r = with(&|x| x["taken_at"] = json!("last tuesday"));
    assert!(r.starts_with("taken_at:"), "{r}");
    let r = with(&|x| x["switches"][0]["flows"] = json!({}));
    assert!(r.contains("flows: expected an array"), "{r}");
    let r = with(&|x| x["extra"] = json!(1));
    assert!(r.starts_with("extra: unknown key"), "{r}");
}

#[test]
fn saved_flow_json_is_lossless_and_counters_are_ignored() {
    for f in varied() {
        let j = f.to_json();
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "table_id",
                "priority",
                "cookie",
                "idle_timeout",
                "hard_timeout",
                "flags",
                "match",
                "instructions"
            ]
        );
        assert_eq!(SavedFlow::from_json(&j).unwrap(), f);
        let mut with_counters = j.clone();
        with_counters["packet_count"] = json!(99);
        with_counters["duration_sec"] = json!(5);
        assert_eq!(SavedFlow::from_json(&with_counters).unwrap(), f);
        // The FLOW_MOD carries every field.
        let fm = f.to_flow_mod();
        assert_eq!(
            (
                fm.table_id,
                fm.priority,
                fm.cookie,
                fm.idle_timeout,
                fm.hard_timeout,
                fm.flags
            ),
            (
                f.table_id,
                f.priority,
                f.cookie,
                f.idle_timeout,
                f.hard_timeout,
                f.flags
            )
        );
        assert_eq!(fm.match_, f.match_);
        assert_eq!(fm.instructions, f.instructions);
    }
}

#[test]
fn normalisation_ignores_field_and_instruction_order_and_empty_action_lists() {
    let a = flow(
        0,
        10,
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst("10.0.0.1".parse().unwrap()),
        vec![
            Instruction::ApplyActions(vec![Action::output(1)]),
            Instruction::GotoTable(2),
        ],
    );
    let b = flow(
        0,
        10,
        Match::from_fields(a.match_.fields().iter().rev().cloned()),
        vec![
            Instruction::GotoTable(2),
            Instruction::WriteActions(vec![]),
            Instruction::ApplyActions(vec![Action::output(1)]),
        ],
    );
    assert_ne!(a, b);
    assert_eq!(a.normalised(), b.normalised());
    assert_eq!(a.identity(), b.identity());
    assert!(diff_flows(std::slice::from_ref(&a), &[b]).is_empty());
    // Action order is meaningful and kept.
    let c = flow(
        0,
        10,
        a.match_.clone(),
        vec![
            Instruction::ApplyActions(vec![Action::output(1)]),
            Instruction::GotoTable(3),
        ],
    );
    assert_ne!(a.normalised(), c.normalised());
}

#[test]
fn diff_reports_missing_extra_changed_and_ignores_order() {
    let expected = varied();
    let mut live: Vec<SavedFlow> = expected.iter().rev().cloned().collect();
    assert!(diff_flows(&expected, &live).is_empty());

    // Change the cookie of one, drop another, add a foreign one.
    live.iter_mut().find(|f| f.priority == 1000).unwrap().cookie = 1;
    live.retain(|f| f.priority != 5);
    let stranger = flow(3, 1, Match::new().in_port(9), vec![]);
    live.push(stranger.clone());
    let d = diff_flows(&expected, &live);
    assert_eq!(d.missing.len(), 1);
    assert_eq!(d.missing[0].priority, 5);
    assert_eq!(d.extra, vec![stranger]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].expected.cookie, 0x1234_5678_9abc_def0);
    assert_eq!(d.changed[0].actual.cookie, 1);
    assert!(!d.covers_expected());
    // Only extras: a merge is still covered.
    let mut more = expected.clone();
    more.push(flow(3, 1, Match::new().in_port(9), vec![]));
    let d = diff_flows(&expected, &more);
    assert!(d.covers_expected() && !d.is_empty());
    // Duplicates count (a multiset, not a set).
    let d = diff_flows(&[expected[1].clone(), expected[1].clone()], &expected[1..2]);
    assert_eq!(d.missing.len() + d.changed.len(), 1);
}

#[test]
fn maps_parse_and_resolve() {
    let m = DpidMap::parse(&["1=2", "0000000000000003=00:00:00:00:00:00:00:04,5=6"]).unwrap();
    assert_eq!(m.target(Dpid(1)), Dpid(2));
    assert_eq!(m.target(Dpid(3)), Dpid(4));
    assert_eq!(m.target(Dpid(7)), Dpid(7));
    assert_eq!(m.to_strings()[0], "0000000000000001=0000000000000002");
    assert!(DpidMap::parse(&["1"]).is_err());
    assert!(DpidMap::parse(&["1=x"]).is_err());
    assert!(DpidMap::parse(&["1=2", "1=3"]).is_err());
    let d = doc();
    let ok = DpidMap::parse(&["1=9"]).unwrap().resolve(&d).unwrap();
    assert_eq!(
        ok,
        vec![
            (Dpid(1), Dpid(9)),
            (Dpid(0xabcd_0000_0000_0002), Dpid(0xabcd_0000_0000_0002))
        ]
    );
    let e = DpidMap::parse(&["42=9"]).unwrap().resolve(&d).unwrap_err();
    assert!(e.to_string().contains("no switch 000000000000002a"), "{e}");
    let e = DpidMap::parse(&["1=abcd000000000002"])
        .unwrap()
        .resolve(&d)
        .unwrap_err();
    assert!(e.to_string().contains("would both go to"), "{e}");
}

#[test]
fn request_options_from_query_and_body() {
    let d = doc().to_value();
    let r = request::parse(Some("map=1%3D5&mode=merge&batch=10"), &d).unwrap();
    assert_eq!(r.map.target(Dpid(1)), Dpid(5));
    assert_eq!(r.mode, Some(Mode::Merge));
    assert_eq!(r.batch, Some(10));
    // Unencoded '=' in the value works too.
    let r = request::parse(Some("map=1=5"), &d).unwrap();
    assert_eq!(r.map.target(Dpid(1)), Dpid(5));
    let wrapped = json!({"document": d, "map": {"1": "6"}, "mode": "replace"});
    let r = request::parse(None, &wrapped).unwrap();
    assert_eq!(
        (r.map.target(Dpid(1)), r.mode),
        (Dpid(6), Some(Mode::Replace))
    );
    let wrapped = json!({"document": d, "map": ["1=6"]});
    assert_eq!(
        request::parse(None, &wrapped).unwrap().map.target(Dpid(1)),
        Dpid(6)
    );
    assert!(matches!(
        request::parse(
            Some("mode=merge"),
            &json!({"document": d, "mode": "replace"})
        ),
        Err(RequestError::Option(_))
    ));
    assert!(request::parse(Some("mode=sideways"), &d).is_err());
    assert!(request::parse(Some("batch=0"), &d).is_err());
    assert!(request::parse(Some("colour=red"), &d).is_err());
    assert!(request::parse(None, &Value::Null).is_err());
    assert!(matches!(
        request::parse(None, &json!({"format": "x"})),
        Err(RequestError::Doc(DocError::Format(_)))
    ));
}
