//! Lowering the neutral layer to OpenFlow 1.4 and lifting it back, through 1.3: a neutral
//! value is lowered as for 1.3, then each 1.3 message becomes its 1.4 form
//! ([`from_v13`]); lifting maps a 1.4 message to the 1.3 one carrying the same
//! information ([`to_v13`]) and lifts that. What only 1.3 has (QUEUE_GET_CONFIG) is
//! [`Unsupported`].

use super::multipart::{MultipartReply, MultipartReplyBody as RB, MultipartRequest};
use super::port::{port_prop, Port, PortStats};
use super::prop::Prop;
use super::queue::QueueStats;
use super::switch::{async_prop, AsyncConfig};
use super::{msg_type, FlowMod, FlowStats14, Message, PortMod, PortStatus, TableMod};
use crate::header::encode_framed;
use crate::neutral::PacketOut;
use crate::v13::multipart::MultipartReplyBody as RB13;
use crate::v13::{self, Message as M13};
use crate::{EncodeError, Unsupported, Version};

const V: Version = Version::V1_4;

/// Restates a 1.3 lowering failure as a 1.4 one.
pub(crate) fn as_version(v: Version) -> impl Fn(Unsupported) -> Unsupported {
    move |e| Unsupported::new(v, e.what)
}

/// The 1.4 form of a 1.3 message (see the module documentation).
pub fn from_v13(m: M13) -> Result<Message, Unsupported> {
    Ok(match m {
        M13::FlowMod(base) => Message::FlowMod(Box::new(FlowMod {
            base,
            importance: 0,
        })),
        M13::PortStatus(s) => Message::PortStatus(PortStatus {
            reason: s.reason,
            port: Port::from_info(&s.port),
        }),
        M13::PortMod(p) => Message::PortMod(PortMod {
            port_no: p.port_no,
            hw_addr: p.hw_addr,
            config: p.config,
            mask: p.mask,
            properties: vec![Prop::new(port_prop::ETHERNET, {
                let mut b = p.advertise.to_be_bytes().to_vec();
                b.extend_from_slice(&[0; 4]);
                b
            })],
        }),
        M13::TableMod(t) => Message::TableMod(TableMod {
            table_id: t.table_id,
            config: t.config,
            properties: vec![],
        }),
        M13::MultipartRequest(r) => Message::MultipartRequest(MultipartRequest {
            flags: r.flags,
            body: super::MultipartRequestBody::Common(r.body),
        }),
        M13::MultipartReply(r) => Message::MultipartReply(MultipartReply {
            flags: r.flags,
            body: reply_from_v13(r.body),
        }),
        M13::GetAsyncReply(c) => Message::GetAsyncReply(async_from_v13(&c)),
        M13::SetAsync(c) => Message::SetAsync(async_from_v13(&c)),
        M13::QueueGetConfigRequest { .. } | M13::QueueGetConfigReply(_) => {
            return Err(Unsupported::new(
                V,
                "QUEUE_GET_CONFIG (1.4 describes queues with the QUEUE_DESC multipart)",
            ))
        }
        other => Message::Common(other),
    })
}

fn reply_from_v13(b: RB13) -> RB {
    match b {
        RB13::Flow(l) => RB::Flow(
            l.into_iter()
                .map(|stats| FlowStats14 {
                    stats,
                    importance: 0,
                })
                .collect(),
        ),
        RB13::PortStats(l) => RB::PortStats(l.iter().map(port_stats_from_v13).collect()),
        RB13::Queue(l) => RB::Queue(
            l.into_iter()
                .map(|base| QueueStats {
                    base,
                    properties: vec![],
                })
                .collect(),
        ),
        RB13::PortDesc(l) => RB::PortDesc(l.iter().map(Port::from_info).collect()),
        other => RB::Common(other),
    }
}

/// 1.3's Ethernet error counters become 1.4's ETHERNET port-stats property.
fn port_stats_from_v13(s: &v13::PortStats) -> PortStats {
    let c = s.counters();
    let (mut counters, mut eth) = ([0u64; 8], vec![0u8; 4]);
    counters.copy_from_slice(&c[..8]);
    c[8..]
        .iter()
        .for_each(|v| eth.extend_from_slice(&v.to_be_bytes()));
    PortStats {
        port_no: s.port_no,
        duration_sec: s.duration_sec,
        duration_nsec: s.duration_nsec,
        counters,
        properties: vec![Prop::new(port_prop::ETHERNET, eth)],
    }
}

fn port_stats_to_v13(s: &PortStats) -> v13::PortStats {
    let eth = s
        .properties
        .iter()
        .find(|p| p.prop_type == port_prop::ETHERNET);
    let mut c = [0u64; 12];
    c[..8].copy_from_slice(&s.counters);
    for (n, slot) in c[8..].iter_mut().enumerate() {
        *slot = eth
            .and_then(|p| p.data.get(4 + 8 * n..12 + 8 * n))
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_be_bytes);
    }
    v13::PortStats::from_counters(s.port_no, c, (s.duration_sec, s.duration_nsec))
}

fn async_from_v13(c: &v13::AsyncConfig) -> AsyncConfig {
    use async_prop as a;
    let props = [
        (a::PACKET_IN_MASTER, c.packet_in_mask[0]),
        (a::PACKET_IN_SLAVE, c.packet_in_mask[1]),
        (a::PORT_STATUS_MASTER, c.port_status_mask[0]),
        (a::PORT_STATUS_SLAVE, c.port_status_mask[1]),
        (a::FLOW_REMOVED_MASTER, c.flow_removed_mask[0]),
        (a::FLOW_REMOVED_SLAVE, c.flow_removed_mask[1]),
    ];
    AsyncConfig {
        properties: props.iter().map(|(t, v)| Prop::u32(*t, *v)).collect(),
    }
}

/// The 1.3 message carrying the same information as `m`, where one exists.
pub fn to_v13(m: &Message) -> Option<M13> {
    Some(match m {
        Message::Common(m) => m.clone(),
        Message::FlowMod(f) => M13::FlowMod(f.base.clone()),
        Message::PortStatus(s) => M13::PortStatus(crate::neutral::PortStatus {
            reason: s.reason,
            port: s.port.info(),
        }),
        Message::MultipartRequest(r) => match &r.body {
            super::MultipartRequestBody::Common(b) => {
                M13::MultipartRequest(v13::MultipartRequest {
                    flags: r.flags,
                    body: b.clone(),
                })
            }
            _ => return None,
        },
        Message::MultipartReply(r) => M13::MultipartReply(v13::MultipartReply {
            flags: r.flags,
            body: reply_to_v13(&r.body)?,
        }),
        _ => return None,
    })
}

fn reply_to_v13(b: &RB) -> Option<RB13> {
    Some(match b {
        RB::Common(b) => b.clone(),
        RB::Flow(l) => RB13::Flow(l.iter().map(|s| s.stats.clone()).collect()),
        RB::PortStats(l) => RB13::PortStats(l.iter().map(port_stats_to_v13).collect()),
        RB::PortDesc(l) => RB13::PortDesc(l.iter().map(Port::info).collect()),
        _ => return None,
    })
}

macro_rules! via_v13 {
    ($lower:ident, $lift:ident, $t:ty) => {
        pub fn $lower(x: &$t) -> Result<Message, Unsupported> {
            v13::neutral::$lower(x)
                .map_err(as_version(V))
                .and_then(from_v13)
        }
        pub fn $lift(m: &Message) -> Option<$t> {
            match m {
                Message::Common(m) => v13::neutral::$lift(m),
                other => v13::neutral::$lift(&to_v13(other)?),
            }
        }
    };
}

/// Calls `$via!(lower, lift, Type)` for every neutral type, so 1.4 and 1.5 list them once.
macro_rules! each_neutral {
    ($via:ident) => {
        $via!(lower_flow_mod, lift_flow_mod, crate::neutral::FlowMod);
        $via!(lower_packet_out, lift_packet_out, crate::neutral::PacketOut);
        $via!(lower_packet_in, lift_packet_in, crate::neutral::PacketIn);
        $via!(
            lower_features_reply,
            lift_features_reply,
            crate::neutral::FeaturesReply
        );
        $via!(
            lower_port_status,
            lift_port_status,
            crate::neutral::PortStatus
        );
        $via!(
            lower_flow_removed,
            lift_flow_removed,
            crate::neutral::FlowRemoved
        );
        $via!(lower_error, lift_error, crate::neutral::ErrorMsg);
        $via!(
            lower_stats_request,
            lift_stats_request,
            crate::neutral::StatsRequest
        );
        $via!(
            lower_stats_reply,
            lift_stats_reply,
            crate::neutral::StatsReply
        );
        $via!(lower_control, lift_control, crate::message::Control);
    };
}
pub(crate) use each_neutral;

each_neutral!(via_v13);

/// Encodes a neutral flow mod as 1.4 without building the 1.4 message (importance 0).
pub fn encode_flow_mod(
    x: &crate::neutral::FlowMod,
    xid: u32,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let f = v13::neutral::flow_mod_head(x).map_err(as_version(V))?;
    encode_framed(out, super::VERSION, msg_type::FLOW_MOD, xid, |out| {
        v13::flow::encode_flow_mod_with(&f, 0, &x.match_, &x.instructions, out)
    })
}

/// Encodes a neutral packet out as 1.4 (the 1.3 layout) without building the message.
pub fn encode_packet_out(x: &PacketOut, xid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let p = v13::neutral::packet_out_head(x).map_err(as_version(V))?;
    encode_framed(out, super::VERSION, msg_type::PACKET_OUT, xid, |out| {
        v13::packet::encode_packet_out_with(&p, &x.actions, &x.data, out)
    })
}
