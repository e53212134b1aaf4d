//! The human-readable reports of `viola tc` (`--json` prints the documents instead).

use serde_json::Value;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use viola_orchestrator::tc::ops::UpReport;
use viola_orchestrator::tc::{RestoreReport, SnapshotRecord};

/// `7 ms`, or `n/a` when the figure is unknown.
fn opt_ms(v: Option<i64>) -> String {
    v.map_or_else(|| "n/a".into(), |n| format!("{n} ms"))
}

/// A JSON value as a line of text: strings without quotes.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn age(unix_s: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let s = now.saturating_sub(unix_s);
    match s {
        0..=119 => format!("{s} s ago"),
        120..=7199 => format!("{} min ago", s / 60),
        7200..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// The controller's answer to a registration, in one line.
fn registration(v: &Value) -> String {
    match v.get("name") {
        Some(name) => {
            let gates: Vec<String> = v["gate_installed_on"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default();
            format!(
                "registered {} (gate installed on {})",
                text(name),
                if gates.is_empty() {
                    "no switch yet".into()
                } else {
                    gates.join(", ")
                }
            )
        }
        None => text(v),
    }
}

pub fn up(r: &UpReport) {
    println!("controller: {}", registration(&r.registration));
    for v in &r.vms {
        let pid = v.pid.map_or_else(|| "-".into(), |p| p.to_string());
        println!(
            "{}: {} (pid {pid}, {}) serial {}",
            v.vm, v.status, v.accel, v.serial_log
        );
    }
}

pub fn record(rec: &SnapshotRecord, path: &Path) {
    let t = &rec.timings;
    let epoch = rec
        .epoch
        .map_or_else(|| "no controller".into(), |e| format!("epoch {e}"));
    let mode = serde_json::to_value(rec.mode)
        .ok()
        .map(|m| text(&m))
        .unwrap_or_default();
    println!(
        "snapshot {} of {} ({epoch}, {mode})",
        rec.snapshot_id, rec.service
    );
    println!(
        "  prepare {} ms | flows {} ms | epoch {} ms | snapshot {} ms (pause skew {} ms) | commit {} ms | total {} ms",
        t.prepare_ms, t.flows_ms, t.epoch_ms, t.snapshot_ms, t.pause_skew_ms, t.commit_ms, t.total_ms
    );
    for (vm, v) in &rec.vms {
        println!(
            "  {vm}: network paused {} ms{}, CPU stopped {} ms (QEMU downtime {}), advance after {} ms, migration {} ms, image {} bytes on {} sha256 {}",
            v.paused_ms,
            if v.egress_held { " (egress held)" } else { "" },
            v.cpu_stopped_ms,
            opt_ms(v.downtime_ms),
            v.advance_ms,
            v.migration_ms,
            v.size,
            v.snapshot_server,
            v.sha256
        );
    }
    println!("  record {}", path.display());
}

pub fn restore(r: &RestoreReport) {
    println!("restored {} at site {}", r.snapshot_id, r.site);
    if !r.registration.is_null() {
        println!("  controller: {}", registration(&r.registration));
    }
    for (vm, server) in &r.placement {
        println!(
            "  {vm} on {server} (image {})",
            r.images.get(vm).map(String::as_str).unwrap_or("?")
        );
    }
    println!(
        "  copy {} ms, flows {} ms, start paused {} ms, resume {} ms, total {} ms",
        r.copy_ms, r.flows_ms, r.start_ms, r.resume_ms, r.total_ms
    );
}

/// `viola tc status` as text: `status` is [`viola_orchestrator::tc::ops::status`]'s
/// document, `snapshots` the catalog (or `{"error": …}`).
pub fn status(status: &Value, snapshots: &Value) {
    println!("service {}", text(&status["service"]));
    println!("VM servers:");
    if let Some(servers) = status["vm_servers"].as_object() {
        for (name, vms) in servers {
            match vms.as_array() {
                Some(list) if list.is_empty() => println!("  {name}: no VM of the service"),
                Some(list) => {
                    let items: Vec<String> = list
                        .iter()
                        .map(|v| {
                            format!(
                                "{} {} (pid {})",
                                text(&v["vm"]),
                                text(&v["status"]),
                                text(&v["pid"])
                            )
                        })
                        .collect();
                    println!("  {name}: {}", items.join(", "));
                }
                None => println!("  {name}: unreachable: {}", text(&vms["error"])),
            }
        }
    }
    println!("snapshot servers:");
    if let Some(servers) = status["snapshot_servers"].as_object() {
        for (name, s) in servers {
            match s["committed"].as_array() {
                Some(c) => println!(
                    "  {name}: {} committed, {} pending",
                    c.len(),
                    s["pending"].as_array().map_or(0, Vec::len)
                ),
                None => println!("  {name}: unreachable: {}", text(&s["error"])),
            }
        }
    }
    println!("snapshots (newest first):");
    match snapshots.as_array() {
        Some(list) if list.is_empty() => println!("  none"),
        Some(list) => {
            for e in list {
                let parts: Vec<String> = e["parts"]
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(s, ok)| {
                                if ok.as_bool() == Some(true) {
                                    s.clone()
                                } else {
                                    format!("{s} (missing)")
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                println!(
                    "  {}  {}  {}  on {}{}",
                    text(&e["snapshot_id"]),
                    age(e["started_at"].as_u64().unwrap_or(0)),
                    if e["complete"].as_bool() == Some(true) {
                        "restorable"
                    } else {
                        "INCOMPLETE"
                    },
                    parts.join(", "),
                    match e["copies"].as_array().map(Vec::len) {
                        Some(n) if n > 0 => format!(" (+{n} restore copies)"),
                        _ => String::new(),
                    }
                );
            }
        }
        None => println!("  unknown: {}", text(&snapshots["error"])),
    }
    let ctl = &status["controller"];
    if ctl.is_null() {
        println!("controller: none configured");
    } else if let Some(e) = ctl.get("error") {
        println!("controller: {}", text(e));
    } else {
        let vms: Vec<String> = ctl["vms"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        format!(
                            "{} at {} port {}",
                            text(&v["name"]),
                            text(&v["dpid"]),
                            text(&v["port"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "controller: {} epoch {}, {}",
            text(&ctl["status"]),
            text(&ctl["epoch"]),
            vms.join("; ")
        );
    }
}
