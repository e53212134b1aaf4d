//! The readable, lossless JSON form of the neutral OpenFlow types, used by the REST API and
//! by the flow-state file.
//!
//! Names follow Ryu's `ofctl_rest` (OpenFlow 1.3) and the OXM field names, so existing
//! scripts port: a match is an object such as
//! `{"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.0.0.0/255.0.0.0"}`, an action is
//! `{"type": "OUTPUT", "port": 2}`, an instruction `{"type": "GOTO_TABLE", "table_id": 1}`.
//! The exact grammar is in `docs/src/rest.md`.
//!
//! Every conversion is lossless: `from_json(&to_json(x)) == x` for every value whose match
//! lists its fields in an order that satisfies the OXM prerequisites (which is what switches
//! send). Inputs whose fields violate that order (e.g. `ipv4_dst` written before `eth_type`)
//! are put into canonical (OXM field code) order. Errors name the offending field, e.g.
//! `match.ipv4_dst: "10.0.0.300" is not an IPv4 address`.
//!
//! ```
//! use viola_framework::ofjson::OfJsonValue;
//! use openflow::{Action, FlowMod, Match};
//! let body = serde_json::json!({
//!     "table_id": 0, "priority": 321, "cookie": 7,
//!     "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"},
//!     "actions": [{"type": "OUTPUT", "port": 2}]});
//! let fm = FlowMod::from_json(&body).unwrap();
//! assert_eq!(fm, FlowMod::add(Match::new().in_port(1).eth_type(0x0800)
//!         .ipv4_dst("10.9.9.9".parse().unwrap()))
//!     .priority(321).cookie(7).actions(vec![Action::output(2)]));
//! assert_eq!(FlowMod::from_json(&fm.to_json()).unwrap(), fm);
//! ```

mod action;
mod error;
mod flow;
mod instruction;
mod matches;
mod oxm;
mod scalar;
#[cfg(test)]
mod tests;

pub use action::{action_from_json, action_to_json};
pub use error::OfJsonError;
pub use flow::{flow_mod_from_json, flow_mod_to_json, flow_stats_from_json, flow_stats_to_json};
pub use instruction::{instruction_from_json, instruction_to_json, instructions_from_actions_list};
pub use matches::{match_from_json, match_to_json};
pub use oxm::{field_from_json, field_to_json, OTHER_KEY};
pub use scalar::{port_from_json, port_to_json};

use openflow::{Action, FlowMod, FlowModCommand, FlowStats, Instruction, Match, OxmField};
use serde_json::Value;

/// A neutral OpenFlow value with a JSON form.
pub trait OfJsonValue: Sized {
    /// The JSON form.
    fn to_json(&self) -> Value;
    /// Parses the JSON form; the error names the offending field.
    fn from_json(v: &Value) -> Result<Self, OfJsonError>;
}

impl OfJsonValue for Match {
    fn to_json(&self) -> Value {
        match_to_json(self)
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        match_from_json(v)
    }
}

impl OfJsonValue for OxmField {
    /// `{"field": NAME, "value": VALUE}`, the form SET_FIELD uses.
    fn to_json(&self) -> Value {
        oxm::set_field_to_json(self)
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        oxm::set_field_from_json(v)
    }
}

impl OfJsonValue for Action {
    fn to_json(&self) -> Value {
        action_to_json(self)
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        action_from_json(v)
    }
}

impl OfJsonValue for Instruction {
    fn to_json(&self) -> Value {
        instruction_to_json(self)
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        instruction_from_json(v)
    }
}

impl OfJsonValue for FlowMod {
    fn to_json(&self) -> Value {
        flow_mod_to_json(self)
    }
    /// A missing `command` means `add`.
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        flow_mod_from_json(v, FlowModCommand::Add)
    }
}

impl OfJsonValue for FlowStats {
    fn to_json(&self) -> Value {
        flow_stats_to_json(self)
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        flow_stats_from_json(v)
    }
}

impl<T: OfJsonValue> OfJsonValue for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(T::to_json).collect())
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        let items = v
            .as_array()
            .ok_or_else(|| OfJsonError::new("", format!("expected an array, got {}", kind(v))))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| T::from_json(x).map_err(|e| e.within_index(i)))
            .collect()
    }
}

impl<T: OfJsonValue> OfJsonValue for Option<T> {
    fn to_json(&self) -> Value {
        match self {
            Some(x) => x.to_json(),
            None => Value::Null,
        }
    }
    fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

/// A wrapper giving any [`OfJsonValue`] serde's `Serialize`/`Deserialize`, e.g. to embed
/// flows in a document: `flows: Vec<OfJson<FlowStats>>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfJson<T>(pub T);

impl<T: OfJsonValue> serde::Serialize for OfJson<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.to_json().serialize(s)
    }
}

impl<'de, T: OfJsonValue> serde::Deserialize<'de> for OfJson<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        T::from_json(&v)
            .map(OfJson)
            .map_err(serde::de::Error::custom)
    }
}

/// For `#[serde(with = "viola_framework::ofjson::with")]` on a field whose type implements
/// [`OfJsonValue`] (e.g. `Match`, `Vec<FlowStats>`).
pub mod with {
    use super::OfJsonValue;
    use serde::{Deserialize, Serialize};

    pub fn serialize<T: OfJsonValue, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.to_json().serialize(s)
    }

    pub fn deserialize<'de, T: OfJsonValue, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        T::from_json(&v).map_err(serde::de::Error::custom)
    }
}

/// A short description of a JSON value's kind, for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
