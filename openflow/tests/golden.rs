//! Golden vectors: the exact bytes Open vSwitch 3.1 (`ovs-ofctl` and `ovs-vswitchd`) put on
//! the wire, captured by `scripts/capture-golden.sh` into `tests/golden/of10`, `of13`,
//! `of14` and `of15`.
//!
//! Every stored frame must decode without error, must not come out as `Unknown` when the
//! spec defines its type, must report the kind the spec gives its type number, and must
//! re-encode byte for byte. Where a neutral view exists it must lift, and the lifted value
//! must survive lower → encode → decode → lift unchanged. A few vectors are also checked
//! for content, against what the capture asked OVS to do.

mod common;

use std::fmt::Debug;
use std::net::Ipv4Addr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use bytes::Bytes;
use common::golden::{self, Vector};
use common::kinds;
use openflow::{
    port, Action, Control, FlowModCommand, Match, Message, MessageKind, Neutral, OxmField,
    StatsReplyBody, SwitchConfig, Version,
};

/// How many failures a report lists in full.
const SHOWN: usize = 40;

fn version_of(v: &Vector) -> Option<Version> {
    Version::from_wire(*v.bytes.first()?)
}

fn decode(bytes: &[u8]) -> Result<(u32, Message), String> {
    let frame = Bytes::copy_from_slice(bytes);
    match catch_unwind(AssertUnwindSafe(|| Message::decode(&frame))) {
        Ok(r) => r.map_err(|e| format!("decode error: {e}")),
        Err(_) => Err("decode panicked".into()),
    }
}

fn report(what: &str, total: usize, failures: &[String]) {
    if failures.is_empty() {
        return;
    }
    let mut s = format!(
        "{} of {total} golden vectors fail {what}:\n",
        failures.len()
    );
    for f in failures.iter().take(SHOWN) {
        s.push_str("  ");
        s.push_str(f);
        s.push('\n');
    }
    if failures.len() > SHOWN {
        s.push_str(&format!("  … and {} more\n", failures.len() - SHOWN));
    }
    panic!("{s}");
}

/// The corpus itself must keep covering the message set (checked on raw bytes, so it does
/// not depend on the codec): a regeneration that silently lost a kind fails here.
#[test]
fn corpus_covers_the_message_set() {
    let all = golden::all();
    let has = |ver: u8, ty: u8| all.iter().any(|v| v.bytes.get(..2) == Some(&[ver, ty][..]));
    let mut missing = Vec::new();
    // OpenFlow 1.0: every type 0..=21.
    for t in 0x00..=0x15u8 {
        if !has(0x01, t) {
            missing.push(format!("1.0 type {t}"));
        }
    }
    // OpenFlow 1.3: every type but TABLE_MOD (17), which ovs-ofctl 3.1 does not send in
    // 1.3.
    for t in 0x00..=0x1du8 {
        if t != 0x11 && !has(0x04, t) {
            missing.push(format!("1.3 type {t}"));
        }
    }
    // Multipart types of 1.3 (request and reply): desc … port desc.
    for st in 0u16..=13 {
        for ty in [0x12u8, 0x13] {
            let found = all.iter().any(|v| {
                v.bytes.get(..2) == Some(&[0x04, ty][..])
                    && kinds::stats_type(Version::V1_3, &v.bytes) == Some(st)
            });
            if !found {
                missing.push(format!("1.3 multipart type {st} (ofp_type {ty})"));
            }
        }
    }
    // OpenFlow 1.4 and 1.5: 1.3's types but TABLE_MOD and the QUEUE_GET_CONFIG pair (gone
    // in 1.4), and the bundle messages `ovs-ofctl --bundle` sends; multipart types 0-13
    // and QUEUE_DESC (15), which `queue-get-config` uses from 1.4 on.
    for (ver, name) in [(0x05u8, "1.4"), (0x06, "1.5")] {
        let types = (0x00..=0x1du8).filter(|t| ![0x11, 0x16, 0x17].contains(t));
        for t in types.chain([0x21, 0x22]) {
            if !has(ver, t) {
                missing.push(format!("{name} type {t}"));
            }
        }
        for st in (0u16..=13).chain([15]) {
            let found = all.iter().any(|v| {
                v.bytes.first() == Some(&ver)
                    && kinds::stats_type(Version::V1_4, &v.bytes) == Some(st)
            });
            if !found {
                missing.push(format!("{name} multipart type {st}"));
            }
        }
    }
    assert!(missing.is_empty(), "golden corpus lacks: {missing:?}");
    assert!(
        all.len() > 500,
        "golden corpus has only {} frames",
        all.len()
    );
}

#[test]
fn every_vector_decodes_to_its_kind_and_reencodes_byte_for_byte() {
    let all = golden::all();
    let mut failures = Vec::new();
    for v in &all {
        if let Err(e) = check_wire(v) {
            failures.push(format!("{}: {e}", v.origin()));
        }
    }
    report("decode/kind/re-encode", all.len(), &failures);
}

fn check_wire(v: &Vector) -> Result<(), String> {
    let ver = version_of(v).ok_or("frame of a version Viola does not speak")?;
    let xid = u32::from_be_bytes(
        v.bytes
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .ok_or("short frame")?,
    );
    let ty = *v.bytes.get(1).ok_or("short frame")?;
    let (got_xid, msg) = decode(&v.bytes)?;
    if got_xid != xid {
        return Err(format!("xid {got_xid:#x}, wire says {xid:#x}"));
    }
    if msg.version() != ver {
        return Err(format!(
            "decoded as version {}, wire says {ver}",
            msg.version()
        ));
    }
    let kind = msg.kind();
    if ty <= kinds::max_defined_type(ver) {
        if kind == MessageKind::Unknown {
            return Err(format!(
                "type {ty} is defined by OpenFlow {ver} but decoded as Unknown"
            ));
        }
        if kinds::wire_type(ver, kind) != Some(ty) {
            return Err(format!("type {ty} decoded as kind {kind:?}"));
        }
    } else if kind != MessageKind::Unknown {
        return Err(format!("undefined type {ty} decoded as {kind:?}"));
    }
    let mut out = Vec::new();
    match catch_unwind(AssertUnwindSafe(|| msg.encode(xid, &mut out))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("encode error: {e}")),
        Err(_) => return Err("encode panicked".into()),
    }
    if out != v.bytes {
        return Err(format!(
            "re-encoded bytes differ: {}",
            first_difference(&v.bytes, &out)
        ));
    }
    Ok(())
}

fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let show = |b: &[u8]| hex::encode(b.get(at..(at + 16).min(b.len())).unwrap_or(&[]));
    format!(
        "lengths {} vs {}, first difference at byte {at}: want {} got {}",
        want.len(),
        got.len(),
        show(want),
        show(got)
    )
}

#[test]
fn neutral_views_lift_and_survive_a_round_trip() {
    let all = golden::all();
    let mut failures = Vec::new();
    let mut lifted = 0usize;
    for v in &all {
        let Some(ver) = version_of(v) else { continue };
        let Ok((_, msg)) = decode(&v.bytes) else {
            continue;
        }; // reported by the wire test
        match catch_unwind(AssertUnwindSafe(|| check_neutral(ver, v, &msg))) {
            Ok(Ok(true)) => lifted += 1,
            Ok(Ok(false)) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", v.origin())),
            Err(_) => failures.push(format!("{}: neutral round trip panicked", v.origin())),
        }
    }
    report("the neutral round trip", all.len(), &failures);
    assert!(
        lifted > 300,
        "only {lifted} golden vectors have a neutral view"
    );
}

/// Lifts where the kind has a neutral view; `Ok(false)` when it has none.
fn check_neutral(ver: Version, v: &Vector, msg: &Message) -> Result<bool, String> {
    use MessageKind as K;
    match msg.kind() {
        K::FlowMod => round_trip(ver, msg.flow_mod()),
        K::PacketIn => round_trip(ver, msg.packet_in()),
        K::PacketOut => round_trip(ver, msg.packet_out()),
        K::FeaturesReply => round_trip(ver, msg.features_reply()),
        K::PortStatus => round_trip(ver, msg.port_status()),
        K::FlowRemoved => round_trip(ver, msg.flow_removed()),
        K::Error => round_trip(ver, msg.error()),
        K::EchoRequest
        | K::EchoReply
        | K::FeaturesRequest
        | K::GetConfigRequest
        | K::GetConfigReply
        | K::SetConfig
        | K::BarrierRequest
        | K::BarrierReply
        | K::RoleRequest
        | K::RoleReply => round_trip(ver, msg.control()),
        K::StatsRequest => {
            let st = kinds::stats_type(ver, &v.bytes).ok_or("no stats type")?;
            if !kinds::neutral_request_types(ver).contains(&st) {
                return Ok(false);
            }
            round_trip(ver, msg.stats_request())
        }
        K::StatsReply => {
            let st = kinds::stats_type(ver, &v.bytes).ok_or("no stats type")?;
            if !kinds::neutral_reply_types(ver).contains(&st) {
                return Ok(false);
            }
            let r = msg.stats_reply().ok_or("stats reply has no neutral view")?;
            let more = v.bytes.get(11).is_some_and(|f| f & 0x01 != 0);
            if r.more != more {
                return Err(format!("more = {}, wire flags say {more}", r.more));
            }
            let body_type = match &r.body {
                StatsReplyBody::Desc(_) => 0,
                StatsReplyBody::Flow(_) => 1,
                StatsReplyBody::Aggregate { .. } => 2,
                StatsReplyBody::Table(_) => 3,
                StatsReplyBody::Port(_) => 4,
                StatsReplyBody::PortDesc(_) => 13,
                StatsReplyBody::Other { stats_type } => *stats_type,
            };
            if body_type != st || matches!(r.body, StatsReplyBody::Other { .. }) {
                return Err(format!("stats type {st} lifted as {:?}", r.body));
            }
            round_trip(ver, Some(r))
        }
        _ => Ok(false),
    }
}

/// The lifted value must lower to the same version, encode, decode and lift back equal.
fn round_trip<T: Neutral + PartialEq + Debug>(ver: Version, x: Option<T>) -> Result<bool, String> {
    let x = x.ok_or("no neutral view for a kind that has one")?;
    let m = x
        .to_message(ver)
        .map_err(|e| format!("lowering the lifted value: {e}"))?;
    let wire = m
        .to_bytes(0x5eed)
        .map_err(|e| format!("encoding the lowered value: {e}"))?;
    let (_, back) = decode(&wire)?;
    let again = T::from_message(&back).ok_or("the lowered value does not lift again")?;
    if again != x {
        return Err(format!(
            "changed in the round trip: {}",
            debug_diff(&format!("{x:?}"), &format!("{again:?}"))
        ));
    }
    Ok(true)
}

/// Where two `Debug` renderings first differ, with some context (values can be long).
fn debug_diff(a: &str, b: &str) -> String {
    let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let around = |s: &str| -> String {
        let chars: Vec<char> = s.chars().collect();
        let from = at.saturating_sub(60);
        let to = (at + 60).min(chars.len());
        chars
            .get(from..to)
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    };
    format!("\n    was …{}…\n    now …{}…", around(a), around(b))
}

// ---------------------------------------------------------------------------------------
// Content: what OVS was asked to do must be what the codec reads.

/// The decoded frames of captures whose comment contains `needle`, sent in `direction`.
fn frames(sub: &str, needle: &str, direction: &str) -> Vec<Message> {
    golden::load(sub)
        .iter()
        .filter(|v| v.comment.contains(needle) && v.comment.contains(direction))
        .map(|v| {
            decode(&v.bytes)
                .map(|(_, m)| m)
                .unwrap_or_else(|e| panic!("{}: {e}", v.origin()))
        })
        .collect()
}

fn sorted(m: &Match) -> Vec<String> {
    let mut f: Vec<String> = m.fields().iter().map(|x| format!("{x:?}")).collect();
    f.sort();
    f
}

fn output(port: u32) -> Action {
    // ovs-ofctl leaves max_len 0 for outputs to ports other than CONTROLLER.
    Action::Output { port, max_len: 0 }
}

#[test]
fn flow_mod_content_matches_the_ovs_ofctl_command() {
    for sub in ["of10", "of13"] {
        let fms: Vec<_> = frames(
            sub,
            "add-flow BRIDGE 'in_port=1,actions=output:2'",
            "ofctl->switch",
        )
        .into_iter()
        .filter_map(|m| m.flow_mod())
        .collect();
        assert_eq!(
            fms.len(),
            1,
            "{sub}: one FLOW_MOD for in_port=1,actions=output:2"
        );
        let fm = &fms[0];
        assert_eq!(fm.command, FlowModCommand::Add);
        assert_eq!(fm.priority, 0x8000);
        assert_eq!(
            (fm.cookie, fm.table_id, fm.idle_timeout, fm.hard_timeout),
            (0, 0, 0, 0)
        );
        assert_eq!(fm.buffer_id, None);
        assert_eq!(fm.match_, Match::new().in_port(1), "{sub}");
        assert_eq!(
            fm.instructions,
            vec![openflow::Instruction::ApplyActions(vec![output(2)])]
        );

        let fms: Vec<_> = frames(
            sub,
            "nw_src=10.0.0.0/8,nw_dst=192.168.1.0/24,actions=normal",
            "ofctl->switch",
        )
        .into_iter()
        .filter_map(|m| m.flow_mod())
        .collect();
        assert_eq!(fms.len(), 1, "{sub}");
        let want = Match::new()
            .eth_type(0x0800)
            .ipv4_src_masked(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0))
            .ipv4_dst_masked(
                Ipv4Addr::new(192, 168, 1, 0),
                Ipv4Addr::new(255, 255, 255, 0),
            );
        assert_eq!(sorted(&fms[0].match_), sorted(&want), "{sub}");
        assert_eq!(fms[0].priority, 90);
        assert_eq!(
            fms[0].instructions,
            vec![openflow::Instruction::ApplyActions(vec![output(
                port::NORMAL
            )])]
        );

        let fms: Vec<_> = frames(
            sub,
            "cookie=0x1234,idle_timeout=30,hard_timeout=60",
            "ofctl->switch",
        )
        .into_iter()
        .filter_map(|m| m.flow_mod())
        .collect();
        assert_eq!(fms.len(), 1, "{sub}");
        let fm = &fms[0];
        assert_eq!(
            (fm.cookie, fm.idle_timeout, fm.hard_timeout, fm.priority),
            (0x1234, 30, 60, 200)
        );
        use openflow::flow_mod_flags::{CHECK_OVERLAP, SEND_FLOW_REM};
        assert_eq!(fm.flags, SEND_FLOW_REM | CHECK_OVERLAP, "{sub}");
    }
}

#[test]
fn packet_in_content_matches_the_traffic_sent() {
    for sub in ["of10", "of13"] {
        let pins: Vec<_> = frames(sub, "recording controller", "switch->controller")
            .into_iter()
            .filter_map(|m| m.packet_in())
            .collect();
        assert!(pins.len() >= 5, "{sub}: {} packet-ins", pins.len());
        for p in &pins {
            assert_eq!(
                p.total_len as usize,
                p.data.len(),
                "{sub}: OVS sends whole packets"
            );
            assert_eq!(p.buffer_id, None);
        }
        // From the host behind port 1: source MAC 00:00:00:00:00:01.
        let from_host: Vec<_> = pins.iter().filter(|p| p.in_port() == 1).collect();
        assert!(from_host.len() >= 3, "{sub}");
        for p in &from_host {
            assert_eq!(p.data.get(6..12), Some(&[0, 0, 0, 0, 0, 1][..]), "{sub}");
        }
        // An ARP request (table miss) and ICMP echo requests.
        let ethertype =
            |p: &openflow::PacketIn| p.data.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]]));
        assert!(
            from_host
                .iter()
                .any(|p| ethertype(p) == Some(0x0806) && p.reason == 0),
            "{sub}: ARP miss"
        );
        assert!(
            from_host
                .iter()
                .any(|p| ethertype(p) == Some(0x0800) && p.reason == 0),
            "{sub}: IP miss"
        );
        assert!(
            from_host
                .iter()
                .any(|p| ethertype(p) == Some(0x0800) && p.reason == 1),
            "{sub}: IP action"
        );
        // The PACKET_OUT to CONTROLLER came back from LOCAL with reason ACTION.
        assert!(
            pins.iter()
                .any(|p| p.in_port() == port::LOCAL && p.reason == 1),
            "{sub}"
        );
    }
}

#[test]
fn asynchronous_messages_match_what_was_done() {
    for sub in ["of10", "of13"] {
        let msgs = frames(sub, "recording controller", "switch->controller");
        let fr: Vec<_> = msgs.iter().filter_map(|m| m.flow_removed()).collect();
        // OpenFlow 1.0's FLOW_REMOVED carries no hard_timeout.
        let hard = if sub == "of10" { 0 } else { 1 };
        assert!(
            fr.iter()
                .any(|f| f.priority == 9 && f.reason == 1 && f.hard_timeout == hard),
            "{sub}: hard-timeout FLOW_REMOVED in {fr:?}"
        );
        assert!(
            fr.iter()
                .any(|f| f.cookie == 0x77 && f.priority == 8 && f.reason == 2),
            "{sub}: delete FLOW_REMOVED in {fr:?}"
        );
        let ps: Vec<_> = msgs.iter().filter_map(|m| m.port_status()).collect();
        for reason in [0u8, 1] {
            assert!(
                ps.iter()
                    .any(|p| p.reason == reason && p.port.port_no == 9 && p.port.name == "vg-p9"),
                "{sub}: PORT_STATUS reason {reason} for vg-p9 in {ps:?}"
            );
        }
        let fr = msgs
            .iter()
            .find_map(|m| m.features_reply())
            .expect("FEATURES_REPLY");
        assert_eq!(fr.datapath_id.0, 0xabc, "{sub}");
        if sub == "of10" {
            let names: Vec<_> = fr
                .ports
                .iter()
                .map(|p| (p.port_no, p.name.as_str()))
                .collect();
            assert!(names.contains(&(1, "vg-s1")), "{sub}: {names:?}");
            assert!(
                names.contains(&(port::LOCAL, "vgolden0")),
                "{sub}: {names:?}"
            );
        }
        // SET_CONFIG asked for whole packets; GET_CONFIG_REPLY says so.
        let cfg = msgs.iter().find_map(|m| match m.control() {
            Some(Control::GetConfigReply(c)) => Some(c),
            _ => None,
        });
        assert_eq!(
            cfg,
            Some(SwitchConfig {
                flags: 0,
                miss_send_len: 0xffff
            }),
            "{sub}"
        );
        // The undefined message type 0x30 drew BAD_REQUEST / BAD_TYPE.
        let errs: Vec<_> = msgs.iter().filter_map(|m| m.error()).collect();
        assert!(
            errs.iter().any(|e| e.err_type == 1 && e.code == 1),
            "{sub}: {errs:?}"
        );
        // Desc stats: Open vSwitch's own description.
        let desc = msgs
            .iter()
            .find_map(|m| match m.stats_reply().map(|r| r.body) {
                Some(StatsReplyBody::Desc(d)) => Some(d),
                _ => None,
            });
        let desc = desc.unwrap_or_else(|| panic!("{sub}: no desc reply"));
        assert_eq!(desc.mfr_desc, "Nicira, Inc.");
        assert_eq!(desc.hw_desc, "Open vSwitch");
    }
}

#[test]
fn of13_only_features_read_as_sent() {
    let fms: Vec<_> = frames(
        "of13",
        "write_metadata:0x1/0xff,goto_table:2",
        "ofctl->switch",
    )
    .into_iter()
    .filter_map(|m| m.flow_mod())
    .collect();
    assert_eq!(fms.len(), 1);
    assert_eq!(
        fms[0].instructions,
        vec![
            openflow::Instruction::WriteMetadata {
                metadata: 1,
                mask: 0xff
            },
            openflow::Instruction::GotoTable(2),
        ]
    );
    let fms: Vec<_> = frames(
        "of13",
        "push_vlan:0x8100,set_field:4196->vlan_vid",
        "ofctl->switch",
    )
    .into_iter()
    .filter_map(|m| m.flow_mod())
    .collect();
    assert_eq!(fms.len(), 1);
    assert_eq!(
        fms[0].instructions,
        vec![openflow::Instruction::ApplyActions(vec![
            Action::PushVlan(0x8100),
            Action::SetField(OxmField::VlanVid(0x1000 | 100, None)),
            output(2),
        ])]
    );
    let fms: Vec<_> = frames(
        "of13",
        "metadata=0x1/0xff,actions=meter:1,output:2",
        "ofctl->switch",
    )
    .into_iter()
    .filter_map(|m| m.flow_mod())
    .collect();
    assert_eq!(fms.len(), 1);
    assert_eq!(fms[0].table_id, 2);
    assert_eq!(fms[0].match_, Match::new().metadata_masked(1, 0xff));
    assert_eq!(
        fms[0].instructions,
        vec![
            openflow::Instruction::Meter(1),
            openflow::Instruction::ApplyActions(vec![output(2)]),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Regressions found by fuzzing (fuzz/fuzz_targets/decode_frames.rs). Each input must
// decode, re-encode, and decode again to the same message.

/// The fuzz property: rejecting an input is fine, but what decodes must re-encode and
/// decode again to the same message.
fn stable(what: &str, frame: &[u8]) -> Result<(), String> {
    let (xid, m) = match decode(frame) {
        Ok(x) => x,
        Err(e) if e.contains("panicked") => return Err(format!("{what}: {e}")),
        Err(_) => return Ok(()),
    };
    let wire = m
        .to_bytes(xid)
        .map_err(|e| format!("{what}: re-encode: {e}"))?;
    let (_, again) =
        decode(&wire).map_err(|e| format!("{what}: decode of the re-encoding: {e}"))?;
    if again != m {
        return Err(format!(
            "{what}: changed by a round trip: {}",
            debug_diff(&format!("{m:?}"), &format!("{again:?}"))
        ));
    }
    Ok(())
}

/// A desc stats reply whose five strings fill their fields with `fill` (no NUL).
fn desc_reply(version: u8, fill: u8) -> Vec<u8> {
    let (ty, head): (u8, &[u8]) = if version == 1 {
        (0x11, &[0, 0, 0, 0])
    } else {
        (0x13, &[0; 8])
    };
    let mut body = head.to_vec();
    for width in [256, 256, 256, 32, 256] {
        body.extend(std::iter::repeat_n(fill, width));
    }
    let mut f = vec![version, ty];
    f.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 9]);
    f.extend_from_slice(&body);
    f
}

/// A PORT_STATUS whose port name fills all 16 bytes (no NUL).
fn port_status_full_name(version: u8) -> Vec<u8> {
    let mut f = vec![version, 0x0c, 0, 0, 0, 0, 0, 3, 0x02, 0, 0, 0, 0, 0, 0, 0];
    if version == 1 {
        f.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 1]); // port_no, hw_addr
    } else {
        f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]); // port_no, pad, hw_addr, pad
    }
    f.extend_from_slice(b"port-name-16-chr");
    f.extend(std::iter::repeat_n(0, if version == 1 { 24 } else { 32 }));
    let len = f.len() as u16;
    f[2..4].copy_from_slice(&len.to_be_bytes());
    f
}

#[test]
fn fuzz_regression_full_width_strings_survive_a_round_trip() {
    let mut failures = Vec::new();
    for v in [1u8, 4] {
        let cases = [
            (
                format!("v{v} desc reply, ASCII filling every field"),
                desc_reply(v, b'A'),
            ),
            (
                format!("v{v} desc reply, invalid UTF-8 filling every field"),
                desc_reply(v, 0xff),
            ),
            (
                format!("v{v} port status, 16-byte port name"),
                port_status_full_name(v),
            ),
        ];
        for (what, frame) in cases {
            if let Err(e) = stable(&what, &frame) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
