//! An [`Instruction`] ↔ `{"type": "GOTO_TABLE", "table_id": 1}`, and Ryu's mixed
//! `"actions"` list (plain actions plus instruction objects).

use openflow::{Action, Instruction};
use serde_json::{json, Value};

use super::action::{action_from_json, action_to_json, type_name};
use super::scalar::*;
use super::{kind, OfJsonError};

fn actions_json(a: &[Action]) -> Value {
    Value::Array(a.iter().map(action_to_json).collect())
}

fn actions_from(v: &Value) -> Result<Vec<Action>, OfJsonError> {
    let list = v
        .as_array()
        .ok_or_else(|| OfJsonError::new("", format!("expected an array, got {}", kind(v))))?;
    list.iter()
        .enumerate()
        .map(|(i, a)| action_from_json(a).map_err(|e| e.within_index(i)))
        .collect()
}

/// The JSON object of an instruction.
pub fn instruction_to_json(i: &Instruction) -> Value {
    use Instruction::*;
    match i {
        GotoTable(t) => json!({"type": "GOTO_TABLE", "table_id": t}),
        WriteMetadata { metadata, mask } => {
            json!({"type": "WRITE_METADATA", "metadata": metadata, "metadata_mask": mask})
        }
        WriteActions(a) => json!({"type": "WRITE_ACTIONS", "actions": actions_json(a)}),
        ApplyActions(a) => json!({"type": "APPLY_ACTIONS", "actions": actions_json(a)}),
        ClearActions => json!({"type": "CLEAR_ACTIONS"}),
        Meter(m) => json!({"type": "METER", "meter_id": m}),
        Experimenter { experimenter, data } => json!({
            "type": "EXPERIMENTER", "experimenter": experimenter, "data_hex": hex::encode(data)
        }),
        Unknown {
            instruction_type,
            data,
        } => json!({
            "type": "UNKNOWN", "instruction_type": instruction_type, "data_hex": hex::encode(data)
        }),
    }
}

/// Parses an instruction object.
pub fn instruction_from_json(v: &Value) -> Result<Instruction, OfJsonError> {
    let t = type_name(v)?;
    instruction_of_type(&t, v)?
        .ok_or_else(|| OfJsonError::new("type", format!("unknown instruction type \"{t}\"")))
}

/// `Ok(None)` when `t` is not an instruction type (it may be an action).
fn instruction_of_type(t: &str, v: &Value) -> Result<Option<Instruction>, OfJsonError> {
    let mut o = Obj::new(v)?;
    o.allow(&["type"]);
    let i = match t {
        "GOTO_TABLE" => Instruction::GotoTable(o.req("table_id", u8_)?),
        "WRITE_METADATA" => Instruction::WriteMetadata {
            metadata: o.req("metadata", u64_)?,
            mask: o.parse("metadata_mask", u64_)?.unwrap_or(u64::MAX),
        },
        "WRITE_ACTIONS" | "APPLY_ACTIONS" => {
            let list = match o.opt("actions") {
                Some(a) => actions_from(a).map_err(|e| e.within("actions"))?,
                None => Vec::new(),
            };
            if t == "WRITE_ACTIONS" {
                Instruction::WriteActions(list)
            } else {
                Instruction::ApplyActions(list)
            }
        }
        "CLEAR_ACTIONS" => Instruction::ClearActions,
        "METER" => Instruction::Meter(o.req("meter_id", u32_)?),
        "EXPERIMENTER" => Instruction::Experimenter {
            experimenter: o.req("experimenter", u32_)?,
            data: o.parse("data_hex", hex_bytes)?.unwrap_or_default(),
        },
        "UNKNOWN" => Instruction::Unknown {
            instruction_type: o.req("instruction_type", u16_)?,
            data: o.parse("data_hex", hex_bytes)?.unwrap_or_default(),
        },
        _ => return Ok(None),
    };
    o.finish()?;
    Ok(Some(i))
}

/// Ryu's `"actions"` list: plain actions (collected into one `APPLY_ACTIONS`, placed where
/// the first of them is) mixed with the instruction objects `GOTO_TABLE`,
/// `WRITE_METADATA`, `WRITE_ACTIONS`, `APPLY_ACTIONS`, `CLEAR_ACTIONS` and `METER`.
/// `EXPERIMENTER` here is an action.
pub fn instructions_from_actions_list(v: &Value) -> Result<Vec<Instruction>, OfJsonError> {
    let list = v
        .as_array()
        .ok_or_else(|| OfJsonError::new("", format!("expected an array, got {}", kind(v))))?;
    let mut out = Vec::new();
    let mut apply: Option<(usize, Vec<Action>)> = None;
    for (i, item) in list.iter().enumerate() {
        let t = type_name(item).map_err(|e| e.within_index(i))?;
        let as_instruction = if t == "EXPERIMENTER" || t == "UNKNOWN" {
            None
        } else {
            instruction_of_type(&t, item).map_err(|e| e.within_index(i))?
        };
        match as_instruction {
            Some(ins) => out.push(ins),
            None => {
                let a = action_from_json(item).map_err(|e| e.within_index(i))?;
                let at = out.len();
                apply.get_or_insert_with(|| (at, Vec::new())).1.push(a);
            }
        }
    }
    if let Some((at, actions)) = apply {
        out.insert(at.min(out.len()), Instruction::ApplyActions(actions));
    }
    Ok(out)
}
