//! Ryu's command bodies → OpenFlow messages: `flowentry/*` (with Ryu's per-version
//! defaults), `groupentry/*` and `meterentry/*` (1.3), `role` (1.3).
//!
//! Bodies are read strictly: an unknown key or a value of the wrong type is a 400 that
//! names it (Ryu ignores unknown keys and logs unknown band types or group types).

use openflow::v13::{self, Bucket, GroupMod, MeterBand, MeterMod};
use openflow::{FlowMod, FlowModCommand, Version};
use serde_json::{Map, Value};
use viola_framework::ofjson::{action_from_json, flow_mod_from_json, port_from_json};

/// A request body error: one line, naming the key.
pub type BodyError = String;

/// The command of `flowentry/{cmd}`.
pub fn flow_command(cmd: &str) -> Option<FlowModCommand> {
    Some(match cmd {
        "add" => FlowModCommand::Add,
        "modify" => FlowModCommand::Modify,
        "modify_strict" => FlowModCommand::ModifyStrict,
        "delete" => FlowModCommand::Delete,
        "delete_strict" => FlowModCommand::DeleteStrict,
        _ => return None,
    })
}

/// The command of `groupentry/{cmd}` and `meterentry/{cmd}` (the same numbers in 1.3).
pub fn entry_command(cmd: &str) -> Option<u16> {
    Some(match cmd {
        "add" => v13::group::group_command::ADD,
        "modify" => v13::group::group_command::MODIFY,
        "delete" => v13::group::group_command::DELETE,
        _ => return None,
    })
}

fn object(body: &Value) -> Result<Map<String, Value>, BodyError> {
    match body {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(Map::new()),
        other => Err(format!("expected a JSON object, got {other}")),
    }
}

/// Ryu's `SET_FIELD` on `vlan_vid` takes the raw OXM value (4096 + VID: the
/// OFPVID_PRESENT bit is the writer's), where Viola's JSON takes the VLAN id; a number is
/// rewritten to the raw hex form Viola reads verbatim.
fn raw_set_vlan_vid(actions: &mut Value) {
    let Value::Array(list) = actions else { return };
    for a in list {
        let is_vlan_set = a.get("type").and_then(Value::as_str) == Some("SET_FIELD")
            && a.get("field").and_then(Value::as_str) == Some("vlan_vid");
        if let (true, Some(n)) = (is_vlan_set, a.get("value").and_then(Value::as_u64)) {
            if n <= 0xffff {
                a["value"] = Value::String(format!("{n:#06x}"));
            }
        }
    }
}

/// A `flowentry/{cmd}` body as a FLOW_MOD. Ryu's defaults differ from Viola's own REST
/// API: priority 0 on 1.3 (0x8000 on 1.0) and table 0 even for `delete`.
pub fn flow_mod(v: Version, cmd: FlowModCommand, body: &Value) -> Result<FlowMod, BodyError> {
    let mut o = object(body)?;
    o.remove("command");
    let default_priority = if v == Version::V1_0 { 0x8000 } else { 0 };
    o.entry("priority").or_insert(Value::from(default_priority));
    o.entry("table_id").or_insert(Value::from(0));
    if let Some(actions) = o.get_mut("actions") {
        raw_set_vlan_vid(actions);
    }
    flow_mod_from_json(&Value::Object(o), cmd).map_err(|e| e.to_string())
}

/// A filter body of `flow`/`aggregateflow` (POST form) with Ryu's defaults: every table,
/// any out port and group. `priority` is Ryu's own filter, applied to the reply.
pub struct FlowFilter {
    pub request: openflow::FlowStatsRequest,
    pub priority: Option<u16>,
}

pub fn flow_filter(body: &Value) -> Result<FlowFilter, BodyError> {
    let mut o = object(body)?;
    o.remove("dpid");
    let priority = match o.remove("priority") {
        None => None,
        Some(p) => match p.as_i64() {
            Some(n) if n < 0 => None,
            Some(n) => Some(u16::try_from(n).map_err(|_| format!("priority: {n} is over 65535"))?),
            None => return Err(format!("priority: expected a number, got {p}")),
        },
    };
    let mut fs = openflow::FlowStatsRequest::default();
    if let Some(t) = o.remove("table_id") {
        fs.table_id = match &t {
            Value::String(s) if s.eq_ignore_ascii_case("ALL") => openflow::TABLE_ALL,
            _ => small(&t, "table_id", u8::MAX.into())? as u8,
        };
    }
    if let Some(p) = o.remove("out_port") {
        fs.out_port = port_from_json(&p).map_err(|e| format!("out_port: {}", e.reason))?;
    }
    if let Some(g) = o.remove("out_group") {
        fs.out_group = small(&g, "out_group", u32::MAX.into())? as u32;
    }
    if let Some(c) = o.remove("cookie") {
        fs.cookie = small(&c, "cookie", u64::MAX)?;
    }
    if let Some(c) = o.remove("cookie_mask") {
        fs.cookie_mask = small(&c, "cookie_mask", u64::MAX)?;
    }
    o.remove("flags");
    if let Some(m) = o.remove("match") {
        fs.match_ = viola_framework::ofjson::match_from_json(&m)
            .map_err(|e| e.within("match").to_string())?;
    }
    if let Some(k) = o.keys().next() {
        return Err(format!("{k}: unknown key"));
    }
    Ok(FlowFilter {
        request: fs,
        priority,
    })
}

/// An unsigned number (or a decimal / `0x` string) up to `max`.
fn small(v: &Value, key: &str, max: u64) -> Result<u64, BodyError> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => crate::dpid::parse_dpid(s).map(|d| d.0),
        _ => None,
    };
    n.filter(|n| *n <= max)
        .ok_or_else(|| format!("{key}: expected a number up to {max}, got {v}"))
}

fn take_u(o: &mut Map<String, Value>, key: &str, max: u64, default: u64) -> Result<u64, BodyError> {
    match o.remove(key) {
        Some(v) => small(&v, key, max),
        None => Ok(default),
    }
}

/// The list under `key` (empty when absent), each item read by `item`; an error names
/// the item (`buckets[1].weight: …`).
fn list_of<T>(
    o: &mut Map<String, Value>,
    key: &str,
    item: impl Fn(&Value) -> Result<T, BodyError>,
) -> Result<Vec<T>, BodyError> {
    let Some(v) = o.remove(key) else {
        return Ok(Vec::new());
    };
    let list = v
        .as_array()
        .ok_or_else(|| format!("{key}: expected an array, got {v}"))?;
    list.iter()
        .enumerate()
        .map(|(i, x)| item(x).map_err(|e| format!("{key}[{i}].{e}")))
        .collect()
}

fn no_more_keys(o: &Map<String, Value>, within: &str) -> Result<(), BodyError> {
    match o.keys().next() {
        Some(k) => Err(format!("{within}{k}: unknown key")),
        None => Ok(()),
    }
}

/// A `groupentry/{cmd}` body as a 1.3 GROUP_MOD.
pub fn group_mod(command: u16, body: &Value) -> Result<GroupMod, BodyError> {
    use v13::group::group_type;
    let mut o = object(body)?;
    o.remove("dpid");
    let group_type = match o.remove("type") {
        None => group_type::ALL,
        Some(Value::String(s)) => match s.as_str() {
            "ALL" => group_type::ALL,
            "SELECT" => group_type::SELECT,
            "INDIRECT" => group_type::INDIRECT,
            "FF" => group_type::FF,
            _ => return Err(format!("type: \"{s}\" is not ALL, SELECT, INDIRECT or FF")),
        },
        Some(other) => return Err(format!("type: expected a string, got {other}")),
    };
    let group_id = take_u(&mut o, "group_id", u32::MAX.into(), 0)? as u32;
    let buckets = list_of(&mut o, "buckets", bucket)?;
    no_more_keys(&o, "")?;
    Ok(GroupMod {
        command,
        group_type,
        group_id,
        buckets,
    })
}

fn bucket(v: &Value) -> Result<Bucket, BodyError> {
    let mut o = object(v)?;
    let weight = take_u(&mut o, "weight", u16::MAX.into(), 0)? as u16;
    let watch_port = match o.remove("watch_port") {
        Some(p) => port_from_json(&p).map_err(|e| format!("watch_port: {}", e.reason))?,
        None => openflow::port::ANY,
    };
    let watch_group = take_u(&mut o, "watch_group", u32::MAX.into(), u32::MAX.into())? as u32;
    if let Some(list) = o.get_mut("actions") {
        raw_set_vlan_vid(list);
    }
    let actions = list_of(&mut o, "actions", |a| {
        action_from_json(a).map_err(|e| e.to_string())
    })?;
    no_more_keys(&o, "")?;
    Ok(Bucket {
        weight,
        watch_port,
        watch_group,
        actions,
    })
}

/// A `meterentry/{cmd}` body as a 1.3 METER_MOD. `flags` is a name or a list of names
/// (`KBPS`, `PKTPS`, `BURST`, `STATS`).
pub fn meter_mod(command: u16, body: &Value) -> Result<MeterMod, BodyError> {
    use v13::meter::meter_flags;
    let mut o = object(body)?;
    o.remove("dpid");
    let mut flags = 0;
    let names = match o.remove("flags") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(one) => vec![one],
    };
    for n in names {
        flags |= match n.as_str() {
            Some("KBPS") => meter_flags::KBPS,
            Some("PKTPS") => meter_flags::PKTPS,
            Some("BURST") => meter_flags::BURST,
            Some("STATS") => meter_flags::STATS,
            _ => return Err(format!("flags: {n} is not KBPS, PKTPS, BURST or STATS")),
        };
    }
    let meter_id = take_u(&mut o, "meter_id", u32::MAX.into(), 0)? as u32;
    let bands = list_of(&mut o, "bands", band)?;
    no_more_keys(&o, "")?;
    Ok(MeterMod {
        command,
        flags,
        meter_id,
        bands,
    })
}

fn band(v: &Value) -> Result<MeterBand, BodyError> {
    let mut o = object(v)?;
    let kind = o.remove("type");
    let rate = take_u(&mut o, "rate", u32::MAX.into(), 0)? as u32;
    let burst_size = take_u(&mut o, "burst_size", u32::MAX.into(), 0)? as u32;
    let b = match kind.as_ref().and_then(Value::as_str) {
        Some("DROP") => MeterBand::Drop { rate, burst_size },
        Some("DSCP_REMARK") => MeterBand::DscpRemark {
            rate,
            burst_size,
            prec_level: take_u(&mut o, "prec_level", u8::MAX.into(), 0)? as u8,
        },
        Some("EXPERIMENTER") => MeterBand::Experimenter {
            rate,
            burst_size,
            experimenter: take_u(&mut o, "experimenter", u32::MAX.into(), 0)? as u32,
            data: Default::default(),
        },
        _ => {
            return Err(format!(
                "type: {} is not DROP, DSCP_REMARK or EXPERIMENTER",
                kind.unwrap_or(Value::Null)
            ))
        }
    };
    no_more_keys(&o, "")?;
    Ok(b)
}

/// A `role` body's role (`MASTER`, `SLAVE`, `EQUAL`, `NOCHANGE`; default `EQUAL`).
pub fn role(body: &Value) -> Result<u32, BodyError> {
    use openflow::role;
    let mut o = object(body)?;
    o.remove("dpid");
    let r = match o.remove("role") {
        None => role::EQUAL,
        Some(Value::String(s)) => match s.as_str() {
            "NOCHANGE" => role::NOCHANGE,
            "EQUAL" => role::EQUAL,
            "MASTER" => role::MASTER,
            "SLAVE" => role::SLAVE,
            _ => {
                return Err(format!(
                    "role: \"{s}\" is not NOCHANGE, EQUAL, MASTER or SLAVE"
                ))
            }
        },
        Some(other) => return Err(format!("role: expected a string, got {other}")),
    };
    no_more_keys(&o, "")?;
    Ok(r)
}

/// Ryu's name of a role.
pub fn role_name(r: u32) -> String {
    use openflow::role;
    match r {
        role::NOCHANGE => "NOCHANGE".into(),
        role::EQUAL => "EQUAL".into(),
        role::MASTER => "MASTER".into(),
        role::SLAVE => "SLAVE".into(),
        other => other.to_string(),
    }
}
