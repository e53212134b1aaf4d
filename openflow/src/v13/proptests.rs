//! Property tests: strategies generating valid 1.3 messages (every type, every TLV kind),
//! encode∘decode identity, and decode of arbitrary bytes never panicking.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::hello::HelloElement;
use crate::neutral::{FlowStats, FlowStatsRequest, PortInfo, SwitchDesc, TableStats};
use crate::oxm::{OxmField, CLASS_EXPERIMENTER};
use crate::{Action, Instruction, MacAddr, Match};

pub(crate) fn bytes_up_to(n: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=n).prop_map(Bytes::from)
}

/// Bytes whose length is a multiple of 8 plus `plus`.
fn bytes_8k(max_k: usize, plus: usize) -> impl Strategy<Value = Bytes> {
    (0..=max_k).prop_flat_map(move |k| vec(any::<u8>(), 8 * k + plus).prop_map(Bytes::from))
}

pub(crate) fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}
fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}
fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}
pub(crate) fn name(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9_.-]{{0,{max}}}"))
        .unwrap_or_else(|_| unreachable!())
}

/// Any OXM field that survives encode → decode unchanged.
pub fn oxm_field() -> impl Strategy<Value = OxmField> {
    use OxmField::*;
    let a = prop_oneof![
        any::<u32>().prop_map(InPort),
        any::<u32>().prop_map(InPhyPort),
        (any::<u64>(), any::<Option<u64>>()).prop_map(|(v, m)| Metadata(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| EthDst(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| EthSrc(v, m)),
        any::<u16>().prop_map(EthType),
        (any::<u16>(), any::<Option<u16>>()).prop_map(|(v, m)| VlanVid(v, m)),
        any::<u8>().prop_map(VlanPcp),
        any::<u8>().prop_map(IpDscp),
        any::<u8>().prop_map(IpEcn),
        any::<u8>().prop_map(IpProto),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| Ipv4Src(v, m)),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| Ipv4Dst(v, m)),
        any::<u16>().prop_map(TcpSrc),
        any::<u16>().prop_map(TcpDst),
        any::<u16>().prop_map(UdpSrc),
        any::<u16>().prop_map(UdpDst),
        any::<u16>().prop_map(SctpSrc),
        any::<u16>().prop_map(SctpDst),
        any::<u8>().prop_map(Icmpv4Type),
    ];
    let b = prop_oneof![
        any::<u8>().prop_map(Icmpv4Code),
        any::<u16>().prop_map(ArpOp),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| ArpSpa(v, m)),
        (v4(), proptest::option::of(v4())).prop_map(|(v, m)| ArpTpa(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| ArpSha(v, m)),
        (mac(), proptest::option::of(mac())).prop_map(|(v, m)| ArpTha(v, m)),
        (v6(), proptest::option::of(v6())).prop_map(|(v, m)| Ipv6Src(v, m)),
        (v6(), proptest::option::of(v6())).prop_map(|(v, m)| Ipv6Dst(v, m)),
        (any::<u32>(), any::<Option<u32>>()).prop_map(|(v, m)| Ipv6Flabel(v, m)),
        any::<u8>().prop_map(Icmpv6Type),
        any::<u8>().prop_map(Icmpv6Code),
        v6().prop_map(Ipv6NdTarget),
        mac().prop_map(Ipv6NdSll),
        mac().prop_map(Ipv6NdTll),
        any::<u32>().prop_map(MplsLabel),
        any::<u8>().prop_map(MplsTc),
        any::<u8>().prop_map(MplsBos),
        (0u32..=0xff_ffff, proptest::option::of(0u32..=0xff_ffff)).prop_map(|(v, m)| PbbIsid(v, m)),
        (any::<u64>(), any::<Option<u64>>()).prop_map(|(v, m)| TunnelId(v, m)),
        (any::<u16>(), any::<Option<u16>>()).prop_map(|(v, m)| Ipv6Exthdr(v, m)),
    ];
    let other = prop_oneof![
        // Another class (NXM 0x0000/0x0001, experimenter 0xffff…)…
        (0u16..0x8000, 0u8..0x80, any::<bool>(), bytes_up_to(32)),
        (
            Just(CLASS_EXPERIMENTER),
            0u8..0x80,
            any::<bool>(),
            bytes_up_to(32)
        ),
        // …or a basic field this codec does not know.
        (
            Just(crate::oxm::CLASS_OPENFLOW_BASIC),
            40u8..0x80,
            any::<bool>(),
            bytes_up_to(32)
        ),
    ]
    .prop_map(|(class, field, has_mask, payload)| Other {
        class,
        field,
        has_mask,
        payload,
    });
    prop_oneof![4 => a, 4 => b, 1 => other]
}

pub fn match_() -> impl Strategy<Value = Match> {
    vec(oxm_field(), 0..6).prop_map(Match::from_fields)
}

const KNOWN_ACTIONS: &[u16] = &[
    0, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 0xffff,
];

pub fn action() -> impl Strategy<Value = Action> {
    use Action::*;
    prop_oneof![
        (any::<u32>(), any::<u16>()).prop_map(|(port, max_len)| Output { port, max_len }),
        Just(CopyTtlOut),
        Just(CopyTtlIn),
        any::<u8>().prop_map(SetMplsTtl),
        Just(DecMplsTtl),
        any::<u16>().prop_map(PushVlan),
        Just(PopVlan),
        any::<u16>().prop_map(PushMpls),
        any::<u16>().prop_map(PopMpls),
        any::<u32>().prop_map(SetQueue),
        any::<u32>().prop_map(Group),
        any::<u8>().prop_map(SetNwTtl),
        Just(DecNwTtl),
        oxm_field().prop_map(SetField),
        any::<u16>().prop_map(PushPbb),
        Just(PopPbb),
        (any::<u32>(), bytes_8k(3, 0))
            .prop_map(|(experimenter, data)| Experimenter { experimenter, data }),
        (
            any::<u16>().prop_filter("unknown type", |t| !KNOWN_ACTIONS.contains(t)),
            bytes_8k(3, 4)
        )
            .prop_map(|(action_type, data)| Unknown { action_type, data }),
    ]
}

pub fn actions() -> impl Strategy<Value = Vec<Action>> {
    vec(action(), 0..5)
}

pub fn instruction() -> impl Strategy<Value = Instruction> {
    use Instruction::*;
    prop_oneof![
        any::<u8>().prop_map(GotoTable),
        (any::<u64>(), any::<u64>()).prop_map(|(metadata, mask)| WriteMetadata { metadata, mask }),
        actions().prop_map(WriteActions),
        actions().prop_map(ApplyActions),
        Just(ClearActions),
        any::<u32>().prop_map(Meter),
        (any::<u32>(), bytes_8k(2, 0))
            .prop_map(|(experimenter, data)| Experimenter { experimenter, data }),
        (7u16..0xffff, bytes_8k(2, 4)).prop_map(|(instruction_type, data)| Unknown {
            instruction_type,
            data
        }),
    ]
}

pub(crate) fn port_info() -> impl Strategy<Value = PortInfo> {
    (any::<u32>(), mac(), name(15), any::<[u32; 8]>()).prop_map(|(port_no, hw_addr, name, v)| {
        PortInfo {
            port_no,
            hw_addr,
            name,
            config: v[0],
            state: v[1],
            curr: v[2],
            advertised: v[3],
            supported: v[4],
            peer: v[5],
            curr_speed: v[6],
            max_speed: v[7],
        }
    })
}

pub(crate) fn bucket() -> impl Strategy<Value = Bucket> {
    (any::<u16>(), any::<u32>(), any::<u32>(), actions()).prop_map(
        |(weight, watch_port, watch_group, actions)| Bucket {
            weight,
            watch_port,
            watch_group,
            actions,
        },
    )
}

fn band() -> impl Strategy<Value = MeterBand> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(rate, burst_size)| MeterBand::Drop { rate, burst_size }),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(rate, burst_size, prec_level)| {
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            }
        }),
        (any::<u32>(), any::<u32>(), any::<u32>(), bytes_up_to(16)).prop_map(
            |(rate, burst_size, experimenter, data)| {
                MeterBand::Experimenter {
                    rate,
                    burst_size,
                    experimenter,
                    data,
                }
            }
        ),
        (3u16..0xffff, any::<u32>(), any::<u32>(), bytes_up_to(16)).prop_map(
            |(band_type, rate, burst_size, data)| {
                MeterBand::Unknown {
                    band_type,
                    rate,
                    burst_size,
                    data,
                }
            }
        ),
    ]
}

pub(crate) fn flow_stats_request() -> impl Strategy<Value = FlowStatsRequest> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        match_(),
    )
        .prop_map(
            |(table_id, out_port, out_group, cookie, cookie_mask, match_)| FlowStatsRequest {
                table_id,
                out_port,
                out_group,
                cookie,
                cookie_mask,
                match_,
            },
        )
}

pub(crate) fn oxm_id() -> impl Strategy<Value = OxmId> {
    prop_oneof![
        (0u16..0xffff, 0u8..0x80, any::<bool>(), any::<u8>()).prop_map(
            |(class, field, has_mask, length)| OxmId {
                class,
                field,
                has_mask,
                length,
                experimenter: None
            }
        ),
        (0u8..0x80, any::<bool>(), any::<u8>(), any::<u32>()).prop_map(
            |(field, has_mask, length, e)| OxmId {
                class: CLASS_EXPERIMENTER,
                field,
                has_mask,
                length,
                experimenter: Some(e),
            }
        ),
    ]
}

fn tlv_id() -> impl Strategy<Value = TlvId> {
    (any::<u16>(), bytes_up_to(8)).prop_map(|(id_type, data)| TlvId { id_type, data })
}

fn table_prop() -> impl Strategy<Value = TableFeatureProp> {
    use TableFeatureProp as P;
    prop_oneof![
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::Instructions { miss, ids }),
        (any::<bool>(), vec(any::<u8>(), 0..10))
            .prop_map(|(miss, tables)| P::NextTables { miss, tables }),
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::WriteActions { miss, ids }),
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::ApplyActions { miss, ids }),
        vec(oxm_id(), 0..4).prop_map(P::Match),
        vec(oxm_id(), 0..4).prop_map(P::Wildcards),
        (any::<bool>(), vec(oxm_id(), 0..4)).prop_map(|(miss, ids)| P::WriteSetfield { miss, ids }),
        (any::<bool>(), vec(oxm_id(), 0..4)).prop_map(|(miss, ids)| P::ApplySetfield { miss, ids }),
        (any::<bool>(), any::<u32>(), any::<u32>(), bytes_up_to(12)).prop_map(
            |(miss, experimenter, exp_type, data)| {
                P::Experimenter {
                    miss,
                    experimenter,
                    exp_type,
                    data,
                }
            }
        ),
        (
            prop_oneof![Just(9u16), Just(11u16), 16u16..0xfffe],
            bytes_up_to(12)
        )
            .prop_map(|(prop_type, data)| P::Unknown { prop_type, data }),
    ]
}

pub(crate) fn table_features() -> impl Strategy<Value = TableFeatures> {
    (
        any::<u8>(),
        name(31),
        any::<u64>(),
        any::<u64>(),
        any::<u32>(),
        any::<u32>(),
        vec(table_prop(), 0..4),
    )
        .prop_map(
            |(table_id, name, metadata_match, metadata_write, config, max_entries, properties)| {
                TableFeatures {
                    table_id,
                    name,
                    metadata_match,
                    metadata_write,
                    config,
                    max_entries,
                    properties,
                }
            },
        )
}

fn experimenter() -> impl Strategy<Value = ExperimenterMsg> {
    (any::<u32>(), any::<u32>(), bytes_up_to(24)).prop_map(|(experimenter, exp_type, data)| {
        ExperimenterMsg {
            experimenter,
            exp_type,
            data,
        }
    })
}

pub(crate) fn mp_request() -> impl Strategy<Value = MultipartRequest> {
    use MultipartRequestBody as B;
    let body = prop_oneof![
        Just(B::Desc),
        flow_stats_request().prop_map(B::Flow),
        flow_stats_request().prop_map(B::Aggregate),
        Just(B::Table),
        any::<u32>().prop_map(|port_no| B::PortStats { port_no }),
        (any::<u32>(), any::<u32>()).prop_map(|(port_no, queue_id)| B::Queue { port_no, queue_id }),
        any::<u32>().prop_map(|group_id| B::Group { group_id }),
        Just(B::GroupDesc),
        Just(B::GroupFeatures),
        any::<u32>().prop_map(|meter_id| B::Meter { meter_id }),
        any::<u32>().prop_map(|meter_id| B::MeterConfig { meter_id }),
        Just(B::MeterFeatures),
        vec(table_features(), 0..3).prop_map(B::TableFeatures),
        Just(B::PortDesc),
        experimenter().prop_map(B::Experimenter),
        (14u16..0xffff, bytes_up_to(24)).prop_map(|(mp_type, body)| B::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

pub(crate) fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        any::<(u8, u32, u32, u16, u16, u16, u16)>(),
        any::<(u64, u64, u64)>(),
        match_(),
        vec(instruction(), 0..3),
    )
        .prop_map(
            |(
                (
                    table_id,
                    duration_sec,
                    duration_nsec,
                    priority,
                    idle_timeout,
                    hard_timeout,
                    flags,
                ),
                (cookie, packet_count, byte_count),
                match_,
                instructions,
            )| {
                FlowStats {
                    table_id,
                    duration_sec,
                    duration_nsec,
                    priority,
                    idle_timeout,
                    hard_timeout,
                    flags,
                    cookie,
                    packet_count,
                    byte_count,
                    match_,
                    instructions,
                }
            },
        )
}

fn port_stats() -> impl Strategy<Value = PortStats> {
    (any::<u32>(), any::<[u64; 12]>(), any::<u32>(), any::<u32>()).prop_map(
        |(port_no, c, duration_sec, duration_nsec)| PortStats {
            port_no,
            rx_packets: c[0],
            tx_packets: c[1],
            rx_bytes: c[2],
            tx_bytes: c[3],
            rx_dropped: c[4],
            tx_dropped: c[5],
            rx_errors: c[6],
            tx_errors: c[7],
            rx_frame_err: c[8],
            rx_over_err: c[9],
            rx_crc_err: c[10],
            collisions: c[11],
            duration_sec,
            duration_nsec,
        },
    )
}

pub(crate) fn mp_reply() -> impl Strategy<Value = MultipartReply> {
    use MultipartReplyBody as B;
    let body = prop_oneof![
        (name(255), name(255), name(40), name(31), name(60)).prop_map(|(a, b, c, d, e)| B::Desc(
            SwitchDesc {
                mfr_desc: a,
                hw_desc: b,
                sw_desc: c,
                serial_num: d,
                dp_desc: e
            }
        )),
        vec(flow_stats(), 0..3).prop_map(B::Flow),
        any::<(u64, u64, u32)>().prop_map(|(p, b, f)| B::Aggregate(AggregateStats {
            packet_count: p,
            byte_count: b,
            flow_count: f
        })),
        vec(any::<(u8, u32, u64, u64)>(), 0..4).prop_map(|l| B::Table(
            l.into_iter()
                .map(
                    |(table_id, active_count, lookup_count, matched_count)| TableStats {
                        table_id,
                        active_count,
                        lookup_count,
                        matched_count
                    }
                )
                .collect()
        )),
        vec(port_stats(), 0..3).prop_map(B::PortStats),
        vec(any::<(u32, u32, u64, u64, u64, u32, u32)>(), 0..3).prop_map(|l| B::Queue(
            l.into_iter()
                .map(
                    |(
                        port_no,
                        queue_id,
                        tx_bytes,
                        tx_packets,
                        tx_errors,
                        duration_sec,
                        duration_nsec,
                    )| QueueStats {
                        port_no,
                        queue_id,
                        tx_bytes,
                        tx_packets,
                        tx_errors,
                        duration_sec,
                        duration_nsec
                    }
                )
                .collect()
        )),
        vec(
            (
                any::<(u32, u32, u64, u64, u32, u32)>(),
                vec(any::<(u64, u64)>(), 0..3)
            ),
            0..3
        )
        .prop_map(|l| B::Group(
            l.into_iter()
                .map(
                    |(
                        (
                            group_id,
                            ref_count,
                            packet_count,
                            byte_count,
                            duration_sec,
                            duration_nsec,
                        ),
                        b,
                    )| GroupStats {
                        group_id,
                        ref_count,
                        packet_count,
                        byte_count,
                        duration_sec,
                        duration_nsec,
                        bucket_stats: b
                            .into_iter()
                            .map(|(packet_count, byte_count)| BucketCounter {
                                packet_count,
                                byte_count
                            })
                            .collect(),
                    }
                )
                .collect()
        )),
        vec((any::<u8>(), any::<u32>(), vec(bucket(), 0..3)), 0..3).prop_map(|l| B::GroupDesc(
            l.into_iter()
                .map(|(group_type, group_id, buckets)| GroupDesc {
                    group_type,
                    group_id,
                    buckets
                })
                .collect()
        )),
        (
            any::<u32>(),
            any::<u32>(),
            any::<[u32; 4]>(),
            any::<[u32; 4]>()
        )
            .prop_map(|(types, capabilities, max_groups, actions)| {
                B::GroupFeatures(GroupFeatures {
                    types,
                    capabilities,
                    max_groups,
                    actions,
                })
            }),
        vec(
            (
                any::<(u32, u32, u64, u64, u32, u32)>(),
                vec(any::<(u64, u64)>(), 0..3)
            ),
            0..3
        )
        .prop_map(|l| B::Meter(
            l.into_iter()
                .map(
                    |(
                        (
                            meter_id,
                            flow_count,
                            packet_in_count,
                            byte_in_count,
                            duration_sec,
                            duration_nsec,
                        ),
                        b,
                    )| MeterStats {
                        meter_id,
                        flow_count,
                        packet_in_count,
                        byte_in_count,
                        duration_sec,
                        duration_nsec,
                        band_stats: b
                            .into_iter()
                            .map(|(packet_band_count, byte_band_count)| MeterBandStats {
                                packet_band_count,
                                byte_band_count
                            })
                            .collect(),
                    }
                )
                .collect()
        )),
        vec((any::<u16>(), any::<u32>(), vec(band(), 0..3)), 0..3).prop_map(|l| B::MeterConfig(
            l.into_iter()
                .map(|(flags, meter_id, bands)| MeterConfig {
                    flags,
                    meter_id,
                    bands
                })
                .collect()
        )),
        any::<(u32, u32, u32, u8, u8)>().prop_map(
            |(max_meter, band_types, capabilities, max_bands, max_color)| {
                B::MeterFeatures(MeterFeatures {
                    max_meter,
                    band_types,
                    capabilities,
                    max_bands,
                    max_color,
                })
            }
        ),
        vec(table_features(), 0..3).prop_map(B::TableFeatures),
        vec(port_info(), 0..4).prop_map(B::PortDesc),
        experimenter().prop_map(B::Experimenter),
        (14u16..0xffff, bytes_up_to(24)).prop_map(|(mp_type, body)| B::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

fn queue_prop() -> impl Strategy<Value = QueueProp> {
    prop_oneof![
        any::<u16>().prop_map(QueueProp::MinRate),
        any::<u16>().prop_map(QueueProp::MaxRate),
        (any::<u32>(), bytes_up_to(16))
            .prop_map(|(experimenter, data)| QueueProp::Experimenter { experimenter, data }),
        (3u16..0xffff, bytes_up_to(16))
            .prop_map(|(property, data)| QueueProp::Unknown { property, data }),
    ]
}

/// Any valid 1.3 message.
pub fn message() -> impl Strategy<Value = Message> {
    use crate::neutral::{ErrorMsg, FlowRemoved, PortStatus, SwitchConfig};
    let config = any::<(u16, u16)>().prop_map(|(flags, miss_send_len)| SwitchConfig {
        flags,
        miss_send_len,
    });
    let role = any::<(u32, u64)>().prop_map(|(role, generation_id)| Role {
        role,
        generation_id,
    });
    let asyncc = any::<[u32; 6]>().prop_map(|v| AsyncConfig {
        packet_in_mask: [v[0], v[1]],
        port_status_mask: [v[2], v[3]],
        flow_removed_mask: [v[4], v[5]],
    });
    let small = prop_oneof![
        prop_oneof![
            vec(any::<u32>(), 1..3).prop_map(HelloElement::VersionBitmap),
            (2u16..0xffff, bytes_up_to(12))
                .prop_map(|(elem_type, data)| HelloElement::Unknown { elem_type, data }),
        ]
        .prop_map(|e| vec![e])
        .prop_map(|elements| Message::Hello { elements }),
        (0u16..0xffff, any::<u16>(), bytes_up_to(64)).prop_map(|(err_type, code, data)| {
            Message::Error(ErrorMsg {
                err_type,
                code,
                experimenter: None,
                data,
            })
        }),
        (any::<u16>(), any::<u32>(), bytes_up_to(64)).prop_map(|(code, e, data)| Message::Error(
            ErrorMsg {
                err_type: 0xffff,
                code,
                experimenter: Some(e),
                data
            }
        )),
        bytes_up_to(32).prop_map(Message::EchoRequest),
        bytes_up_to(32).prop_map(Message::EchoReply),
        experimenter().prop_map(Message::Experimenter),
        Just(Message::FeaturesRequest),
        any::<(u64, u32, u8, u8, u32, u32)>().prop_map(
            |(datapath_id, n_buffers, n_tables, auxiliary_id, capabilities, reserved)| {
                Message::FeaturesReply(SwitchFeatures {
                    datapath_id: crate::Dpid(datapath_id),
                    n_buffers,
                    n_tables,
                    auxiliary_id,
                    capabilities,
                    reserved,
                })
            }
        ),
        Just(Message::GetConfigRequest),
        config.clone().prop_map(Message::GetConfigReply),
        config.prop_map(Message::SetConfig),
        Just(Message::BarrierRequest),
        Just(Message::BarrierReply),
        any::<u32>().prop_map(|port| Message::QueueGetConfigRequest { port }),
        role.clone().prop_map(Message::RoleRequest),
        role.prop_map(Message::RoleReply),
        Just(Message::GetAsyncRequest),
        asyncc.clone().prop_map(Message::GetAsyncReply),
        asyncc.prop_map(Message::SetAsync),
        (30u8..=255, bytes_up_to(32))
            .prop_map(|(msg_type, body)| Message::Unknown { msg_type, body }),
    ];
    let big = prop_oneof![
        (any::<(u32, u16, u8, u8, u64)>(), match_(), bytes_up_to(128)).prop_map(
            |((buffer_id, total_len, reason, table_id, cookie), match_, data)| Message::PacketIn(
                PacketIn {
                    buffer_id,
                    total_len,
                    reason,
                    table_id,
                    cookie,
                    match_,
                    data
                }
            )
        ),
        (
            any::<(u64, u16, u8, u8, u32, u32)>(),
            any::<(u16, u16, u64, u64)>(),
            match_()
        )
            .prop_map(
                |(
                    (cookie, priority, reason, table_id, duration_sec, duration_nsec),
                    (idle_timeout, hard_timeout, packet_count, byte_count),
                    match_,
                )| {
                    Message::FlowRemoved(FlowRemoved {
                        cookie,
                        priority,
                        reason,
                        table_id,
                        duration_sec,
                        duration_nsec,
                        idle_timeout,
                        hard_timeout,
                        packet_count,
                        byte_count,
                        match_,
                    })
                }
            ),
        (any::<u8>(), port_info())
            .prop_map(|(reason, port)| Message::PortStatus(PortStatus { reason, port })),
        (any::<u32>(), any::<u32>(), actions(), bytes_up_to(128)).prop_map(
            |(buffer_id, in_port, actions, data)| Message::PacketOut(PacketOut {
                buffer_id,
                in_port,
                actions,
                data
            })
        ),
        (
            any::<(u64, u64, u8, u8, u16, u16, u16)>(),
            any::<(u32, u32, u32, u16)>(),
            match_(),
            vec(instruction(), 0..4)
        )
            .prop_map(
                |(
                    (cookie, cookie_mask, table_id, command, idle_timeout, hard_timeout, priority),
                    (buffer_id, out_port, out_group, flags),
                    match_,
                    instructions,
                )| {
                    Message::FlowMod(FlowMod {
                        cookie,
                        cookie_mask,
                        table_id,
                        command,
                        idle_timeout,
                        hard_timeout,
                        priority,
                        buffer_id,
                        out_port,
                        out_group,
                        flags,
                        match_,
                        instructions,
                    })
                }
            ),
        (any::<u16>(), any::<u8>(), any::<u32>(), vec(bucket(), 0..4)).prop_map(
            |(command, group_type, group_id, buckets)| {
                Message::GroupMod(GroupMod {
                    command,
                    group_type,
                    group_id,
                    buckets,
                })
            }
        ),
        (any::<u32>(), mac(), any::<(u32, u32, u32)>()).prop_map(
            |(port_no, hw_addr, (config, mask, advertise))| {
                Message::PortMod(PortMod {
                    port_no,
                    hw_addr,
                    config,
                    mask,
                    advertise,
                })
            }
        ),
        any::<(u8, u32)>()
            .prop_map(|(table_id, config)| Message::TableMod(TableMod { table_id, config })),
        mp_request().prop_map(Message::MultipartRequest),
        mp_reply().prop_map(Message::MultipartReply),
        (
            any::<u32>(),
            vec((any::<u32>(), any::<u32>(), vec(queue_prop(), 0..3)), 0..3)
        )
            .prop_map(|(port, qs)| {
                Message::QueueGetConfigReply(QueueGetConfigReply {
                    port,
                    queues: qs
                        .into_iter()
                        .map(|(queue_id, port, properties)| PacketQueue {
                            queue_id,
                            port,
                            properties,
                        })
                        .collect(),
                })
            }),
        (any::<u16>(), any::<u16>(), any::<u32>(), vec(band(), 0..4)).prop_map(
            |(command, flags, meter_id, bands)| {
                Message::MeterMod(MeterMod {
                    command,
                    flags,
                    meter_id,
                    bands,
                })
            }
        ),
    ];
    prop_oneof![1 => small, 2 => big]
}

/// 512 cases; PROPTEST_CASES raises the count for a longer soak. Shared by 1.4 and 1.5.
pub(crate) fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512),
        ..ProptestConfig::default()
    }
}

/// `m` encodes, decodes to itself, re-encodes to the same bytes, and its display starts
/// with its kind's name (any version).
pub(crate) fn check_identity(m: &crate::Message, xid: u32) -> Result<(), TestCaseError> {
    let wire = Bytes::from(
        m.to_bytes(xid)
            .map_err(|e| TestCaseError::fail(format!("{e}: {m:?}")))?,
    );
    let (x, back) =
        crate::Message::decode(&wire).map_err(|e| TestCaseError::fail(format!("{e}: {m:?}")))?;
    prop_assert_eq!(x, xid);
    prop_assert_eq!(&back, m);
    let again = back
        .to_bytes(xid)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(again, wire.to_vec());
    let shown = m.to_string();
    prop_assert!(shown.contains(m.kind().name()), "{}", shown);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn encode_decode_is_identity(m in message(), xid in any::<u32>()) {
        check_identity(&crate::Message::V13(m), xid)?;
    }

    #[test]
    fn oxm_fields_round_trip(f in oxm_field()) {
        let mut out = vec![];
        oxm_codec::encode_field(&f, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let b = Bytes::from(out);
        let (back, rest) = oxm_codec::decode_field(&b, &b).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(rest.is_empty());
        prop_assert_eq!(back, f);
    }

    #[test]
    // 1.3, and 1.4 and 1.5, which decode through 1.3's parsers.
    fn random_bytes_never_panic(body in vec(any::<u8>(), 0..300), t in 0u8..40, v in VERSION..=6) {
        let mut frame = vec![v, t, 0, 0, 0, 0, 0, 1];
        frame.extend_from_slice(&body);
        let len = frame.len() as u16;
        frame[2..4].copy_from_slice(&len.to_be_bytes());
        let frame = Bytes::from(frame);
        if let Ok((_, m)) = crate::Message::decode(&frame) {
            // Whatever decodes must encode again and print.
            let _ = m.to_string();
            prop_assert!(m.to_bytes(1).is_ok());
        }
    }

    #[test]
    fn mutated_valid_messages_never_panic(m in message(), pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut wire = m.to_bytes(5).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = pos.index(wire.len());
        if p >= 8 {
            wire[p] = byte;
        }
        // Also truncate at a random point (fixing up the header length).
        let keep = 8 + cut.index(wire.len() - 7);
        wire.truncate(keep);
        let len = wire.len() as u16;
        wire[2..4].copy_from_slice(&len.to_be_bytes());
        let frame = Bytes::from(wire);
        if let Ok((_, m)) = crate::Message::decode(&frame) {
            let _ = m.to_string();
        }
    }
}
