//! The body and query of `POST /api/v1/flows/state` and `POST /api/v1/flows/state/diff`.
//!
//! The body is either a flow-state document, or an object
//! `{"document": DOC, "map": …, "mode": "replace"|"merge", "batch": N}` where `map` is a
//! list of `"OLD=NEW"` strings, one such string, or an object `{"OLD": "NEW"}`. The query
//! may carry the same options: `?map=OLD=NEW&map=…&mode=merge&batch=N` (`map` repeatable or
//! comma-separated). Maps from both places are combined; a mode or batch given in both
//! places must agree.

use serde_json::Value;

use crate::document::FlowStateDoc;
use crate::error::{DocError, MapError};
use crate::flow::kind;
use crate::mapping::DpidMap;
use crate::restore::Mode;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct StateRequest {
    pub document: FlowStateDoc,
    pub map: DpidMap,
    pub mode: Option<Mode>,
    pub batch: Option<usize>,
}

/// Why a request is refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Doc(#[from] DocError),
    #[error("{0}")]
    Map(#[from] MapError),
    #[error("{0}")]
    Option(String),
}

#[derive(Default)]
struct Options {
    map: Vec<String>,
    mode: Option<Mode>,
    batch: Option<usize>,
}

/// Parses the query string (without `?`) and the JSON body.
pub fn parse(query: Option<&str>, body: &Value) -> Result<StateRequest, RequestError> {
    let q = query_options(query.unwrap_or(""))?;
    let (doc_value, b) = match body {
        Value::Null => {
            return Err(RequestError::Option(
                "missing request body: a flow-state document".into(),
            ))
        }
        Value::Object(o) if o.contains_key("document") => {
            (o.get("document").unwrap_or(&Value::Null), body_options(o)?)
        }
        v => (v, Options::default()),
    };
    let document = FlowStateDoc::from_value(doc_value)?;
    let mut maps = q.map;
    maps.extend(b.map);
    let map = DpidMap::parse(&maps)?;
    let mode = agree("mode", q.mode, b.mode)?;
    let batch = agree("batch", q.batch, b.batch)?;
    Ok(StateRequest {
        document,
        map,
        mode,
        batch,
    })
}

fn agree<T: PartialEq + std::fmt::Debug>(
    name: &str,
    a: Option<T>,
    b: Option<T>,
) -> Result<Option<T>, RequestError> {
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(RequestError::Option(format!(
            "{name} is {a:?} in the query but {b:?} in the body"
        ))),
        (Some(a), _) => Ok(Some(a)),
        (None, b) => Ok(b),
    }
}

fn parse_batch(s: &str) -> Result<usize, RequestError> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(RequestError::Option(format!(
            "batch \"{s}\" is not a positive number"
        ))),
    }
}

fn query_options(q: &str) -> Result<Options, RequestError> {
    let mut o = Options::default();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        match k.as_ref() {
            "map" => o.map.push(v.into_owned()),
            "mode" => o.mode = Some(v.parse().map_err(RequestError::Option)?),
            "batch" => o.batch = Some(parse_batch(&v)?),
            other => {
                return Err(RequestError::Option(format!(
                    "unknown query option \"{other}\" (map, mode, batch)"
                )))
            }
        }
    }
    Ok(o)
}

fn body_options(o: &serde_json::Map<String, Value>) -> Result<Options, RequestError> {
    let mut out = Options::default();
    for (k, v) in o {
        match (k.as_str(), v) {
            ("document", _) => {}
            ("map", Value::String(s)) => out.map.push(s.clone()),
            ("map", Value::Array(list)) => {
                for (i, x) in list.iter().enumerate() {
                    let s = x.as_str().ok_or_else(|| {
                        RequestError::Option(format!(
                            "map[{i}]: expected \"OLD=NEW\", got {}",
                            kind(x)
                        ))
                    })?;
                    out.map.push(s.to_string());
                }
            }
            ("map", Value::Object(pairs)) => {
                for (old, new) in pairs {
                    let new = new.as_str().ok_or_else(|| {
                        RequestError::Option(format!(
                            "map.{old}: expected a datapath id string, got {}",
                            kind(new)
                        ))
                    })?;
                    out.map.push(format!("{old}={new}"));
                }
            }
            ("map", Value::Null) => {}
            ("map", other) => {
                return Err(RequestError::Option(format!(
                    "map: expected a list of \"OLD=NEW\", got {}",
                    kind(other)
                )))
            }
            ("mode", Value::String(s)) => out.mode = Some(s.parse().map_err(RequestError::Option)?),
            ("mode", Value::Null) => {}
            ("batch", Value::Number(n)) => out.batch = Some(parse_batch(&n.to_string())?),
            ("batch", Value::Null) => {}
            ("mode" | "batch", other) => {
                return Err(RequestError::Option(format!(
                    "{k}: unexpected {}",
                    kind(other)
                )))
            }
            (other, _) => {
                return Err(RequestError::Option(format!(
                    "unknown key \"{other}\" (document, map, mode, batch)"
                )))
            }
        }
    }
    Ok(out)
}
