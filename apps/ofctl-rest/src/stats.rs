//! Switch replies → the JSON lists Ryu's `ofctl_v1_0` / `ofctl_v1_3` return (before the
//! `{"<dpid>": …}` wrapper), from the decoded parts of one reply.

use openflow::v10::StatsReplyBody10;
use openflow::v13::{self, MeterBand, MultipartReplyBody};
use openflow::{Message, PortInfo, StatsReplyBody, Version};
use serde_json::{json, Value};

use crate::render::{match_and_actions, port_value};

fn v10_bodies(parts: &[Message]) -> impl Iterator<Item = &StatsReplyBody10> {
    parts.iter().filter_map(|m| match m {
        Message::V10(openflow::v10::Message::StatsReply(r)) => Some(&r.body),
        _ => None,
    })
}

fn v13_bodies(parts: &[Message]) -> impl Iterator<Item = &MultipartReplyBody> {
    parts.iter().filter_map(|m| match m {
        Message::V13(openflow::v13::Message::MultipartReply(r)) => Some(&r.body),
        _ => None,
    })
}

fn neutral_bodies(parts: &[Message]) -> impl Iterator<Item = StatsReplyBody> + '_ {
    parts.iter().filter_map(|m| m.stats_reply().map(|r| r.body))
}

/// `desc`: an object of the five description strings.
pub fn desc(parts: &[Message]) -> Value {
    neutral_bodies(parts)
        .find_map(|b| match b {
            StatsReplyBody::Desc(d) => Some(json!({
                "mfr_desc": d.mfr_desc, "hw_desc": d.hw_desc, "sw_desc": d.sw_desc,
                "serial_num": d.serial_num, "dp_desc": d.dp_desc,
            })),
            _ => None,
        })
        .unwrap_or_else(|| json!({}))
}

/// `flow`: one object per entry; `priority` (Ryu's own filter) drops other priorities.
pub fn flows(v: Version, parts: &[Message], priority: Option<u16>) -> Value {
    let mut out = Vec::new();
    for body in neutral_bodies(parts) {
        let StatsReplyBody::Flow(list) = body else {
            continue;
        };
        for f in list
            .iter()
            .filter(|f| priority.is_none_or(|p| p == f.priority))
        {
            let (m, actions) = match_and_actions(v, &f.match_, &f.instructions);
            let mut e = json!({
                "priority": f.priority, "cookie": f.cookie,
                "idle_timeout": f.idle_timeout, "hard_timeout": f.hard_timeout,
                "byte_count": f.byte_count, "packet_count": f.packet_count,
                "duration_sec": f.duration_sec, "duration_nsec": f.duration_nsec,
                "actions": actions, "match": m, "table_id": f.table_id,
            });
            if v != Version::V1_0 {
                e["flags"] = json!(f.flags);
                if let Some(len) = v13_flow_stats_len(f) {
                    e["length"] = json!(len);
                }
            }
            out.push(e);
        }
    }
    Value::Array(out)
}

/// The encoded size of a 1.3 `ofp_flow_stats` entry (Ryu's `length`): the 48-byte fixed
/// part, the padded match and the instructions.
fn v13_flow_stats_len(f: &openflow::FlowStats) -> Option<usize> {
    let mut buf = Vec::new();
    v13::oxm_codec::encode_match(&f.match_, &mut buf).ok()?;
    v13::instruction_codec::encode_instructions(&f.instructions, &mut buf).ok()?;
    Some(48 + buf.len())
}

/// `aggregateflow`: a one-element list (Ryu's shape).
pub fn aggregate(parts: &[Message]) -> Value {
    let list: Vec<Value> = neutral_bodies(parts)
        .filter_map(|b| match b {
            StatsReplyBody::Aggregate {
                packet_count,
                byte_count,
                flow_count,
            } => Some(json!({
                "packet_count": packet_count, "byte_count": byte_count, "flow_count": flow_count
            })),
            _ => None,
        })
        .collect();
    Value::Array(list)
}

/// `table`: per-table counters (1.0 adds name, wildcards, max_entries).
pub fn tables(v: Version, parts: &[Message]) -> Value {
    let mut out = Vec::new();
    if v == Version::V1_0 {
        for b in v10_bodies(parts) {
            if let StatsReplyBody10::Table(list) = b {
                for t in list {
                    let name = String::from_utf8_lossy(&t.name);
                    out.push(json!({
                        "table_id": t.table_id, "name": name.trim_end_matches('\0'),
                        "wildcards": ryu_wildcard_names(t.wildcards),
                        "max_entries": t.max_entries,
                        "active_count": t.active_count, "lookup_count": t.lookup_count,
                        "matched_count": t.matched_count,
                    }));
                }
            }
        }
    } else {
        for b in neutral_bodies(parts) {
            if let StatsReplyBody::Table(list) = b {
                out.extend(list.iter().map(|t| {
                    json!({
                        "table_id": t.table_id, "active_count": t.active_count,
                        "lookup_count": t.lookup_count, "matched_count": t.matched_count,
                    })
                }));
            }
        }
    }
    Value::Array(out)
}

/// Ryu's (and os-ken's) names of a 1.0 table's wildcards. Ryu lists name N when bit
/// `OFPFW_N` (the flag's value used as a bit position) of the field is set, so only the
/// flags below 32 can appear, and under the names its table keeps for those values: this
/// reproduces that list exactly, since scripts compare against what Ryu printed.
fn ryu_wildcard_names(wildcards: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 7] = [
        (1, "IN_PORT"),
        (2, "DL_VLAN"),
        (4, "DL_SRC"),
        (8, "NW_SRC_SHIFT"),
        (16, "DL_TYPE"),
        (6, "NW_DST_BITS"),
        (14, "NW_DST_SHIFT"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| wildcards & (1 << bit) != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// `port`: every counter of `ofp_port_stats` (1.3 adds the durations).
pub fn ports(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for b in v10_bodies(parts) {
        if let StatsReplyBody10::Port(list) = b {
            out.extend(list.iter().map(|s| {
                let as_v13 = v13::PortStats {
                    port_no: openflow::port::from_v10(s.port_no),
                    rx_packets: s.rx_packets,
                    tx_packets: s.tx_packets,
                    rx_bytes: s.rx_bytes,
                    tx_bytes: s.tx_bytes,
                    rx_dropped: s.rx_dropped,
                    tx_dropped: s.tx_dropped,
                    rx_errors: s.rx_errors,
                    tx_errors: s.tx_errors,
                    rx_frame_err: s.rx_frame_err,
                    rx_over_err: s.rx_over_err,
                    rx_crc_err: s.rx_crc_err,
                    collisions: s.collisions,
                    duration_sec: 0,
                    duration_nsec: 0,
                };
                port_json(&as_v13, false)
            }));
        }
    }
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::PortStats(list) = b {
            out.extend(list.iter().map(|s| port_json(s, true)));
        }
    }
    Value::Array(out)
}

fn port_json(s: &v13::PortStats, durations: bool) -> Value {
    let mut v = json!({
        "port_no": port_value(s.port_no),
        "rx_packets": s.rx_packets, "tx_packets": s.tx_packets,
        "rx_bytes": s.rx_bytes, "tx_bytes": s.tx_bytes,
        "rx_dropped": s.rx_dropped, "tx_dropped": s.tx_dropped,
        "rx_errors": s.rx_errors, "tx_errors": s.tx_errors,
        "rx_frame_err": s.rx_frame_err, "rx_over_err": s.rx_over_err,
        "rx_crc_err": s.rx_crc_err, "collisions": s.collisions,
    });
    if durations {
        v["duration_sec"] = json!(s.duration_sec);
        v["duration_nsec"] = json!(s.duration_nsec);
    }
    v
}

/// `queue`: per-queue counters (1.3 adds the durations).
pub fn queues(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for b in v10_bodies(parts) {
        if let StatsReplyBody10::Queue(list) = b {
            out.extend(list.iter().map(|q| {
                json!({
                    "port_no": q.port_no, "queue_id": q.queue_id, "tx_bytes": q.tx_bytes,
                    "tx_errors": q.tx_errors, "tx_packets": q.tx_packets,
                })
            }));
        }
    }
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::Queue(list) = b {
            out.extend(list.iter().map(|q| {
                json!({
                    "port_no": q.port_no, "queue_id": q.queue_id, "tx_bytes": q.tx_bytes,
                    "tx_errors": q.tx_errors, "tx_packets": q.tx_packets,
                    "duration_sec": q.duration_sec, "duration_nsec": q.duration_nsec,
                })
            }));
        }
    }
    Value::Array(out)
}

/// `portdesc`: one object per port; `port_no` keeps only that port.
pub fn port_descs(v: Version, ports: &[PortInfo], port_no: Option<u32>) -> Value {
    let list = ports
        .iter()
        .filter(|p| port_no.is_none_or(|n| n == p.port_no))
        .map(|p| {
            let mut d = json!({
                "port_no": port_value(p.port_no), "hw_addr": p.hw_addr.to_string(),
                "name": p.name, "config": p.config, "state": p.state, "curr": p.curr,
                "advertised": p.advertised, "supported": p.supported, "peer": p.peer,
            });
            if v != Version::V1_0 {
                d["curr_speed"] = json!(p.curr_speed);
                d["max_speed"] = json!(p.max_speed);
            }
            d
        })
        .collect();
    Value::Array(list)
}

/// The ports of a PORT_DESC reply.
pub fn port_desc_list(parts: &[Message]) -> Vec<PortInfo> {
    neutral_bodies(parts)
        .filter_map(|b| match b {
            StatsReplyBody::PortDesc(p) => Some(p),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `group`: per-group counters.
pub fn groups(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::Group(list) = b {
            out.extend(list.iter().map(|g| {
                let buckets: Vec<Value> = g
                    .bucket_stats
                    .iter()
                    .map(|c| json!({"packet_count": c.packet_count, "byte_count": c.byte_count}))
                    .collect();
                json!({
                    "group_id": g.group_id, "length": 40 + 16 * g.bucket_stats.len(),
                    "ref_count": g.ref_count, "packet_count": g.packet_count,
                    "byte_count": g.byte_count, "duration_sec": g.duration_sec,
                    "duration_nsec": g.duration_nsec, "bucket_stats": buckets,
                })
            }));
        }
    }
    Value::Array(out)
}

fn group_type_name(t: u8) -> Value {
    match t {
        0 => json!("ALL"),
        1 => json!("SELECT"),
        2 => json!("INDIRECT"),
        3 => json!("FF"),
        other => json!(other),
    }
}

/// `groupdesc`: type, id and buckets with their actions as Ryu's 1.3 strings;
/// `group_id` keeps only that group.
pub fn group_descs(parts: &[Message], group_id: Option<u32>) -> Value {
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::GroupDesc(list) = b {
            for g in list
                .iter()
                .filter(|g| group_id.is_none_or(|id| id == g.group_id))
            {
                let buckets: Vec<Value> = g
                    .buckets
                    .iter()
                    .map(|b| {
                        let actions: Vec<String> = b
                            .actions
                            .iter()
                            .map(crate::render::action_str_v13)
                            .collect();
                        json!({
                            "weight": b.weight, "watch_port": b.watch_port,
                            "watch_group": b.watch_group, "actions": actions,
                        })
                    })
                    .collect();
                out.push(json!({
                    "group_id": g.group_id, "type": group_type_name(g.group_type),
                    "buckets": buckets,
                }));
            }
        }
    }
    Value::Array(out)
}

/// `groupfeatures`.
pub fn group_features(parts: &[Message]) -> Value {
    const TYPES: [&str; 4] = ["ALL", "SELECT", "INDIRECT", "FF"];
    const CAPS: [&str; 4] = [
        "SELECT_WEIGHT",
        "SELECT_LIVENESS",
        "CHAINING",
        "CHAINING_CHECKS",
    ];
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::GroupFeatures(f) = b {
            let types: Vec<&str> = bit_names(f.types, &TYPES);
            let caps: Vec<&str> = bit_names(f.capabilities, &CAPS);
            let max_groups: Vec<Value> = TYPES
                .iter()
                .zip(f.max_groups)
                .map(|(t, n)| json!({ *t: n }))
                .collect();
            let actions: Vec<Value> = TYPES
                .iter()
                .zip(f.actions)
                .map(|(t, bits)| json!({ *t: action_type_names(bits) }))
                .collect();
            out.push(json!({
                "types": types, "capabilities": caps, "max_groups": max_groups,
                "actions": actions,
            }));
        }
    }
    Value::Array(out)
}

fn bit_names<'a>(bits: u32, names: &[&'a str]) -> Vec<&'a str> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect()
}

fn action_type_names(bits: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 16] = [
        (0, "OUTPUT"),
        (11, "COPY_TTL_OUT"),
        (12, "COPY_TTL_IN"),
        (15, "SET_MPLS_TTL"),
        (16, "DEC_MPLS_TTL"),
        (17, "PUSH_VLAN"),
        (18, "POP_VLAN"),
        (19, "PUSH_MPLS"),
        (20, "POP_MPLS"),
        (21, "SET_QUEUE"),
        (22, "GROUP"),
        (23, "SET_NW_TTL"),
        (24, "DEC_NW_TTL"),
        (25, "SET_FIELD"),
        (26, "PUSH_PBB"),
        (27, "POP_PBB"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| bits & (1 << bit) != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// `meter`: per-meter counters.
pub fn meters(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::Meter(list) = b {
            out.extend(list.iter().map(|m| {
                let bands: Vec<Value> = m
                    .band_stats
                    .iter()
                    .map(|s| {
                        json!({
                            "packet_band_count": s.packet_band_count,
                            "byte_band_count": s.byte_band_count,
                        })
                    })
                    .collect();
                json!({
                    "meter_id": m.meter_id, "len": 40 + 16 * m.band_stats.len(),
                    "flow_count": m.flow_count, "packet_in_count": m.packet_in_count,
                    "byte_in_count": m.byte_in_count, "duration_sec": m.duration_sec,
                    "duration_nsec": m.duration_nsec, "band_stats": bands,
                })
            }));
        }
    }
    Value::Array(out)
}

const METER_FLAGS: [&str; 4] = ["KBPS", "PKTPS", "BURST", "STATS"];

/// `meterconfig`: flags by name and bands by type.
pub fn meter_configs(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::MeterConfig(list) = b {
            out.extend(list.iter().map(|c| {
                let bands: Vec<Value> = c.bands.iter().map(band_json).collect();
                json!({
                    "meter_id": c.meter_id,
                    "flags": bit_names(c.flags.into(), &METER_FLAGS),
                    "bands": bands,
                })
            }));
        }
    }
    Value::Array(out)
}

fn band_json(b: &MeterBand) -> Value {
    match b {
        MeterBand::Drop { rate, burst_size } => {
            json!({"type": "DROP", "rate": rate, "burst_size": burst_size})
        }
        MeterBand::DscpRemark {
            rate,
            burst_size,
            prec_level,
        } => json!({
            "type": "DSCP_REMARK", "rate": rate, "burst_size": burst_size,
            "prec_level": prec_level,
        }),
        MeterBand::Experimenter {
            rate,
            burst_size,
            experimenter,
            ..
        } => json!({
            "type": "EXPERIMENTER", "rate": rate, "burst_size": burst_size,
            "experimenter": experimenter,
        }),
        MeterBand::Unknown {
            rate, burst_size, ..
        } => json!({"type": "", "rate": rate, "burst_size": burst_size}),
    }
}

/// `meterfeatures`.
pub fn meter_features(parts: &[Message]) -> Value {
    const BANDS: [&str; 2] = ["DROP", "DSCP_REMARK"];
    let mut out = Vec::new();
    for b in v13_bodies(parts) {
        if let MultipartReplyBody::MeterFeatures(f) = b {
            // Band type n is bit n of `band_types` (OpenFlow 1.3.5 §7.3.5.13).
            let bands: Vec<&str> = BANDS
                .iter()
                .enumerate()
                .filter(|(i, _)| f.band_types & (1 << (i + 1)) != 0)
                .map(|(_, n)| *n)
                .collect();
            out.push(json!({
                "max_meter": f.max_meter, "band_types": bands,
                "capabilities": bit_names(f.capabilities, &METER_FLAGS),
                "max_bands": f.max_bands, "max_color": f.max_color,
            }));
        }
    }
    Value::Array(out)
}

/// `role`: the ROLE_REPLY as a one-element list.
pub fn role(parts: &[Message]) -> Value {
    let list: Vec<Value> = parts
        .iter()
        .filter_map(|m| match m {
            Message::V13(openflow::v13::Message::RoleReply(r)) => Some(json!({
                "role": crate::commands::role_name(r.role), "generation_id": r.generation_id,
            })),
            _ => None,
        })
        .collect();
    Value::Array(list)
}
