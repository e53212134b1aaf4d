//! JSON from REST clients: flow entries (ofctl_rest-like) and flow-state documents.

use openflow::FlowModCommand;
use serde_json::Value;
use viola_flow_state::FlowStateDoc;
use viola_framework::ofjson::{
    action_from_json, flow_mod_from_json, flow_mod_to_json, flow_stats_from_json,
    instruction_from_json, match_from_json, match_to_json,
};

/// Whatever JSON a client sends: parsing never panics, and what parses writes back to JSON
/// that parses to the same value.
pub fn json(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for cmd in [
        FlowModCommand::Add,
        FlowModCommand::Delete,
        FlowModCommand::DeleteStrict,
    ] {
        if let Ok(fm) = flow_mod_from_json(&v, cmd) {
            let back = flow_mod_to_json(&fm);
            let again = flow_mod_from_json(&back, cmd);
            assert_eq!(
                again.as_ref().ok(),
                Some(&fm),
                "flow entry round trip: {back}"
            );
        }
    }
    if let Ok(m) = match_from_json(v.get("match").unwrap_or(&v)) {
        let again = match_from_json(&match_to_json(&m));
        assert_eq!(again.as_ref().ok(), Some(&m), "match round trip");
    }
    for a in v
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = action_from_json(a);
        let _ = instruction_from_json(a);
    }
    let _ = flow_stats_from_json(&v);
    if let Ok(doc) = FlowStateDoc::from_value(&v) {
        let again = FlowStateDoc::from_value(&doc.to_value());
        assert_eq!(
            again.as_ref().ok(),
            Some(&doc),
            "flow-state document round trip"
        );
    }
}
