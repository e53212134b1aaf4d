//! 1.3 TABLE_FEATURES reply → Ryu's `get_table_features` JSON: per table its name,
//! metadata masks, config, max_entries and properties by Ryu's type names, with
//! instruction/action ids as `{"len", "type"}`, next tables as ids, OXM ids as
//! `{"hasmask", "length", "type"}` (the field's OXM name).

use openflow::v13::{MultipartReplyBody, OxmId, TableFeatureProp, TlvId};
use openflow::Message;
use serde_json::{json, Value};

/// OXM basic-class field names by code (OpenFlow 1.3.5 §7.2.3.7).
const OXM_NAMES: [&str; 40] = [
    "in_port",
    "in_phy_port",
    "metadata",
    "eth_dst",
    "eth_src",
    "eth_type",
    "vlan_vid",
    "vlan_pcp",
    "ip_dscp",
    "ip_ecn",
    "ip_proto",
    "ipv4_src",
    "ipv4_dst",
    "tcp_src",
    "tcp_dst",
    "udp_src",
    "udp_dst",
    "sctp_src",
    "sctp_dst",
    "icmpv4_type",
    "icmpv4_code",
    "arp_op",
    "arp_spa",
    "arp_tpa",
    "arp_sha",
    "arp_tha",
    "ipv6_src",
    "ipv6_dst",
    "ipv6_flabel",
    "icmpv6_type",
    "icmpv6_code",
    "ipv6_nd_target",
    "ipv6_nd_sll",
    "ipv6_nd_tll",
    "mpls_label",
    "mpls_tc",
    "mpls_bos",
    "pbb_isid",
    "tunnel_id",
    "ipv6_exthdr",
];

/// `OFPXMC_OPENFLOW_BASIC`.
const OPENFLOW_BASIC: u16 = 0x8000;

fn oxm_id(id: &OxmId) -> Value {
    let name = match OXM_NAMES.get(usize::from(id.field)) {
        Some(n) if id.class == OPENFLOW_BASIC => (*n).to_string(),
        _ => format!("0x{:04x}:{}", id.class, id.field),
    };
    json!({"hasmask": id.has_mask, "length": id.length, "type": name})
}

fn tlv_ids(ids: &[TlvId]) -> Vec<Value> {
    ids.iter()
        .map(|i| json!({"len": 4 + i.data.len(), "type": i.id_type}))
        .collect()
}

fn named(base: &str, miss: bool) -> String {
    if miss {
        format!("{base}_MISS")
    } else {
        base.to_string()
    }
}

fn property(p: &TableFeatureProp) -> Value {
    use TableFeatureProp::*;
    let oxms = |ids: &[OxmId]| -> Vec<Value> { ids.iter().map(oxm_id).collect() };
    match p {
        Instructions { miss, ids } => {
            json!({"type": named("INSTRUCTIONS", *miss), "instruction_ids": tlv_ids(ids)})
        }
        NextTables { miss, tables } => {
            json!({"type": named("NEXT_TABLES", *miss), "table_ids": tables})
        }
        WriteActions { miss, ids } => {
            json!({"type": named("WRITE_ACTIONS", *miss), "action_ids": tlv_ids(ids)})
        }
        ApplyActions { miss, ids } => {
            json!({"type": named("APPLY_ACTIONS", *miss), "action_ids": tlv_ids(ids)})
        }
        Match(ids) => json!({"type": "MATCH", "oxm_ids": oxms(ids)}),
        Wildcards(ids) => json!({"type": "WILDCARDS", "oxm_ids": oxms(ids)}),
        WriteSetfield { miss, ids } => {
            json!({"type": named("WRITE_SETFIELD", *miss), "oxm_ids": oxms(ids)})
        }
        ApplySetfield { miss, ids } => {
            json!({"type": named("APPLY_SETFIELD", *miss), "oxm_ids": oxms(ids)})
        }
        Experimenter { miss, .. } => json!({"type": named("EXPERIMENTER", *miss)}),
        Unknown { .. } => json!({"type": "UNKNOWN"}),
    }
}

/// `tablefeatures`: one object per table.
pub fn table_features(parts: &[Message]) -> Value {
    let mut out = Vec::new();
    for m in parts {
        let Message::V13(openflow::v13::Message::MultipartReply(r)) = m else {
            continue;
        };
        if let MultipartReplyBody::TableFeatures(list) = &r.body {
            out.extend(list.iter().map(|t| {
                let props: Vec<Value> = t.properties.iter().map(property).collect();
                json!({
                    "table_id": t.table_id, "name": t.name,
                    "metadata_match": t.metadata_match, "metadata_write": t.metadata_write,
                    "config": t.config, "max_entries": t.max_entries, "properties": props,
                })
            }));
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openflow::v13::{MultipartReply, TableFeatures};

    #[test]
    fn properties_by_ryu_type_names() {
        let t = TableFeatures {
            table_id: 0,
            name: "classifier".into(),
            metadata_match: u64::MAX,
            metadata_write: u64::MAX,
            config: 0,
            max_entries: 1_000_000,
            properties: vec![
                TableFeatureProp::Instructions {
                    miss: true,
                    ids: vec![TlvId::new(1)],
                },
                TableFeatureProp::NextTables {
                    miss: false,
                    tables: vec![1, 2],
                },
                TableFeatureProp::Match(vec![OxmId {
                    class: OPENFLOW_BASIC,
                    field: 3,
                    has_mask: true,
                    length: 12,
                    experimenter: None,
                }]),
            ],
        };
        let parts = vec![Message::V13(openflow::v13::Message::MultipartReply(
            MultipartReply {
                flags: 0,
                body: MultipartReplyBody::TableFeatures(vec![t]),
            },
        ))];
        let v = table_features(&parts);
        assert_eq!(v[0]["name"], "classifier");
        assert_eq!(
            v[0]["properties"],
            json!([
                {"type": "INSTRUCTIONS_MISS", "instruction_ids": [{"len": 4, "type": 1}]},
                {"type": "NEXT_TABLES", "table_ids": [1, 2]},
                {"type": "MATCH", "oxm_ids": [{"hasmask": true, "length": 12, "type": "eth_dst"}]}
            ])
        );
    }
}
