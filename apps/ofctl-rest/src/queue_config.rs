//! 1.3 QUEUE_GET_CONFIG_REPLY → Ryu's `get_queue_config` JSON.

use openflow::v13::QueueProp;
use openflow::Message;
use serde_json::{json, Value};

use crate::render::port_value;

fn property(p: &QueueProp) -> Value {
    match p {
        QueueProp::MinRate(r) => json!({"property": "MIN_RATE", "rate": r}),
        QueueProp::MaxRate(r) => json!({"property": "MAX_RATE", "rate": r}),
        QueueProp::Experimenter { experimenter, data } => json!({
            "property": "EXPERIMENTER", "experimenter": experimenter,
            "data": data.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        }),
        QueueProp::Unknown { .. } => json!({"property": "UNKNOWN"}),
    }
}

/// `queueconfig`: `[{"port", "queues": [{"port", "queue_id", "properties"}]}]`.
pub fn queue_config(parts: &[Message]) -> Value {
    let list: Vec<Value> = parts
        .iter()
        .filter_map(|m| match m {
            Message::V13(openflow::v13::Message::QueueGetConfigReply(r)) => Some(r),
            _ => None,
        })
        .map(|r| {
            let queues: Vec<Value> = r
                .queues
                .iter()
                .map(|q| {
                    let props: Vec<Value> = q.properties.iter().map(property).collect();
                    json!({"port": port_value(q.port), "queue_id": q.queue_id, "properties": props})
                })
                .collect();
            json!({"port": port_value(r.port), "queues": queues})
        })
        .collect();
    Value::Array(list)
}
