//! Lowering the neutral layer to OpenFlow 1.5 and lifting it back, through 1.4 (and so
//! 1.3): a neutral value is lowered as for 1.4, then each 1.4 message becomes its 1.5 form
//! ([`from_v14`]); lifting maps a 1.5 message to the 1.4 one carrying the same
//! information ([`to_v14`]). PACKET_OUT's in_port becomes the pipeline match's IN_PORT;
//! FLOW_REMOVED's and flow statistics' counters become OXS statistics.

use super::flow::{FlowDesc, FlowRemoved};
use super::group::{bucket_prop, Bucket, GroupDesc, GroupMod};
use super::multipart::{
    MultipartReply, MultipartReplyBody as RB, MultipartRequest, MultipartRequestBody as QB,
};
use super::oxs::{oxs_field, OxsField, Stats};
use super::status::MeterFeatures;
use super::switch::{Role, TableFeatures15};
use super::{msg_type, Message, PacketOut};
use crate::header::encode_framed;
use crate::neutral::{FlowMod, FlowStats, GROUP_ANY};
use crate::v13::multipart::{
    AggregateStats, MultipartReplyBody as RB13, MultipartRequestBody as QB13,
};
use crate::v13::{self, Message as M13};
use crate::v14::multipart::{MultipartReplyBody as RB14, MultipartRequestBody as QB14};
use crate::v14::neutral::as_version;
use crate::v14::prop::Prop;
use crate::v14::{self, FlowStats14, Message as M14};
use crate::{port, EncodeError, Match, Unsupported, Version};

const V: Version = Version::V1_5;

/// 1.3's bucket fields become 1.5's bucket properties; ids number the buckets in order.
fn bucket_from_v13(n: usize, b: &v13::Bucket) -> Bucket {
    let mut properties = vec![Prop::new(bucket_prop::WEIGHT, {
        let mut w = b.weight.to_be_bytes().to_vec();
        w.extend_from_slice(&[0, 0]);
        w
    })];
    if b.watch_port != port::ANY {
        properties.push(Prop::u32(bucket_prop::WATCH_PORT, b.watch_port));
    }
    if b.watch_group != GROUP_ANY {
        properties.push(Prop::u32(bucket_prop::WATCH_GROUP, b.watch_group));
    }
    Bucket {
        bucket_id: n as u32,
        actions: b.actions.clone(),
        properties,
    }
}

fn buckets_from_v13(list: &[v13::Bucket]) -> Vec<Bucket> {
    list.iter()
        .enumerate()
        .map(|(n, b)| bucket_from_v13(n, b))
        .collect()
}

fn flow_removed_from_v13(r: &crate::neutral::FlowRemoved) -> FlowRemoved {
    FlowRemoved {
        table_id: r.table_id,
        reason: r.reason,
        priority: r.priority,
        idle_timeout: r.idle_timeout,
        hard_timeout: r.hard_timeout,
        cookie: r.cookie,
        match_: r.match_.clone(),
        stats: Stats::counters(
            r.duration_sec,
            r.duration_nsec,
            r.packet_count,
            r.byte_count,
        ),
    }
}

fn flow_desc_from_v14(s: &FlowStats14) -> FlowDesc {
    let x = &s.stats;
    FlowDesc {
        table_id: x.table_id,
        priority: x.priority,
        idle_timeout: x.idle_timeout,
        hard_timeout: x.hard_timeout,
        flags: x.flags,
        importance: s.importance,
        cookie: x.cookie,
        match_: x.match_.clone(),
        stats: Stats::counters(
            x.duration_sec,
            x.duration_nsec,
            x.packet_count,
            x.byte_count,
        ),
        instructions: x.instructions.clone(),
    }
}

fn flow_desc_to_v14(d: &FlowDesc) -> FlowStats14 {
    let (duration_sec, duration_nsec) = d.stats.duration().unwrap_or((0, 0));
    FlowStats14 {
        stats: FlowStats {
            table_id: d.table_id,
            duration_sec,
            duration_nsec,
            priority: d.priority,
            idle_timeout: d.idle_timeout,
            hard_timeout: d.hard_timeout,
            flags: d.flags,
            cookie: d.cookie,
            packet_count: d.stats.packet_count().unwrap_or(0),
            byte_count: d.stats.byte_count().unwrap_or(0),
            match_: d.match_.clone(),
            instructions: d.instructions.clone(),
        },
        importance: d.importance,
    }
}

/// `OFPG_ALL`: every group.
const GROUP_ALL: u32 = 0xffff_fffc;

fn role_from_v13(r: v13::Role) -> Role {
    Role {
        role: r.role,
        short_id: 0,
        generation_id: r.generation_id,
    }
}

fn role_to_v13(r: &Role) -> v13::Role {
    v13::Role {
        role: r.role,
        generation_id: r.generation_id,
    }
}

fn table_features_from_v13(l: Vec<v13::TableFeatures>) -> Vec<TableFeatures15> {
    l.into_iter()
        .map(|base| TableFeatures15 {
            command: 0,
            features: 0,
            base,
        })
        .collect()
}

fn reply_from_v14(b: RB14) -> RB {
    match b {
        RB14::Common(RB13::TableFeatures(l)) => RB::TableFeatures(table_features_from_v13(l)),
        RB14::Flow(l) => RB::FlowDesc(l.iter().map(flow_desc_from_v14).collect()),
        RB14::Common(RB13::Aggregate(a)) => RB::Aggregate(Stats {
            fields: vec![
                OxsField::basic(
                    oxs_field::PACKET_COUNT,
                    a.packet_count.to_be_bytes().to_vec(),
                ),
                OxsField::basic(oxs_field::BYTE_COUNT, a.byte_count.to_be_bytes().to_vec()),
                OxsField::basic(oxs_field::FLOW_COUNT, a.flow_count.to_be_bytes().to_vec()),
            ],
        }),
        RB14::Common(RB13::GroupDesc(l)) => RB::GroupDesc(
            l.iter()
                .map(|g| GroupDesc {
                    group_type: g.group_type,
                    group_id: g.group_id,
                    buckets: buckets_from_v13(&g.buckets),
                    properties: vec![],
                })
                .collect(),
        ),
        RB14::Common(RB13::MeterFeatures(base)) => RB::MeterFeatures(MeterFeatures {
            base,
            features: Some(0),
        }),
        other => RB::Common(other),
    }
}

/// The 1.5 form of a 1.4 message (see the module documentation).
pub fn from_v14(m: M14) -> Message {
    match m {
        M14::Common(M13::FlowRemoved(r)) => Message::FlowRemoved(flow_removed_from_v13(&r)),
        M14::Common(M13::PacketOut(p)) => Message::PacketOut(PacketOut {
            buffer_id: p.buffer_id,
            match_: Match::new().in_port(p.in_port),
            actions: p.actions,
            data: p.data,
        }),
        M14::Common(M13::GroupMod(g)) => Message::GroupMod(GroupMod {
            command: g.command,
            group_type: g.group_type,
            group_id: g.group_id,
            command_bucket_id: 0xffff_ffff,
            buckets: buckets_from_v13(&g.buckets),
            properties: vec![],
        }),
        M14::Common(M13::RoleRequest(r)) => Message::RoleRequest(role_from_v13(r)),
        M14::Common(M13::RoleReply(r)) => Message::RoleReply(role_from_v13(r)),
        M14::MultipartRequest(r) => Message::MultipartRequest(MultipartRequest {
            flags: r.flags,
            body: match r.body {
                QB14::Common(QB13::PortDesc) => QB::PortDesc { port_no: port::ANY },
                QB14::Common(QB13::GroupDesc) => QB::GroupDesc {
                    group_id: GROUP_ALL,
                },
                QB14::Common(QB13::TableFeatures(l)) => {
                    QB::TableFeatures(table_features_from_v13(l))
                }
                other => QB::Common(other),
            },
        }),
        M14::MultipartReply(r) => Message::MultipartReply(MultipartReply {
            flags: r.flags,
            body: reply_from_v14(r.body),
        }),
        other => Message::Common(other),
    }
}

/// The 1.4 message carrying the same information as `m`, where one exists.
pub fn to_v14(m: &Message) -> Option<M14> {
    Some(match m {
        Message::Common(m) => m.clone(),
        Message::FlowRemoved(r) => {
            let (duration_sec, duration_nsec) = r.stats.duration().unwrap_or((0, 0));
            M14::Common(M13::FlowRemoved(crate::neutral::FlowRemoved {
                cookie: r.cookie,
                priority: r.priority,
                reason: r.reason,
                table_id: r.table_id,
                duration_sec,
                duration_nsec,
                idle_timeout: r.idle_timeout,
                hard_timeout: r.hard_timeout,
                packet_count: r.stats.packet_count().unwrap_or(0),
                byte_count: r.stats.byte_count().unwrap_or(0),
                match_: r.match_.clone(),
            }))
        }
        Message::PacketOut(p) => {
            // Only a match holding nothing but the ingress port fits 1.3/1.4's in_port.
            let in_port = p.match_.in_port_value()?;
            if p.match_.fields().len() != 1 {
                return None;
            }
            M14::Common(M13::PacketOut(v13::PacketOut {
                buffer_id: p.buffer_id,
                in_port,
                actions: p.actions.clone(),
                data: p.data.clone(),
            }))
        }
        Message::RoleRequest(r) => M14::Common(M13::RoleRequest(role_to_v13(r))),
        Message::RoleReply(r) => M14::Common(M13::RoleReply(role_to_v13(r))),
        Message::MultipartRequest(r) => M14::MultipartRequest(v14::MultipartRequest {
            flags: r.flags,
            body: match &r.body {
                QB::Common(b) => b.clone(),
                QB::PortDesc { port_no } if *port_no == port::ANY => QB14::Common(QB13::PortDesc),
                QB::GroupDesc { group_id } if *group_id == GROUP_ALL => {
                    QB14::Common(QB13::GroupDesc)
                }
                QB::TableFeatures(l) if l.is_empty() => QB14::Common(QB13::TableFeatures(vec![])),
                _ => return None,
            },
        }),
        Message::MultipartReply(r) => M14::MultipartReply(v14::MultipartReply {
            flags: r.flags,
            body: match &r.body {
                RB::Common(b) => b.clone(),
                RB::FlowDesc(l) => RB14::Flow(l.iter().map(flow_desc_to_v14).collect()),
                RB::TableFeatures(l) => RB14::Common(RB13::TableFeatures(
                    l.iter().map(|t| t.base.clone()).collect(),
                )),
                RB::Aggregate(s) => RB14::Common(RB13::Aggregate(AggregateStats {
                    packet_count: s.packet_count().unwrap_or(0),
                    byte_count: s.byte_count().unwrap_or(0),
                    flow_count: s.flow_count().unwrap_or(0),
                })),
                _ => return None,
            },
        }),
        _ => return None,
    })
}

macro_rules! via_v14 {
    ($lower:ident, $lift:ident, $t:ty) => {
        pub fn $lower(x: &$t) -> Result<Message, Unsupported> {
            v14::neutral::$lower(x).map_err(as_version(V)).map(from_v14)
        }
        pub fn $lift(m: &Message) -> Option<$t> {
            match m {
                Message::Common(m) => v14::neutral::$lift(m),
                other => v14::neutral::$lift(&to_v14(other)?),
            }
        }
    };
}

v14::neutral::each_neutral!(via_v14);

/// Encodes a neutral flow mod as 1.5 (1.4's layout) without building the message.
pub fn encode_flow_mod(x: &FlowMod, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let f = v13::neutral::flow_mod_head(x).map_err(as_version(V))?;
    encode_framed(out, super::VERSION, msg_type::FLOW_MOD, xid, |out| {
        v13::flow::encode_flow_mod_with(&f, 0, &x.match_, &x.instructions, out)
    })
}

/// Encodes a neutral packet out as 1.5 (in_port as the pipeline match) without building
/// the message.
pub fn encode_packet_out(
    x: &crate::neutral::PacketOut,
    xid: u32,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let p = v13::neutral::packet_out_head(x).map_err(as_version(V))?;
    let pipeline = Match::new().in_port(x.in_port);
    encode_framed(out, super::VERSION, msg_type::PACKET_OUT, xid, |out| {
        super::packet::encode_packet_out_with(p.buffer_id, &pipeline, &x.actions, &x.data, out)
    })
}
