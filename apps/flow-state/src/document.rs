//! The flow-state document (docs/src/flow-state.md "The document"):
//!
//! ```json
//! {"format": "viola.flow-state/1", "taken_at": "2026-11-22T06:43:10.000Z",
//!  "switches": [{"dpid": "0000000000000001", "version": "1.3",
//!                "taken_at": "2026-11-22T06:43:10.000Z",
//!                "flows": [{"table_id": 0, "priority": 100, "cookie": 7,
//!                           "idle_timeout": 0, "hard_timeout": 0, "flags": 1,
//!                           "match": {"in_port": 1},
//!                           "instructions": [{"type": "APPLY_ACTIONS",
//!                                             "actions": [{"type": "OUTPUT", "port": 2}]}]}]}]}
//! ```
//!
//! Flows use the framework's lossless JSON form (`viola_framework::ofjson`). Reading is
//! strict: the `format` is checked first (a foreign file is refused whatever else it holds),
//! unknown keys are refused, and every error is one line naming the switch, the flow and
//! the field.

use openflow::Version;
use serde::Deserialize as _;
use serde_json::{json, Map, Value};
use viola_framework::Dpid;

use crate::error::DocError;
use crate::flow::{kind, SavedFlow};
use crate::timestamp;

/// The `format` this build writes and reads.
pub const FORMAT: &str = "viola.flow-state/1";

/// The flow tables of one switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchFlows {
    pub dpid: Dpid,
    /// Version the switch spoke when the tables were read.
    pub version: Version,
    /// RFC 3339.
    pub taken_at: String,
    pub flows: Vec<SavedFlow>,
}

/// A whole flow-state document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStateDoc {
    /// RFC 3339.
    pub taken_at: String,
    pub switches: Vec<SwitchFlows>,
}

impl FlowStateDoc {
    /// Reads a document from its text.
    pub fn parse(text: &str) -> Result<FlowStateDoc, DocError> {
        let v: Value = serde_json::from_str(text).map_err(|e| DocError::Syntax(e.to_string()))?;
        Self::from_value(&v)
    }

    /// Reads a document from parsed JSON.
    pub fn from_value(v: &Value) -> Result<FlowStateDoc, DocError> {
        let o = v.as_object().ok_or_else(|| {
            DocError::Format(format!(
                "not a Viola flow-state document: expected a JSON object, got {}",
                kind(v)
            ))
        })?;
        check_format(o)?;
        only_keys(o, "", &["format", "taken_at", "switches"])?;
        let taken_at = time_field(o, "", "taken_at")?;
        let list = o
            .get("switches")
            .ok_or_else(|| DocError::invalid("switches", "missing"))?
            .as_array()
            .ok_or_else(|| DocError::invalid("switches", "expected an array"))?;
        let mut switches: Vec<SwitchFlows> = Vec::with_capacity(list.len());
        for (i, s) in list.iter().enumerate() {
            let sw = switch_from_value(i, s)?;
            if let Some(j) = switches.iter().position(|x| x.dpid == sw.dpid) {
                return Err(DocError::invalid(
                    format!("switches[{i}].dpid"),
                    format!("{} is already switches[{j}]", sw.dpid),
                ));
            }
            switches.push(sw);
        }
        Ok(FlowStateDoc { taken_at, switches })
    }

    /// The JSON form (keys in a readable order).
    pub fn to_value(&self) -> Value {
        json!({
            "format": FORMAT,
            "taken_at": self.taken_at,
            "switches": self.switches.iter().map(SwitchFlows::to_value).collect::<Vec<_>>(),
        })
    }

    /// Pretty-printed JSON, ending with a newline (what `viola flows save` writes).
    pub fn to_string_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Flows over all switches.
    pub fn flow_count(&self) -> usize {
        self.switches.iter().map(|s| s.flows.len()).sum()
    }

    pub fn switch(&self, dpid: Dpid) -> Option<&SwitchFlows> {
        self.switches.iter().find(|s| s.dpid == dpid)
    }
}

impl SwitchFlows {
    pub fn to_value(&self) -> Value {
        json!({
            "dpid": self.dpid.to_string(),
            "version": self.version,
            "taken_at": self.taken_at,
            "flows": self.flows.iter().map(SavedFlow::to_json).collect::<Vec<_>>(),
        })
    }

    /// Sorts the flows into a stable, readable order: by table, highest priority first,
    /// then by match (so two saves of the same tables are the same text).
    pub fn sort(&mut self) {
        self.flows.sort_by_cached_key(|f| {
            let (t, p, m) = f.identity();
            (t, std::cmp::Reverse(p), m)
        });
    }
}

fn check_format(o: &Map<String, Value>) -> Result<(), DocError> {
    match o.get("format") {
        Some(Value::String(f)) if f == FORMAT => Ok(()),
        Some(Value::String(f)) => Err(DocError::Format(format!(
            "unknown format \"{f}\": this Viola reads \"{FORMAT}\""
        ))),
        Some(other) => Err(DocError::Format(format!(
            "\"format\" must be the string \"{FORMAT}\", got {}",
            kind(other)
        ))),
        None => Err(DocError::Format(format!(
            "not a Viola flow-state document: no \"format\" (expected \"{FORMAT}\")"
        ))),
    }
}

fn only_keys(o: &Map<String, Value>, at: &str, known: &[&str]) -> Result<(), DocError> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(DocError::invalid(
            format!("{at}{k}"),
            format!("unknown key (expected {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

fn time_field(o: &Map<String, Value>, at: &str, key: &str) -> Result<String, DocError> {
    let path = format!("{at}{key}");
    match o.get(key) {
        Some(Value::String(s)) => timestamp::check(s)
            .map(|()| s.clone())
            .map_err(|e| DocError::invalid(path, e)),
        Some(v) => Err(DocError::invalid(
            path,
            format!("expected an RFC 3339 string, got {}", kind(v)),
        )),
        None => Err(DocError::invalid(path, "missing")),
    }
}

fn switch_from_value(i: usize, v: &Value) -> Result<SwitchFlows, DocError> {
    let at = format!("switches[{i}]");
    let o = v
        .as_object()
        .ok_or_else(|| DocError::invalid(&at, format!("expected an object, got {}", kind(v))))?;
    let dpid = match o.get("dpid") {
        Some(v) => Dpid::deserialize(v).ok(),
        None => return Err(DocError::invalid(format!("{at}.dpid"), "missing")),
    }
    .ok_or_else(|| {
        DocError::invalid(
            format!("{at}.dpid"),
            "expected 16 hex digits (or a decimal number)",
        )
    })?;
    // From here on errors name the switch too.
    let at = format!("{at} (dpid {})", dpid);
    only_keys(
        o,
        &format!("{at} "),
        &["dpid", "version", "taken_at", "flows"],
    )?;
    let version = match o.get("version") {
        Some(Value::String(s)) => match s.as_str() {
            "1.0" => Version::V1_0,
            "1.3" => Version::V1_3,
            other => {
                return Err(DocError::invalid(
                    format!("{at} version"),
                    format!("\"{other}\" is not an OpenFlow version Viola speaks (1.0 or 1.3)"),
                ))
            }
        },
        Some(v) => {
            return Err(DocError::invalid(
                format!("{at} version"),
                format!("expected \"1.0\" or \"1.3\", got {}", kind(v)),
            ))
        }
        None => return Err(DocError::invalid(format!("{at} version"), "missing")),
    };
    let taken_at = time_field(o, &format!("{at} "), "taken_at")?;
    let list = match o.get("flows") {
        Some(Value::Array(a)) => a,
        Some(v) => {
            return Err(DocError::invalid(
                format!("{at} flows"),
                format!("expected an array, got {}", kind(v)),
            ))
        }
        None => return Err(DocError::invalid(format!("{at} flows"), "missing")),
    };
    let flows = list
        .iter()
        .enumerate()
        .map(|(j, f)| {
            SavedFlow::from_json(f).map_err(|e| {
                let e = e.within_index(j);
                DocError::invalid(format!("{at} flows{}", e.path), e.reason)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SwitchFlows {
        dpid,
        version,
        taken_at,
        flows,
    })
}

impl serde::Serialize for FlowStateDoc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for FlowStateDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        FlowStateDoc::from_value(&v).map_err(serde::de::Error::custom)
    }
}
