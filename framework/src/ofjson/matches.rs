//! A [`Match`] ↔ a JSON object whose keys are field names in match order.

use openflow::oxm::{MatchError, CLASS_OPENFLOW_BASIC};
use openflow::{Match, OxmField};
use serde_json::{Map, Value};

use super::oxm::{basic_from_json, field_to_json, other_from_json, OTHER_KEY};
use super::{kind, OfJsonError};

/// The JSON object of a match. Fields of other classes go, in order, into one
/// [`OTHER_KEY`] list placed where the first of them is.
pub fn match_to_json(m: &Match) -> Value {
    let mut map = Map::new();
    for f in m.fields() {
        let (name, value) = field_to_json(f);
        if name == OTHER_KEY {
            if let Some(Value::Array(list)) = map.get_mut(OTHER_KEY) {
                list.push(value);
                continue;
            }
            map.insert(name.to_string(), Value::Array(vec![value]));
        } else {
            map.insert(name.to_string(), value);
        }
    }
    Value::Object(map)
}

/// Parses a match object. Keys are OXM names or OpenFlow 1.0 / Ryu aliases (`dl_src`,
/// `dl_dst`, `dl_type`, `dl_vlan`, `dl_vlan_pcp`, `nw_src`, `nw_dst`, `nw_proto`,
/// `tp_src`, `tp_dst`). Fields keep the object's order unless that order breaks an OXM
/// prerequisite, in which case they are sorted by OXM field code.
pub fn match_from_json(v: &Value) -> Result<Match, OfJsonError> {
    let map = match v {
        Value::Object(map) => map,
        Value::Null => return Ok(Match::new()),
        other => {
            return Err(OfJsonError::new(
                "",
                format!("expected an object, got {}", kind(other)),
            ))
        }
    };
    // tp_src/tp_dst depend on ip_proto, wherever it is written.
    let ip_proto = ["ip_proto", "nw_proto"]
        .iter()
        .find_map(|k| map.get(*k))
        .and_then(|v| super::scalar::u8_(v).ok());
    let mut fields: Vec<OxmField> = Vec::with_capacity(map.len());
    let mut names: Vec<&str> = Vec::with_capacity(map.len());
    for (name, value) in map {
        if name == OTHER_KEY {
            let list = value.as_array().ok_or_else(|| {
                OfJsonError::new(OTHER_KEY, format!("expected an array, got {}", kind(value)))
            })?;
            for (i, x) in list.iter().enumerate() {
                let f = other_from_json(x).map_err(|e| e.within_index(i).within(OTHER_KEY))?;
                push_unique(&mut fields, &mut names, f, OTHER_KEY)?;
            }
            continue;
        }
        match basic_from_json(name, value, ip_proto) {
            Ok(Some(f)) => push_unique(&mut fields, &mut names, f, name)?,
            Ok(None) => return Err(OfJsonError::new(name.as_str(), "unknown match field")),
            Err(r) => return Err(OfJsonError::new(name.as_str(), r)),
        }
    }
    let m = Match::from_fields(fields.iter().cloned());
    if let Err(MatchError::Prerequisite { .. }) = m.validate() {
        fields.sort_by_key(canonical_key);
        return Ok(Match::from_fields(fields));
    }
    Ok(m)
}

fn push_unique<'a>(
    fields: &mut Vec<OxmField>,
    names: &mut Vec<&'a str>,
    f: OxmField,
    name: &'a str,
) -> Result<(), OfJsonError> {
    if let Some(i) = fields.iter().position(|g| g.id() == f.id()) {
        let other = names.get(i).copied().unwrap_or(name);
        let reason = if other == name {
            "given twice".to_string()
        } else {
            format!("given twice (also as {other})")
        };
        return Err(OfJsonError::new(name, reason));
    }
    fields.push(f);
    names.push(name);
    Ok(())
}

/// Basic fields by OXM field code (which puts every prerequisite first), then the others.
fn canonical_key(f: &OxmField) -> (u8, u8) {
    match (f, f.id()) {
        (OxmField::Other { .. }, _) => (1, 0),
        (_, (CLASS_OPENFLOW_BASIC, code)) => (0, code),
        _ => (1, 0),
    }
}
