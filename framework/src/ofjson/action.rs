//! An [`Action`] ↔ `{"type": "OUTPUT", "port": 2}` (`ofctl_rest` names).

use openflow::action::CONTROLLER_NO_BUFFER;
use openflow::{Action, OxmField};
use serde_json::{json, Value};

use super::oxm::{set_field_from_json, set_field_to_json};
use super::scalar::*;
use super::{kind, OfJsonError};

/// The JSON object of an action. `OUTPUT` carries `max_len` only when it is not 0xffff.
pub fn action_to_json(a: &Action) -> Value {
    use Action::*;
    match a {
        Output { port, max_len } => {
            let mut v = json!({"type": "OUTPUT", "port": port_to_json(*port)});
            if *max_len != CONTROLLER_NO_BUFFER {
                v["max_len"] = json!(max_len);
            }
            v
        }
        CopyTtlOut => json!({"type": "COPY_TTL_OUT"}),
        CopyTtlIn => json!({"type": "COPY_TTL_IN"}),
        SetMplsTtl(t) => json!({"type": "SET_MPLS_TTL", "mpls_ttl": t}),
        DecMplsTtl => json!({"type": "DEC_MPLS_TTL"}),
        PushVlan(e) => json!({"type": "PUSH_VLAN", "ethertype": e}),
        PopVlan => json!({"type": "POP_VLAN"}),
        PushMpls(e) => json!({"type": "PUSH_MPLS", "ethertype": e}),
        PopMpls(e) => json!({"type": "POP_MPLS", "ethertype": e}),
        SetQueue(q) => json!({"type": "SET_QUEUE", "queue_id": q}),
        Group(g) => json!({"type": "GROUP", "group_id": g}),
        SetNwTtl(t) => json!({"type": "SET_NW_TTL", "nw_ttl": t}),
        DecNwTtl => json!({"type": "DEC_NW_TTL"}),
        SetField(f) => {
            let mut v = json!({"type": "SET_FIELD"});
            if let (Value::Object(out), Value::Object(fields)) = (&mut v, set_field_to_json(f)) {
                out.extend(fields);
            }
            v
        }
        PushPbb(e) => json!({"type": "PUSH_PBB", "ethertype": e}),
        PopPbb => json!({"type": "POP_PBB"}),
        Experimenter { experimenter, data } => json!({
            "type": "EXPERIMENTER", "experimenter": experimenter, "data_hex": hex::encode(data)
        }),
        Unknown { action_type, data } => json!({
            "type": "UNKNOWN", "action_type": action_type, "data_hex": hex::encode(data)
        }),
    }
}

/// The `type` of an action or instruction object, upper-cased.
pub(crate) fn type_name(v: &Value) -> Result<String, OfJsonError> {
    let t = match v {
        Value::Object(m) => m.get("type"),
        other => {
            return Err(OfJsonError::new(
                "",
                format!("expected an object, got {}", kind(other)),
            ))
        }
    };
    match t {
        Some(Value::String(s)) => Ok(s.trim().to_ascii_uppercase()),
        Some(other) => Err(OfJsonError::new(
            "type",
            format!("expected a string, got {}", kind(other)),
        )),
        None => Err(OfJsonError::new("type", "missing")),
    }
}

/// Parses an action object. The OpenFlow 1.0 / Ryu names `STRIP_VLAN`, `SET_DL_SRC`,
/// `SET_DL_DST` (key `dl_src`/`dl_dst`), `SET_NW_SRC` and `SET_NW_DST` (key
/// `nw_src`/`nw_dst`) are accepted as aliases of `POP_VLAN` and `SET_FIELD`.
pub fn action_from_json(v: &Value) -> Result<Action, OfJsonError> {
    let t = type_name(v)?;
    let mut o = Obj::new(v)?;
    o.allow(&["type"]);
    let a = match t.as_str() {
        "OUTPUT" => {
            let port = o.req("port", port_)?;
            let max_len = o.parse("max_len", u16_)?.unwrap_or(CONTROLLER_NO_BUFFER);
            Action::Output { port, max_len }
        }
        "COPY_TTL_OUT" => Action::CopyTtlOut,
        "COPY_TTL_IN" => Action::CopyTtlIn,
        "SET_MPLS_TTL" => Action::SetMplsTtl(o.req("mpls_ttl", u8_)?),
        "DEC_MPLS_TTL" => Action::DecMplsTtl,
        "PUSH_VLAN" => Action::PushVlan(o.parse("ethertype", u16_)?.unwrap_or(0x8100)),
        "POP_VLAN" | "STRIP_VLAN" => Action::PopVlan,
        "PUSH_MPLS" => Action::PushMpls(o.parse("ethertype", u16_)?.unwrap_or(0x8847)),
        "POP_MPLS" => Action::PopMpls(o.req("ethertype", u16_)?),
        "SET_QUEUE" => Action::SetQueue(o.req("queue_id", u32_)?),
        "GROUP" => Action::Group(o.req("group_id", u32_)?),
        "SET_NW_TTL" => Action::SetNwTtl(o.req("nw_ttl", u8_)?),
        "DEC_NW_TTL" => Action::DecNwTtl,
        "SET_FIELD" => {
            let mut obj = v.clone();
            if let Value::Object(m) = &mut obj {
                m.remove("type");
            }
            return set_field_from_json(&obj).map(Action::SetField);
        }
        "PUSH_PBB" => Action::PushPbb(o.parse("ethertype", u16_)?.unwrap_or(0x88e7)),
        "POP_PBB" => Action::PopPbb,
        "EXPERIMENTER" => Action::Experimenter {
            experimenter: o.req("experimenter", u32_)?,
            data: o.parse("data_hex", hex_bytes)?.unwrap_or_default(),
        },
        "UNKNOWN" => Action::Unknown {
            action_type: o.req("action_type", u16_)?,
            data: o.parse("data_hex", hex_bytes)?.unwrap_or_default(),
        },
        "SET_DL_SRC" => set(&mut o, "dl_src", |v| {
            Ok(OxmField::EthSrc(exact_mac(v)?, None))
        })?,
        "SET_DL_DST" => set(&mut o, "dl_dst", |v| {
            Ok(OxmField::EthDst(exact_mac(v)?, None))
        })?,
        "SET_NW_SRC" => set(&mut o, "nw_src", |v| {
            let (a, _) = masked_ipv4(v)?;
            Ok(OxmField::Ipv4Src(a, None))
        })?,
        "SET_NW_DST" => set(&mut o, "nw_dst", |v| {
            let (a, _) = masked_ipv4(v)?;
            Ok(OxmField::Ipv4Dst(a, None))
        })?,
        other => {
            return Err(OfJsonError::new(
                "type",
                format!("unknown action type \"{other}\""),
            ))
        }
    };
    o.finish()?;
    Ok(a)
}

fn set<'a>(
    o: &mut Obj<'a>,
    key: &'a str,
    f: impl FnOnce(&Value) -> Result<OxmField, String>,
) -> Result<Action, OfJsonError> {
    o.req(key, f).map(Action::SetField)
}
