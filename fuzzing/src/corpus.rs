//! Starting inputs: real conversations with Open vSwitch (the codec's golden vectors) and
//! the JSON bodies the docs show. Mutations of realistic inputs get past the first checks
//! far more often than random bytes do.

use std::path::{Path, PathBuf};

/// The golden vectors directory of the `openflow` crate.
fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openflow/tests/golden")
}

/// Each golden capture as one stream (its frames back to back), then each frame alone.
pub fn openflow_frames() -> Vec<Vec<u8>> {
    let mut streams = Vec::new();
    let mut singles = Vec::new();
    let Ok(versions) = std::fs::read_dir(golden_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = versions
        .flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut stream = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            if let Ok(bytes) = hex::decode(line.trim()) {
                stream.extend_from_slice(&bytes);
                singles.push(bytes);
            }
        }
        streams.push(stream);
    }
    streams.extend(singles);
    streams
}

/// Seeds for the connection target: every stream with each mode byte worth trying.
pub fn connection_inputs() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for s in openflow_frames() {
        for mode in [0x00u8, 0x01, 0x03, 0x07, 0x0f, 0xff] {
            let mut v = Vec::with_capacity(s.len() + 1);
            v.push(mode);
            v.extend_from_slice(&s);
            out.push(v);
        }
    }
    out
}

/// REST bodies and a flow-state document, as the docs show them.
pub fn json_bodies() -> Vec<Vec<u8>> {
    [
        r#"{"table_id": 0, "priority": 321, "cookie": 7, "idle_timeout": 0, "hard_timeout": 0,
            "match": {"in_port": 1, "eth_type": 2048, "ipv4_dst": "10.9.9.9"},
            "actions": [{"type": "OUTPUT", "port": 2}]}"#,
        r#"{"match": {"eth_dst": "00:00:00:00:00:01/ff:ff:ff:00:00:00", "vlan_vid": 4096},
            "instructions": [{"type": "APPLY_ACTIONS", "actions": [
                {"type": "SET_FIELD", "field": "ipv4_dst", "value": "10.9.9.9"},
                {"type": "PUSH_VLAN", "ethertype": 33024}, {"type": "GROUP", "group_id": 3}]},
                {"type": "GOTO_TABLE", "table_id": 1}, {"type": "WRITE_METADATA",
                "metadata": 1, "metadata_mask": 255}]}"#,
        r#"{"command": "delete_strict", "priority": 5, "match": {"tcp_dst": 80,
            "ip_proto": 6, "eth_type": 2048}, "out_port": 3}"#,
        r#"{"format": "viola.flow-state/1", "taken_at": "2026-11-22T06:55:26.646Z",
            "switches": [{"dpid": "0000000000000001", "version": "1.3",
            "taken_at": "2026-11-22T06:55:26.647Z", "flows": [{"table_id": 0,
            "priority": 300, "cookie": 12648430, "idle_timeout": 600, "hard_timeout": 3600,
            "flags": 1, "match": {"in_port": 1,
            "eth_dst": "00:00:00:00:00:00/01:00:00:00:00:00", "eth_type": 2048,
            "ipv4_src": "10.0.0.0/255.0.0.0"}, "instructions": [{"type": "APPLY_ACTIONS",
            "actions": [{"type": "OUTPUT", "port": 2, "max_len": 0}]},
            {"type": "GOTO_TABLE", "table_id": 1}]}]}]}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// The seeds of a target.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "json" => json_bodies(),
        "connection" => connection_inputs(),
        _ => openflow_frames(),
    }
}
