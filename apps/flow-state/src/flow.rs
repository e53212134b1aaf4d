//! [`SavedFlow`]: one flow of a flow-state document — what a switch needs to reinstall it
//! (no counters, no durations) — and its normalised form for comparisons.

use openflow::{FlowMod, FlowStats, Instruction, Match};
use serde_json::{json, Map, Value};
use viola_framework::ofjson::{
    flow_stats_from_json, instruction_to_json, match_to_json, OfJsonError,
};

/// Keys a flow must have.
const REQUIRED: [&str; 4] = ["table_id", "priority", "match", "instructions"];
/// Keys a flow may have (the required ones, then those defaulting to 0).
const KNOWN: [&str; 8] = [
    "table_id",
    "priority",
    "cookie",
    "idle_timeout",
    "hard_timeout",
    "flags",
    "match",
    "instructions",
];
/// Counters of a flow-stats entry: accepted (so a `GET /switches/{dpid}/flows` entry can be
/// pasted in) and ignored.
const COUNTERS: [&str; 4] = [
    "duration_sec",
    "duration_nsec",
    "packet_count",
    "byte_count",
];

/// One flow as a flow-state document keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFlow {
    pub table_id: u8,
    pub priority: u16,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub flags: u16,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
}

impl SavedFlow {
    /// The flow of a flow-stats entry (counters and durations dropped).
    pub fn from_stats(fs: &FlowStats) -> Self {
        SavedFlow {
            table_id: fs.table_id,
            priority: fs.priority,
            cookie: fs.cookie,
            idle_timeout: fs.idle_timeout,
            hard_timeout: fs.hard_timeout,
            flags: fs.flags,
            match_: fs.match_.clone(),
            instructions: fs.instructions.clone(),
        }
    }

    /// The FLOW_MOD (ADD) that installs this flow.
    pub fn to_flow_mod(&self) -> FlowMod {
        FlowMod::add(self.match_.clone())
            .table(self.table_id)
            .priority(self.priority)
            .cookie(self.cookie)
            .idle_timeout(self.idle_timeout)
            .hard_timeout(self.hard_timeout)
            .flags(self.flags)
            .instructions(self.instructions.clone())
    }

    /// `{table_id, priority, cookie, idle_timeout, hard_timeout, flags, match,
    /// instructions}` in the framework's lossless JSON form (`ofjson`).
    pub fn to_json(&self) -> Value {
        json!({
            "table_id": self.table_id,
            "priority": self.priority,
            "cookie": self.cookie,
            "idle_timeout": self.idle_timeout,
            "hard_timeout": self.hard_timeout,
            "flags": self.flags,
            "match": match_to_json(&self.match_),
            "instructions": Value::Array(self.instructions.iter().map(instruction_to_json).collect()),
        })
    }

    /// Parses [`SavedFlow::to_json`]'s form. `table_id`, `priority`, `match` and
    /// `instructions` are required (a restore must not guess them); `cookie`, timeouts and
    /// `flags` default to 0; flow-stats counters are ignored; other keys are refused.
    pub fn from_json(v: &Value) -> Result<Self, OfJsonError> {
        let o = v.as_object().ok_or_else(|| {
            OfJsonError::new("", format!("a flow must be an object, got {}", kind(v)))
        })?;
        check_keys(o)?;
        let fs = flow_stats_from_json(v)?;
        Ok(SavedFlow::from_stats(&fs))
    }

    /// The form two flows are compared in: match fields in OXM-id order, instructions in
    /// the order the switch executes them (OpenFlow 1.3 §5.9), empty action lists dropped
    /// (an empty apply/write-actions does nothing, and 1.0 always reports one).
    pub fn normalised(&self) -> SavedFlow {
        let mut fields = self.match_.fields().to_vec();
        fields.sort_by_key(|f| f.id());
        let mut instructions: Vec<Instruction> = self
            .instructions
            .iter()
            .filter(|i| {
                !matches!(i, Instruction::ApplyActions(a) | Instruction::WriteActions(a) if a.is_empty())
            })
            .cloned()
            .collect();
        instructions.sort_by_key(execution_rank);
        SavedFlow {
            match_: Match::from_fields(fields),
            instructions,
            ..self.clone()
        }
    }

    /// What identifies a flow in a table: table, priority and (normalised) match. Two
    /// flows with the same identity cannot coexist; an ADD of one replaces the other.
    pub fn identity(&self) -> (u8, u16, String) {
        let n = self.normalised();
        (n.table_id, n.priority, match_to_json(&n.match_).to_string())
    }

    /// One line for humans: `table=0 priority=100 cookie=0x7 idle=0 hard=0 flags=0x1
    /// match={…} instructions=[…]`.
    pub fn one_line(&self) -> String {
        let i = Value::Array(self.instructions.iter().map(instruction_to_json).collect());
        format!(
            "table={} priority={} cookie={:#x} idle={} hard={} flags={:#x} match={} instructions={}",
            self.table_id,
            self.priority,
            self.cookie,
            self.idle_timeout,
            self.hard_timeout,
            self.flags,
            match_to_json(&self.match_),
            i
        )
    }
}

/// OpenFlow 1.3 executes instructions in this order whatever the list says.
fn execution_rank(i: &Instruction) -> u32 {
    match i {
        Instruction::Meter(_) => 0,
        Instruction::ApplyActions(_) => 1,
        Instruction::ClearActions => 2,
        Instruction::WriteActions(_) => 3,
        Instruction::WriteMetadata { .. } => 4,
        Instruction::GotoTable(_) => 5,
        Instruction::Experimenter { .. } => 6,
        Instruction::Unknown {
            instruction_type, ..
        } => 7 + u32::from(*instruction_type),
    }
}

fn check_keys(o: &Map<String, Value>) -> Result<(), OfJsonError> {
    for k in REQUIRED {
        if !o.contains_key(k) {
            return Err(OfJsonError::new(k, "missing"));
        }
    }
    for k in o.keys() {
        if !KNOWN.contains(&k.as_str()) && !COUNTERS.contains(&k.as_str()) {
            return Err(OfJsonError::new(
                k.as_str(),
                format!("unknown key (a flow has {})", KNOWN.join(", ")),
            ));
        }
    }
    if let Some(v) = o.get("instructions").filter(|v| !v.is_array()) {
        return Err(OfJsonError::new(
            "instructions",
            format!("expected an array, got {}", kind(v)),
        ));
    }
    Ok(())
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

impl serde::Serialize for SavedFlow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SavedFlow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        SavedFlow::from_json(&v).map_err(serde::de::Error::custom)
    }
}
