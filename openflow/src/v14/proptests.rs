//! Property tests: strategies generating valid 1.4 messages (1.3's bodies 1.4 keeps, and
//! every 1.4 structure with arbitrary properties), encode∘decode identity, and decode of
//! arbitrary bytes never panicking.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::v13::proptests::{self as p13, bytes_up_to, mac, match_};
use crate::Message as AnyMessage;

pub fn prop() -> impl Strategy<Value = Prop> {
    (any::<u16>(), bytes_up_to(20)).prop_map(|(t, data)| Prop::new(t, data))
}

pub fn props() -> impl Strategy<Value = Vec<Prop>> {
    vec(prop(), 0..3)
}

pub fn port() -> impl Strategy<Value = Port> {
    // 1.3's port fields, with arbitrary properties instead of the ETHERNET one.
    (p13::port_info(), props()).prop_map(|(info, properties)| Port {
        properties,
        ..Port::from_info(&info)
    })
}

fn table_desc() -> impl Strategy<Value = TableDesc> {
    (any::<(u8, u32)>(), props()).prop_map(|((table_id, config), properties)| TableDesc {
        table_id,
        config,
        properties,
    })
}

fn flow_update() -> impl Strategy<Value = FlowUpdate> {
    prop_oneof![
        (
            0u16..4,
            any::<(u8, u8, u16, u16, u16, u64)>(),
            match_(),
            vec(p13::instruction(), 0..3)
        )
            .prop_map(
                |(event, (table_id, reason, idle, hard, priority, cookie), match_, ins)| {
                    FlowUpdate::Full(FlowUpdateFull {
                        event,
                        table_id,
                        reason,
                        idle_timeout: idle,
                        hard_timeout: hard,
                        priority,
                        cookie,
                        match_,
                        instructions: ins,
                    })
                }
            ),
        any::<u32>().prop_map(|xid| FlowUpdate::Abbrev { xid }),
        Just(FlowUpdate::Paused),
        Just(FlowUpdate::Resumed),
        (7u16..0xffff, bytes_up_to(12))
            .prop_map(|(event, data)| FlowUpdate::Unknown { event, data }),
    ]
}

/// 1.3 multipart types 1.4 defines itself (so 1.3's raw form of them is not 1.4's).
fn new_in_v14(t: u16) -> bool {
    (multipart::multipart_type::TABLE_DESC..=multipart::multipart_type::FLOW_MONITOR).contains(&t)
}

pub fn mp_request() -> impl Strategy<Value = MultipartRequest> {
    let body = prop_oneof![
        p13::mp_request()
            .prop_filter("1.4 defines it", |r| !new_in_v14(r.body.mp_type()))
            .prop_map(|r| MultipartRequestBody::Common(r.body)),
        Just(MultipartRequestBody::TableDesc),
        any::<(u32, u32)>()
            .prop_map(|(port_no, queue_id)| MultipartRequestBody::QueueDesc { port_no, queue_id }),
        (any::<(u32, u32, u32, u16, u8, u8)>(), match_()).prop_map(|((id, op, og, f, t, c), m)| {
            MultipartRequestBody::FlowMonitor(FlowMonitorRequest {
                monitor_id: id,
                out_port: op,
                out_group: og,
                flags: f,
                table_id: t,
                command: c,
                match_: m,
            })
        }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

pub fn mp_reply() -> impl Strategy<Value = MultipartReply> {
    use MultipartReplyBody as B;
    let stats = (any::<(u32, u32, u32)>(), any::<[u64; 8]>(), props()).prop_map(
        |((port_no, duration_sec, duration_nsec), counters, properties)| PortStats {
            port_no,
            duration_sec,
            duration_nsec,
            counters,
            properties,
        },
    );
    let queue = (any::<(u32, u32, u64, u64, u64, u32, u32)>(), props()).prop_map(
        |((port_no, queue_id, tx_bytes, tx_packets, tx_errors, s, ns), properties)| QueueStats {
            base: crate::v13::QueueStats {
                port_no,
                queue_id,
                tx_bytes,
                tx_packets,
                tx_errors,
                duration_sec: s,
                duration_nsec: ns,
            },
            properties,
        },
    );
    let body = prop_oneof![
        p13::mp_reply()
            .prop_filter("1.4 changed or defines it", |r| {
                let t = r.body.mp_type();
                !multipart::changed_in_v14(t) && !new_in_v14(t)
            })
            .prop_map(|r| B::Common(r.body)),
        vec((p13::flow_stats(), any::<u16>()), 0..3).prop_map(|l| B::Flow(
            l.into_iter()
                .map(|(stats, importance)| FlowStats14 { stats, importance })
                .collect()
        )),
        vec(stats, 0..3).prop_map(B::PortStats),
        vec(queue, 0..3).prop_map(B::Queue),
        vec(port(), 0..3).prop_map(B::PortDesc),
        vec(table_desc(), 0..3).prop_map(B::TableDesc),
        vec(
            (any::<(u32, u32)>(), props()).prop_map(|((port_no, queue_id), properties)| {
                QueueDesc {
                    port_no,
                    queue_id,
                    properties,
                }
            }),
            0..3
        )
        .prop_map(B::QueueDesc),
        vec(flow_update(), 0..4).prop_map(B::FlowMonitor),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

/// A message to carry inside a bundle or REQUESTFORWARD.
fn inner() -> impl Strategy<Value = Framed> {
    (any::<u32>(), p13::message())
        .prop_filter("1.4 keeps it", |(_, m)| shared_with_v13(m.msg_type()))
        .prop_map(|(xid, m)| Framed::new(xid, AnyMessage::V14(Message::Common(m))))
}

/// Any valid 1.4 message.
pub fn message() -> impl Strategy<Value = Message> {
    let common = p13::message()
        .prop_filter("1.4 keeps it, or does not define its type", |m| {
            shared_with_v13(m.msg_type())
                || matches!(m, crate::v13::Message::Unknown { msg_type, .. } if !defined(*msg_type))
        })
        .prop_map(Message::Common);
    let flow_mod =
        (p13::message(), any::<u16>()).prop_filter_map("a FLOW_MOD", |(m, importance)| match m {
            crate::v13::Message::FlowMod(base) => {
                Some(Message::FlowMod(Box::new(FlowMod { base, importance })))
            }
            _ => None,
        });
    prop_oneof![
        common,
        flow_mod,
        (any::<u8>(), port())
            .prop_map(|(reason, port)| Message::PortStatus(PortStatus { reason, port })),
        (any::<u32>(), mac(), any::<(u32, u32)>(), props()).prop_map(
            |(port_no, hw_addr, (config, mask), properties)| Message::PortMod(PortMod {
                port_no,
                hw_addr,
                config,
                mask,
                properties,
            })
        ),
        (any::<(u8, u32)>(), props()).prop_map(|((table_id, config), properties)| {
            Message::TableMod(TableMod {
                table_id,
                config,
                properties,
            })
        }),
        mp_request().prop_map(Message::MultipartRequest),
        mp_reply().prop_map(Message::MultipartReply),
        props().prop_map(|properties| Message::GetAsyncReply(AsyncConfig { properties })),
        props().prop_map(|properties| Message::SetAsync(AsyncConfig { properties })),
        (any::<(u32, u8, u64)>(), props()).prop_map(
            |((role, reason, generation_id), properties)| {
                Message::RoleStatus(RoleStatus {
                    role,
                    reason,
                    generation_id,
                    properties,
                })
            }
        ),
        (any::<u8>(), table_desc())
            .prop_map(|(reason, table)| Message::TableStatus(TableStatus { reason, table })),
        inner().prop_map(Message::RequestForward),
        (any::<(u32, u16, u16)>(), props()).prop_map(
            |((bundle_id, ctrl_type, flags), properties)| {
                Message::BundleControl(BundleCtrl {
                    bundle_id,
                    ctrl_type,
                    flags,
                    properties,
                })
            }
        ),
        (any::<(u32, u16)>(), inner(), props()).prop_map(
            |((bundle_id, flags), message, properties)| {
                Message::BundleAddMessage(BundleAdd {
                    bundle_id,
                    flags,
                    message,
                    properties,
                })
            }
        ),
    ]
}

proptest! {
    #![proptest_config(p13::config())]

    #[test]
    fn encode_decode_is_identity(m in message(), xid in any::<u32>()) {
        p13::check_identity(&AnyMessage::V14(m), xid)?;
    }
}
