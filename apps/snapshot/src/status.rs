//! JSON views of services (`GET /api/v1/snapshot[/{service}]`).

use serde_json::{json, Value};

use crate::model::ServiceState;

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Everything about one service.
pub fn service_json(s: &ServiceState) -> Value {
    let (packets, bytes) = s.buffered();
    let vms: Vec<Value> = s
        .vms()
        .iter()
        .map(|v| {
            json!({
                "name": v.spec.name,
                "mac": v.spec.mac.to_string(),
                "ip": v.spec.ip.map(|ip| ip.to_string()),
                "dpid": v.spec.dpid.to_string(),
                "port": v.spec.port,
                "epoch": v.epoch,
                "state": if v.epoch < s.epoch { "pre" } else { "post" },
                "buffered_packets": v.buffer.len(),
                "buffered_bytes": v.bytes,
                "pair_rules": v.pairs.len(),
                "last_advance_ms": v.last_advance.map(ms),
            })
        })
        .collect();
    json!({
        "name": s.name,
        "status": s.status,
        "epoch": s.epoch,
        "policy": s.policy,
        "auto_reinject": s.auto_reinject,
        "limits": s.limits,
        "buffered_packets": packets,
        "buffered_bytes": bytes,
        "counts": s.counters,
        "timings": {
            "epoch_to_complete_ms": s.last_complete.map(ms),
            "advance_ms": s.vms().iter().map(|v| (v.spec.name.clone(), json!(v.last_advance.map(ms)))).collect::<serde_json::Map<_, _>>(),
        },
        "vms": vms,
    })
}

/// One line per service, for the list.
pub fn summary_json(s: &ServiceState) -> Value {
    let (packets, bytes) = s.buffered();
    json!({
        "name": s.name,
        "status": s.status,
        "epoch": s.epoch,
        "policy": s.policy,
        "vms": s.vms().len(),
        "buffered_packets": packets,
        "buffered_bytes": bytes,
    })
}
