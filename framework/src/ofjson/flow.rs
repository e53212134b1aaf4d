//! FLOW_MOD request bodies and flow-stats entries ↔ JSON.
//!
//! Field names follow Ryu's `ofctl_rest`: `table_id`, `priority`, `cookie`, `cookie_mask`,
//! `idle_timeout`, `hard_timeout`, `flags`, `buffer_id`, `out_port`, `out_group`, `match`,
//! and either `actions` (Ryu's mixed list) or `instructions` (the exact list, what Viola
//! writes).

use openflow::neutral::flow_mod_flags as ff;
use openflow::{FlowMod, FlowModCommand, FlowStats, Instruction, Match};
use serde_json::{json, Value};

use super::instruction::{
    instruction_from_json, instruction_to_json, instructions_from_actions_list,
};
use super::matches::{match_from_json, match_to_json};
use super::scalar::*;
use super::{kind, OfJsonError};

const FLAG_NAMES: [(&str, u16); 6] = [
    ("SEND_FLOW_REM", ff::SEND_FLOW_REM),
    ("CHECK_OVERLAP", ff::CHECK_OVERLAP),
    ("RESET_COUNTS", ff::RESET_COUNTS),
    ("EMERG", ff::EMERG),
    ("NO_PKT_COUNTS", ff::NO_PKT_COUNTS),
    ("NO_BYT_COUNTS", ff::NO_BYT_COUNTS),
];

/// `flags`: a number, or a list of names (`SEND_FLOW_REM`, `CHECK_OVERLAP`,
/// `RESET_COUNTS`/`EMERG`, `NO_PKT_COUNTS`, `NO_BYT_COUNTS`).
fn flags(v: &Value) -> Result<u16, String> {
    let Value::Array(list) = v else {
        return u16_(v);
    };
    let mut out = 0;
    for x in list {
        let name = x.as_str().map(str::to_ascii_uppercase);
        let bit = FLAG_NAMES
            .iter()
            .find(|(n, _)| Some(*n) == name.as_deref())
            .map(|(_, b)| *b)
            .ok_or_else(|| format!("unknown flag {x}"))?;
        out |= bit;
    }
    Ok(out)
}

fn command_name(c: FlowModCommand) -> &'static str {
    match c {
        FlowModCommand::Add => "add",
        FlowModCommand::Modify => "modify",
        FlowModCommand::ModifyStrict => "modify_strict",
        FlowModCommand::Delete => "delete",
        FlowModCommand::DeleteStrict => "delete_strict",
    }
}

/// `command`: `"add"`, `"modify"`, `"modify_strict"`, `"delete"`, `"delete_strict"` (any
/// case) or the wire number.
fn command(v: &Value) -> Result<FlowModCommand, String> {
    if let Value::String(s) = v {
        let s = s.trim().to_ascii_lowercase();
        for c in [
            FlowModCommand::Add,
            FlowModCommand::Modify,
            FlowModCommand::ModifyStrict,
            FlowModCommand::Delete,
            FlowModCommand::DeleteStrict,
        ] {
            if command_name(c) == s {
                return Ok(c);
            }
        }
        return Err(format!(
            "unknown command \"{s}\" (add, modify, modify_strict, delete, delete_strict)"
        ));
    }
    FlowModCommand::from_wire(u16_(v)?).ok_or_else(|| format!("unknown command {v}"))
}

/// Instructions from either `instructions` or `actions` (not both).
fn read_instructions<'a>(o: &mut Obj<'a>) -> Result<Option<Vec<Instruction>>, OfJsonError> {
    match (o.opt("instructions"), o.opt("actions")) {
        (Some(_), Some(_)) => Err(OfJsonError::new(
            "actions",
            "give either \"actions\" or \"instructions\", not both",
        )),
        (Some(v), None) => {
            let list = v.as_array().ok_or_else(|| {
                OfJsonError::new(
                    "instructions",
                    format!("expected an array, got {}", kind(v)),
                )
            })?;
            let parsed: Result<Vec<_>, _> = list
                .iter()
                .enumerate()
                .map(|(i, x)| instruction_from_json(x).map_err(|e| e.within_index(i)))
                .collect();
            parsed.map(Some).map_err(|e| e.within("instructions"))
        }
        (None, Some(v)) => instructions_from_actions_list(v)
            .map(Some)
            .map_err(|e| e.within("actions")),
        (None, None) => Ok(None),
    }
}

fn read_match<'a>(o: &mut Obj<'a>) -> Result<Match, OfJsonError> {
    match o.opt("match") {
        Some(v) => match_from_json(v).map_err(|e| e.within("match")),
        None => Ok(Match::new()),
    }
}

fn instructions_json(i: &[Instruction]) -> Value {
    Value::Array(i.iter().map(instruction_to_json).collect())
}

/// The complete JSON form of a FLOW_MOD.
pub fn flow_mod_to_json(fm: &FlowMod) -> Value {
    json!({
        "command": command_name(fm.command),
        "table_id": fm.table_id,
        "priority": fm.priority,
        "cookie": fm.cookie,
        "cookie_mask": fm.cookie_mask,
        "idle_timeout": fm.idle_timeout,
        "hard_timeout": fm.hard_timeout,
        "flags": fm.flags,
        "buffer_id": fm.buffer_id,
        "out_port": port_to_json(fm.out_port),
        "out_group": fm.out_group,
        "match": match_to_json(&fm.match_),
        "instructions": instructions_json(&fm.instructions),
    })
}

/// Parses a FLOW_MOD body. `command` defaults to `default_command`; every other missing
/// field takes the default of that command (`FlowMod::add`/`delete`/`delete_strict`):
/// priority 0x8000, table 0 (all tables for `delete`), no buffer, out_port/out_group ANY.
/// A `dpid` key is allowed and ignored (Ryu bodies carry it; the REST path names the switch).
pub fn flow_mod_from_json(
    v: &Value,
    default_command: FlowModCommand,
) -> Result<FlowMod, OfJsonError> {
    let mut o = Obj::new(v)?;
    o.allow(&["dpid"]);
    let cmd = o.parse("command", command)?.unwrap_or(default_command);
    let m = read_match(&mut o)?;
    let mut fm = match cmd {
        FlowModCommand::Delete => FlowMod::delete(m),
        FlowModCommand::DeleteStrict => FlowMod::delete_strict(m, 0x8000),
        other => {
            let mut fm = FlowMod::add(m);
            fm.command = other;
            fm
        }
    };
    if let Some(x) = o.parse("table_id", u8_)? {
        fm.table_id = x;
    }
    if let Some(x) = o.parse("priority", u16_)? {
        fm.priority = x;
    }
    if let Some(x) = o.parse("cookie", u64_)? {
        fm.cookie = x;
    }
    if let Some(x) = o.parse("cookie_mask", u64_)? {
        fm.cookie_mask = x;
    }
    if let Some(x) = o.parse("idle_timeout", u16_)? {
        fm.idle_timeout = x;
    }
    if let Some(x) = o.parse("hard_timeout", u16_)? {
        fm.hard_timeout = x;
    }
    if let Some(x) = o.parse("flags", flags)? {
        fm.flags = x;
    }
    fm.buffer_id = o.parse("buffer_id", u32_)?;
    if let Some(x) = o.parse("out_port", port_)? {
        fm.out_port = x;
    }
    if let Some(x) = o.parse("out_group", u32_)? {
        fm.out_group = x;
    }
    if let Some(i) = read_instructions(&mut o)? {
        fm.instructions = i;
    }
    o.finish()?;
    Ok(fm)
}

/// The JSON form of one flow-stats entry.
pub fn flow_stats_to_json(fs: &FlowStats) -> Value {
    json!({
        "table_id": fs.table_id,
        "priority": fs.priority,
        "cookie": fs.cookie,
        "idle_timeout": fs.idle_timeout,
        "hard_timeout": fs.hard_timeout,
        "flags": fs.flags,
        "duration_sec": fs.duration_sec,
        "duration_nsec": fs.duration_nsec,
        "packet_count": fs.packet_count,
        "byte_count": fs.byte_count,
        "match": match_to_json(&fs.match_),
        "instructions": instructions_json(&fs.instructions),
    })
}

/// Parses a flow-stats entry; missing numbers are 0, a missing match is empty.
pub fn flow_stats_from_json(v: &Value) -> Result<FlowStats, OfJsonError> {
    let mut o = Obj::new(v)?;
    let fs = FlowStats {
        table_id: o.parse("table_id", u8_)?.unwrap_or(0),
        priority: o.parse("priority", u16_)?.unwrap_or(0),
        cookie: o.parse("cookie", u64_)?.unwrap_or(0),
        idle_timeout: o.parse("idle_timeout", u16_)?.unwrap_or(0),
        hard_timeout: o.parse("hard_timeout", u16_)?.unwrap_or(0),
        flags: o.parse("flags", flags)?.unwrap_or(0),
        duration_sec: o.parse("duration_sec", u32_)?.unwrap_or(0),
        duration_nsec: o.parse("duration_nsec", u32_)?.unwrap_or(0),
        packet_count: o.parse("packet_count", u64_)?.unwrap_or(0),
        byte_count: o.parse("byte_count", u64_)?.unwrap_or(0),
        match_: read_match(&mut o)?,
        instructions: read_instructions(&mut o)?.unwrap_or_default(),
    };
    o.finish()?;
    Ok(fs)
}
