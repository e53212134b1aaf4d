//! Property tests: strategies generating valid 1.5 messages (1.4's bodies 1.5 keeps, and
//! every 1.5 structure), encode∘decode identity.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::v13::proptests::{self as p13, bytes_up_to, match_};
use crate::v14::proptests::{self as p14, props};
use crate::Message as AnyMessage;

fn stats() -> impl Strategy<Value = Stats> {
    let field = (any::<u16>(), 0u8..0x80, any::<bool>(), bytes_up_to(12)).prop_map(
        |(class, field, reserved, value)| OxsField {
            class,
            field,
            reserved,
            value,
        },
    );
    vec(field, 0..4).prop_map(|fields| Stats { fields })
}

fn bucket() -> impl Strategy<Value = Bucket> {
    (any::<u32>(), p13::actions(), props()).prop_map(|(bucket_id, actions, properties)| Bucket {
        bucket_id,
        actions,
        properties,
    })
}

fn role() -> impl Strategy<Value = Role> {
    any::<(u32, u16, u64)>().prop_map(|(role, short_id, generation_id)| Role {
        role,
        short_id,
        generation_id,
    })
}

fn controller_status() -> impl Strategy<Value = ControllerStatus> {
    (any::<(u16, u32, u8, u8)>(), props()).prop_map(
        |((short_id, role, reason, channel_status), properties)| ControllerStatus {
            short_id,
            role,
            reason,
            channel_status,
            properties,
        },
    )
}

fn table_features() -> impl Strategy<Value = TableFeatures15> {
    (any::<(u8, u32)>(), p13::table_features()).prop_map(|((command, features), base)| {
        TableFeatures15 {
            command,
            features,
            base,
        }
    })
}

/// 1.4 multipart types 1.5 defines itself.
fn new_in_v15(t: u16) -> bool {
    (multipart::multipart_type::FLOW_STATS..=multipart::multipart_type::BUNDLE_FEATURES)
        .contains(&t)
}

fn mp_request() -> impl Strategy<Value = MultipartRequest> {
    use MultipartRequestBody as B;
    let body = prop_oneof![
        p14::mp_request()
            .prop_filter("1.5 changed or defines it", |r| {
                let t = r.body.mp_type();
                !matches!(t, 7 | 12 | 13) && !new_in_v15(t)
            })
            .prop_map(|r| B::Common(r.body)),
        any::<u32>().prop_map(|port_no| B::PortDesc { port_no }),
        any::<u32>().prop_map(|group_id| B::GroupDesc { group_id }),
        vec(table_features(), 0..2).prop_map(B::TableFeatures),
        p13::flow_stats_request().prop_map(B::FlowStats),
        Just(B::ControllerStatus),
        (any::<u32>(), props()).prop_map(|(feature_request_flags, properties)| {
            B::BundleFeatures(BundleFeaturesRequest {
                feature_request_flags,
                properties,
            })
        }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

fn mp_reply() -> impl Strategy<Value = MultipartReply> {
    use MultipartReplyBody as B;
    let desc = (
        any::<(u8, u16, u16, u16, u16, u16, u64)>(),
        match_(),
        stats(),
        vec(p13::instruction(), 0..2),
    )
        .prop_map(
            |((table_id, priority, idle, hard, flags, importance, cookie), match_, stats, ins)| {
                FlowDesc {
                    table_id,
                    priority,
                    idle_timeout: idle,
                    hard_timeout: hard,
                    flags,
                    importance,
                    cookie,
                    match_,
                    stats,
                    instructions: ins,
                }
            },
        );
    let fstats = (any::<(u8, u8, u16)>(), match_(), stats()).prop_map(
        |((table_id, reason, priority), match_, stats)| FlowStats15 {
            table_id,
            reason,
            priority,
            match_,
            stats,
        },
    );
    let gdesc = (any::<(u8, u32)>(), vec(bucket(), 0..3), props()).prop_map(
        |((group_type, group_id), buckets, properties)| GroupDesc {
            group_type,
            group_id,
            buckets,
            properties,
        },
    );
    let body = prop_oneof![
        p14::mp_reply()
            .prop_filter("1.5 changed or defines it", |r| {
                let t = r.body.mp_type();
                !matches!(t, 1 | 2 | 7 | 11 | 12) && !new_in_v15(t)
            })
            .prop_map(|r| B::Common(r.body)),
        vec(desc, 0..3).prop_map(B::FlowDesc),
        stats().prop_map(B::Aggregate),
        vec(gdesc, 0..3).prop_map(B::GroupDesc),
        (
            any::<(u32, u32, u32, u8, u8)>(),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|((m, b, c, mb, mc), features)| {
                B::MeterFeatures(MeterFeatures {
                    base: crate::v13::MeterFeatures {
                        max_meter: m,
                        band_types: b,
                        capabilities: c,
                        max_bands: mb,
                        max_color: mc,
                    },
                    features,
                })
            }),
        vec(table_features(), 0..2).prop_map(B::TableFeatures),
        vec(fstats, 0..3).prop_map(B::FlowStats),
        vec(controller_status(), 0..3).prop_map(B::ControllerStatus),
        (any::<u16>(), props()).prop_map(|(capabilities, properties)| {
            B::BundleFeatures(BundleFeatures {
                capabilities,
                properties,
            })
        }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

/// Any valid 1.5 message.
pub fn message() -> impl Strategy<Value = Message> {
    let common = p14::message()
        .prop_filter("1.5 keeps it, or does not define its type", |m| {
            let t = m.msg_type();
            let raw = matches!(m, v14::Message::Common(crate::v13::Message::Unknown { .. }));
            shared_with_v14(t) || (raw && !v14::defined(t) && t != msg_type::CONTROLLER_STATUS)
        })
        .prop_map(Message::Common);
    prop_oneof![
        common,
        (any::<(u8, u8, u16, u16, u16, u64)>(), match_(), stats()).prop_map(
            |((table_id, reason, priority, idle, hard, cookie), match_, stats)| {
                Message::FlowRemoved(FlowRemoved {
                    table_id,
                    reason,
                    priority,
                    idle_timeout: idle,
                    hard_timeout: hard,
                    cookie,
                    match_,
                    stats,
                })
            }
        ),
        (any::<u32>(), match_(), p13::actions(), bytes_up_to(64)).prop_map(
            |(buffer_id, match_, actions, data)| Message::PacketOut(PacketOut {
                buffer_id,
                match_,
                actions,
                data,
            })
        ),
        (any::<(u16, u8, u32, u32)>(), vec(bucket(), 0..3), props()).prop_map(
            |(head, buckets, properties)| {
                Message::GroupMod(GroupMod {
                    command: head.0,
                    group_type: head.1,
                    group_id: head.2,
                    command_bucket_id: head.3,
                    buckets,
                    properties,
                })
            }
        ),
        mp_request().prop_map(Message::MultipartRequest),
        mp_reply().prop_map(Message::MultipartReply),
        role().prop_map(Message::RoleRequest),
        role().prop_map(Message::RoleReply),
        controller_status().prop_map(Message::ControllerStatus),
    ]
}

proptest! {
    #![proptest_config(p13::config())]

    #[test]
    fn encode_decode_is_identity(m in message(), xid in any::<u32>()) {
        p13::check_identity(&AnyMessage::V15(m), xid)?;
    }
}
