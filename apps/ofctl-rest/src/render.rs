//! Ryu's text forms of what a switch reports: actions as `"OUTPUT:2"` strings and matches
//! with Ryu's keys (`dl_src`, `nw_dst`, `tp_dst` …), per OpenFlow version, the way
//! `ofctl_v1_0.actions_to_str`/`match_to_str` and their 1.3 counterparts write them.

use openflow::{port, Action, Instruction, Match, OxmField, Version};
use serde_json::{json, Map, Value};
use viola_framework::ofjson::field_to_json;

/// A port as Ryu shows it: reserved ports by name, others as numbers.
pub fn port_value(p: u32) -> Value {
    match port::name(p) {
        Some(n) => json!(n),
        None => json!(p),
    }
}

/// One action as Ryu's OpenFlow 1.3 string.
pub fn action_str_v13(a: &Action) -> String {
    use Action::*;
    match a {
        Output { port: p, .. } => format!("OUTPUT:{}", port::display(*p)),
        CopyTtlOut => "COPY_TTL_OUT".into(),
        CopyTtlIn => "COPY_TTL_IN".into(),
        SetMplsTtl(t) => format!("SET_MPLS_TTL:{t}"),
        DecMplsTtl => "DEC_MPLS_TTL".into(),
        PushVlan(e) => format!("PUSH_VLAN:{e}"),
        PopVlan => "POP_VLAN".into(),
        PushMpls(e) => format!("PUSH_MPLS:{e}"),
        PopMpls(e) => format!("POP_MPLS:{e}"),
        SetQueue(q) => format!("SET_QUEUE:{q}"),
        Group(g) => format!("GROUP:{g}"),
        SetNwTtl(t) => format!("SET_NW_TTL:{t}"),
        DecNwTtl => "DEC_NW_TTL".into(),
        // Ryu prints the raw OXM value (OFPVID_PRESENT included).
        SetField(OxmField::VlanVid(v, None)) => format!("SET_FIELD: {{vlan_vid:{v}}}"),
        SetField(f) => {
            let (key, value) = field_to_json(f);
            let value = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            format!("SET_FIELD: {{{key}:{value}}}")
        }
        PushPbb(e) => format!("PUSH_PBB:{e}"),
        PopPbb => "POP_PBB".into(),
        Experimenter { experimenter, .. } => {
            format!("EXPERIMENTER: {{experimenter:{experimenter}}}")
        }
        Unknown { .. } => "UNKNOWN".into(),
    }
}

/// A flow's instructions as Ryu's OpenFlow 1.3 `actions` list: apply-actions inline,
/// `{"WRITE_ACTIONS": [...]}`, `"CLEAR_ACTIONS"`, `"GOTO_TABLE:1"`, `"WRITE_METADATA:0x…"`,
/// `"METER:1"`.
pub fn instructions_v13(list: &[Instruction]) -> Vec<Value> {
    let mut out = Vec::new();
    for i in list {
        match i {
            Instruction::ApplyActions(acts) => {
                out.extend(acts.iter().map(|a| json!(action_str_v13(a))));
            }
            Instruction::WriteActions(acts) if !acts.is_empty() => {
                let strs: Vec<String> = acts.iter().map(action_str_v13).collect();
                out.push(json!({ "WRITE_ACTIONS": strs }));
            }
            Instruction::WriteActions(_) => {}
            Instruction::ClearActions => out.push(json!("CLEAR_ACTIONS")),
            Instruction::GotoTable(t) => out.push(json!(format!("GOTO_TABLE:{t}"))),
            Instruction::WriteMetadata { metadata, mask } => out.push(json!(if *mask != 0 {
                format!("WRITE_METADATA:0x{metadata:x}/0x{mask:x}")
            } else {
                format!("WRITE_METADATA:0x{metadata:x}")
            })),
            Instruction::Meter(m) => out.push(json!(format!("METER:{m}"))),
            _ => out.push(json!("UNKNOWN")),
        }
    }
    out
}

/// Actions as Ryu's OpenFlow 1.0 strings (`SET_DL_SRC:…`, `STRIP_VLAN`, `ENQUEUE:port:queue`).
pub fn actions_v10(list: &[Instruction]) -> Vec<Value> {
    let acts: Vec<&Action> = list
        .iter()
        .flat_map(|i| match i {
            Instruction::ApplyActions(a) => a.iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let mut out = Vec::new();
    let mut it = acts.into_iter().peekable();
    while let Some(a) = it.next() {
        let s = match a {
            Action::SetQueue(q) => match it.peek() {
                Some(Action::Output { port: p, .. }) => {
                    let s = format!("ENQUEUE:{}:{q}", port::display(*p));
                    it.next();
                    s
                }
                _ => format!("SET_QUEUE:{q}"),
            },
            other => action_str_v10(other),
        };
        out.push(json!(s));
    }
    out
}

fn action_str_v10(a: &Action) -> String {
    use OxmField::*;
    match a {
        Action::Output { port: p, .. } => format!("OUTPUT:{}", port::display(*p)),
        Action::PopVlan => "STRIP_VLAN".into(),
        Action::SetField(f) => match f {
            VlanVid(v, _) => format!("SET_VLAN_VID:{}", v & 0x0fff),
            VlanPcp(p) => format!("SET_VLAN_PCP:{p}"),
            EthSrc(m, _) => format!("SET_DL_SRC:{m}"),
            EthDst(m, _) => format!("SET_DL_DST:{m}"),
            Ipv4Src(a, _) => format!("SET_NW_SRC:{a}"),
            Ipv4Dst(a, _) => format!("SET_NW_DST:{a}"),
            IpDscp(d) => format!("SET_NW_TOS:{}", u16::from(*d) << 2),
            TcpSrc(p) | UdpSrc(p) => format!("SET_TP_SRC:{p}"),
            TcpDst(p) | UdpDst(p) => format!("SET_TP_DST:{p}"),
            _ => "UNKNOWN".into(),
        },
        Action::Experimenter { .. } => "VENDOR".into(),
        _ => "UNKNOWN".into(),
    }
}

/// Ryu's OpenFlow 1.3 match keys for the OXM names it shortens.
fn v13_key(oxm: &'static str) -> &'static str {
    match oxm {
        "eth_src" => "dl_src",
        "eth_dst" => "dl_dst",
        "eth_type" => "dl_type",
        "vlan_vid" => "dl_vlan",
        "ipv4_src" => "nw_src",
        "ipv4_dst" => "nw_dst",
        "ip_proto" => "nw_proto",
        "tcp_src" | "udp_src" => "tp_src",
        "tcp_dst" | "udp_dst" => "tp_dst",
        other => other,
    }
}

/// A match as Ryu's OpenFlow 1.3 `match_to_str` writes it (masked values as `"v/m"`).
pub fn match_v13(m: &Match) -> Value {
    let mut out = Map::new();
    for f in m.fields() {
        let (name, value) = match f {
            OxmField::InPort(p) => ("in_port", port_value(*p)),
            OxmField::VlanVid(v, None) => ("vlan_vid", json!(v & 0x0fff)),
            other => field_to_json(other),
        };
        out.entry(v13_key(name)).or_insert(value);
    }
    Value::Object(out)
}

/// A match as Ryu's OpenFlow 1.0 `match_to_str` writes it: `nw_src` as `"a.b.c.d/len"`,
/// `nw_tos` (the DSCP shifted into the ToS byte), `tp_src`/`tp_dst` for TCP and UDP.
pub fn match_v10(m: &Match) -> Value {
    use OxmField::*;
    let mut out = Map::new();
    for f in m.fields() {
        let (key, value) = match f {
            InPort(p) => ("in_port", port_value(*p)),
            EthSrc(a, _) => ("dl_src", json!(a.to_string())),
            EthDst(a, _) => ("dl_dst", json!(a.to_string())),
            VlanVid(v, _) => ("dl_vlan", json!(v & 0x0fff)),
            VlanPcp(p) => ("dl_vlan_pcp", json!(p)),
            EthType(t) => ("dl_type", json!(t)),
            IpDscp(d) => ("nw_tos", json!(u16::from(*d) << 2)),
            IpProto(p) => ("nw_proto", json!(p)),
            Ipv4Src(a, mask) => ("nw_src", json!(prefix(*a, *mask))),
            Ipv4Dst(a, mask) => ("nw_dst", json!(prefix(*a, *mask))),
            TcpSrc(p) | UdpSrc(p) => ("tp_src", json!(p)),
            TcpDst(p) | UdpDst(p) => ("tp_dst", json!(p)),
            Icmpv4Type(t) => ("tp_src", json!(t)),
            Icmpv4Code(c) => ("tp_dst", json!(c)),
            ArpOp(o) => ("nw_proto", json!(o)),
            ArpSpa(a, mask) => ("nw_src", json!(prefix(*a, *mask))),
            ArpTpa(a, mask) => ("nw_dst", json!(prefix(*a, *mask))),
            other => field_to_json(other),
        };
        out.entry(key).or_insert(value);
    }
    Value::Object(out)
}

fn prefix(a: std::net::Ipv4Addr, mask: Option<std::net::Ipv4Addr>) -> String {
    match mask.map(|m| u32::from(m).leading_ones()) {
        Some(len) if len < 32 => format!("{a}/{len}"),
        _ => a.to_string(),
    }
}

/// The match and actions of a flow entry in `version`'s Ryu form.
pub fn match_and_actions(v: Version, m: &Match, i: &[Instruction]) -> (Value, Vec<Value>) {
    match v {
        Version::V1_0 => (match_v10(m), actions_v10(i)),
        _ => (match_v13(m), instructions_v13(i)),
    }
}
