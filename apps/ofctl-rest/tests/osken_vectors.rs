//! Reply shapes checked against os-ken's own `ofctl_v1_0`/`ofctl_v1_3` conversions, run on
//! the same Open vSwitch replies: each `tests/osken/vectors/*.json` holds the frames OVS sent
//! for one route and version (captured by `system-tests/tests/ofctl_rest_ovs.rs`) and what
//! os-ken made of them (`tests/osken/expected.py`); this crate's conversion of the same
//! frames must equal it field by field.

use std::path::Path;

use bytes::Bytes;
use openflow::{Message, Version};
use serde_json::Value;
use viola_ofctl_rest::stats;

/// Where two JSON values first differ (`$[0].match.nw_dst`), if they do.
fn first_difference(path: &str, ours: &Value, theirs: &Value) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) => first_difference(&format!("{path}.{k}"), x, y),
                (x, y) => Some(format!("{path}.{k}: ours {x:?}, os-ken {y:?}")),
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(&format!("{path}[{i}]"), x, y)),
        _ if ours == theirs => None,
        _ => Some(format!("{path}: ours {ours}, os-ken {theirs}")),
    }
}

fn ours(v: Version, route: &str, parts: &[Message]) -> Value {
    match route {
        "desc" => stats::desc(parts),
        "flow" => stats::flows(v, parts, None),
        "table" => stats::tables(v, parts),
        "port" => stats::ports(parts),
        "portdesc" => stats::port_descs(v, &stats::port_desc_list(parts), None),
        "group" => stats::groups(parts),
        "groupdesc" => stats::group_descs(parts, None),
        "meter" => stats::meters(parts),
        "meterconfig" => stats::meter_configs(parts),
        other => panic!("no conversion for route {other}"),
    }
}

#[test]
fn every_route_answers_what_os_ken_answers_for_the_same_ovs_replies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/osken/vectors");
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the vectors directory") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a vector");
        let vector: Value = serde_json::from_str(&text).expect("JSON");
        let v = match vector["version"].as_str() {
            Some("1.0") => Version::V1_0,
            Some("1.3") => Version::V1_3,
            other => panic!("{}: version {other:?}", path.display()),
        };
        let parts: Vec<Message> = vector["frames"]
            .as_array()
            .expect("frames")
            .iter()
            .map(|h| {
                let bytes = hex::decode(h.as_str().expect("a hex string")).expect("hex");
                Message::decode(&Bytes::from(bytes))
                    .expect("a frame OVS sent")
                    .1
            })
            .collect();
        let route = vector["route"].as_str().expect("route");
        let expected = &vector["osken"];
        assert!(
            !expected.is_null(),
            "{}: run expected.py on it",
            path.display()
        );
        if let Some(diff) = first_difference("$", &ours(v, route, &parts), expected) {
            panic!("{} ({v} {route}): {diff}", path.display());
        }
        checked.push(format!("{v}-{route}"));
    }
    checked.sort();
    assert_eq!(
        checked,
        [
            "1.0-desc",
            "1.0-flow",
            "1.0-port",
            "1.0-table",
            "1.3-desc",
            "1.3-flow",
            "1.3-group",
            "1.3-groupdesc",
            "1.3-meter",
            "1.3-meterconfig",
            "1.3-port",
            "1.3-portdesc",
            "1.3-table"
        ]
    );
}
