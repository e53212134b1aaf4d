//! Independent decoder check: Wireshark's OpenFlow 1.3 dissector (tshark) reads every
//! message we emit without a malformed or error-level frame, and sees the type we meant.
//! Needs `tshark` on PATH; without it this test FAILS (it never skips).

use std::io::Write;
use std::process::Command;

use bytes::Bytes;
use openflow::hello::HelloElement;
use openflow::neutral::*;
use openflow::oxm::{OxmField, CLASS_OPENFLOW_BASIC};
use openflow::v13::{
    self, AggregateStats, AsyncConfig, Bucket, BucketCounter, GroupDesc, GroupFeatures, GroupMod,
    GroupStats, Message, MeterBand, MeterBandStats, MeterConfig, MeterFeatures, MeterMod,
    MeterStats, MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody, OxmId,
    PacketQueue, PortMod, QueueGetConfigReply, QueueProp, QueueStats, Role, SwitchFeatures,
    TableFeatureProp, TableFeatures, TableMod, TlvId,
};
use openflow::{Action, Instruction, MacAddr, Match};

fn port(n: u32) -> PortInfo {
    PortInfo {
        port_no: n,
        hw_addr: MacAddr([2, 0, 0, 0, 0, n as u8]),
        name: format!("s1-eth{n}"),
        config: 0,
        state: port_state::LIVE,
        curr: 0x2820,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 10_000_000,
        max_speed: 0,
    }
}

fn messages() -> Vec<Message> {
    let m = Match::new()
        .in_port(1)
        .eth_dst(MacAddr([0, 0, 0, 0, 0, 2]))
        .eth_type(0x0800)
        .ipv4_dst_masked(
            "10.0.0.0".parse().unwrap(),
            "255.255.255.0".parse().unwrap(),
        )
        .ip_proto(17)
        .udp_dst(53);
    let frame = Bytes::from(vec![0u8; 60]);
    let fm = v13::FlowMod {
        cookie: 1,
        cookie_mask: 0,
        table_id: 0,
        command: 0,
        idle_timeout: 10,
        hard_timeout: 0,
        priority: 100,
        buffer_id: NO_BUFFER,
        out_port: openflow::port::ANY,
        out_group: GROUP_ANY,
        flags: 1,
        match_: m.clone(),
        instructions: vec![
            Instruction::Meter(1),
            Instruction::ApplyActions(vec![
                Action::PushVlan(0x8100),
                Action::SetField(OxmField::VlanVid(0x1000 | 10, None)),
                Action::SetField(OxmField::Ipv4Src("10.0.0.9".parse().unwrap(), None)),
                Action::DecNwTtl,
                Action::Output {
                    port: 2,
                    max_len: 0,
                },
            ]),
            Instruction::WriteActions(vec![Action::Group(1), Action::SetQueue(1)]),
            Instruction::WriteMetadata {
                metadata: 5,
                mask: 0xff,
            },
            Instruction::GotoTable(1),
        ],
    };
    let flow_req = FlowStatsRequest {
        match_: m.clone(),
        ..Default::default()
    };
    let req = |body| Message::MultipartRequest(MultipartRequest { flags: 0, body });
    let rep = |body| Message::MultipartReply(MultipartReply { flags: 0, body });
    let bucket = |p| Bucket {
        weight: 1,
        watch_port: openflow::port::ANY,
        watch_group: GROUP_ANY,
        actions: vec![Action::Output {
            port: p,
            max_len: 0,
        }],
    };
    let tf = TableFeatures {
        table_id: 0,
        name: "classifier".into(),
        metadata_match: u64::MAX,
        metadata_write: u64::MAX,
        config: 0,
        max_entries: 1_000_000,
        properties: vec![
            TableFeatureProp::Instructions {
                miss: false,
                ids: (1..=6).map(TlvId::new).collect(),
            },
            TableFeatureProp::NextTables {
                miss: false,
                tables: vec![1, 2, 3],
            },
            TableFeatureProp::ApplyActions {
                miss: true,
                ids: vec![TlvId::new(0), TlvId::new(17)],
            },
            TableFeatureProp::Match(vec![OxmId::basic(0, false), OxmId::basic(3, true)]),
            TableFeatureProp::ApplySetfield {
                miss: false,
                ids: vec![OxmId::basic(6, false)],
            },
        ],
    };
    let _ = CLASS_OPENFLOW_BASIC;
    vec![
        Message::Hello {
            elements: vec![HelloElement::VersionBitmap(vec![0x12])],
        },
        Message::Error(ErrorMsg {
            err_type: 1,
            code: 6,
            experimenter: None,
            data: Bytes::from_static(&[4, 20, 0, 8, 0, 0, 0, 1]),
        }),
        Message::EchoRequest(Bytes::from_static(b"ping")),
        Message::EchoReply(Bytes::from_static(b"ping")),
        Message::FeaturesRequest,
        Message::FeaturesReply(SwitchFeatures {
            datapath_id: 1,
            n_buffers: 0,
            n_tables: 254,
            auxiliary_id: 0,
            capabilities: 0x4f,
            reserved: 0,
        }),
        Message::GetConfigRequest,
        Message::GetConfigReply(SwitchConfig {
            flags: 0,
            miss_send_len: 0xffff,
        }),
        Message::SetConfig(SwitchConfig {
            flags: 0,
            miss_send_len: 0xffff,
        }),
        Message::PacketIn(v13::PacketIn {
            buffer_id: NO_BUFFER,
            total_len: 60,
            reason: 0,
            table_id: 0,
            cookie: 0,
            match_: Match::new().in_port(3),
            data: frame.clone(),
        }),
        Message::FlowRemoved(FlowRemoved {
            cookie: 1,
            priority: 100,
            reason: 0,
            table_id: 0,
            duration_sec: 3,
            duration_nsec: 0,
            idle_timeout: 10,
            hard_timeout: 0,
            packet_count: 2,
            byte_count: 120,
            match_: m.clone(),
        }),
        Message::PortStatus(PortStatus {
            reason: port_reason::ADD,
            port: port(1),
        }),
        Message::PacketOut(v13::PacketOut {
            buffer_id: NO_BUFFER,
            in_port: openflow::port::CONTROLLER,
            actions: vec![Action::output(openflow::port::FLOOD)],
            data: frame,
        }),
        Message::FlowMod(fm),
        Message::GroupMod(GroupMod {
            command: 0,
            group_type: 1,
            group_id: 1,
            buckets: vec![bucket(1), bucket(2)],
        }),
        Message::PortMod(PortMod {
            port_no: 1,
            hw_addr: MacAddr([2, 0, 0, 0, 0, 1]),
            config: 1,
            mask: 1,
            advertise: 0,
        }),
        Message::TableMod(TableMod {
            table_id: 0,
            config: 3,
        }),
        req(MultipartRequestBody::Desc),
        req(MultipartRequestBody::Flow(flow_req.clone())),
        req(MultipartRequestBody::Aggregate(flow_req)),
        req(MultipartRequestBody::Table),
        req(MultipartRequestBody::PortStats {
            port_no: openflow::port::ANY,
        }),
        req(MultipartRequestBody::Queue {
            port_no: openflow::port::ANY,
            queue_id: 0xffff_ffff,
        }),
        req(MultipartRequestBody::Group {
            group_id: GROUP_ANY,
        }),
        req(MultipartRequestBody::GroupDesc),
        req(MultipartRequestBody::GroupFeatures),
        req(MultipartRequestBody::Meter {
            meter_id: 0xffff_ffff,
        }),
        req(MultipartRequestBody::MeterConfig {
            meter_id: 0xffff_ffff,
        }),
        req(MultipartRequestBody::MeterFeatures),
        req(MultipartRequestBody::TableFeatures(vec![])),
        req(MultipartRequestBody::PortDesc),
        rep(MultipartReplyBody::Desc(SwitchDesc {
            mfr_desc: "Viola".into(),
            hw_desc: "sim".into(),
            sw_desc: "0.1".into(),
            serial_num: "1".into(),
            dp_desc: "s1".into(),
        })),
        rep(MultipartReplyBody::Flow(vec![FlowStats {
            table_id: 0,
            duration_sec: 1,
            duration_nsec: 2,
            priority: 3,
            idle_timeout: 0,
            hard_timeout: 0,
            flags: 0,
            cookie: 1,
            packet_count: 1,
            byte_count: 60,
            match_: m.clone(),
            instructions: vec![Instruction::ApplyActions(vec![Action::output(2)])],
        }])),
        rep(MultipartReplyBody::Aggregate(AggregateStats {
            packet_count: 1,
            byte_count: 2,
            flow_count: 3,
        })),
        rep(MultipartReplyBody::Table(vec![TableStats {
            table_id: 0,
            active_count: 1,
            lookup_count: 2,
            matched_count: 1,
        }])),
        rep(MultipartReplyBody::PortStats(vec![v13::PortStats {
            port_no: 1,
            rx_packets: 4,
            ..Default::default()
        }])),
        rep(MultipartReplyBody::Queue(vec![QueueStats {
            port_no: 1,
            queue_id: 0,
            tx_bytes: 1,
            tx_packets: 1,
            tx_errors: 0,
            duration_sec: 1,
            duration_nsec: 0,
        }])),
        rep(MultipartReplyBody::Group(vec![GroupStats {
            group_id: 1,
            ref_count: 1,
            packet_count: 1,
            byte_count: 1,
            duration_sec: 1,
            duration_nsec: 0,
            bucket_stats: vec![BucketCounter::default(); 2],
        }])),
        rep(MultipartReplyBody::GroupDesc(vec![GroupDesc {
            group_type: 0,
            group_id: 1,
            buckets: vec![bucket(1)],
        }])),
        rep(MultipartReplyBody::GroupFeatures(GroupFeatures {
            types: 0xf,
            capabilities: 0xf,
            max_groups: [10; 4],
            actions: [1; 4],
        })),
        rep(MultipartReplyBody::Meter(vec![MeterStats {
            meter_id: 1,
            flow_count: 1,
            packet_in_count: 1,
            byte_in_count: 1,
            duration_sec: 1,
            duration_nsec: 0,
            band_stats: vec![MeterBandStats::default()],
        }])),
        rep(MultipartReplyBody::MeterConfig(vec![MeterConfig {
            flags: 1,
            meter_id: 1,
            bands: vec![MeterBand::Drop {
                rate: 10,
                burst_size: 0,
            }],
        }])),
        rep(MultipartReplyBody::MeterFeatures(MeterFeatures {
            max_meter: 10,
            band_types: 6,
            capabilities: 0xf,
            max_bands: 2,
            max_color: 0,
        })),
        rep(MultipartReplyBody::TableFeatures(vec![tf])),
        rep(MultipartReplyBody::PortDesc(vec![port(1), port(2)])),
        Message::BarrierRequest,
        Message::BarrierReply,
        Message::QueueGetConfigRequest { port: 1 },
        Message::QueueGetConfigReply(QueueGetConfigReply {
            port: 1,
            queues: vec![PacketQueue {
                queue_id: 1,
                port: 1,
                properties: vec![QueueProp::MinRate(100), QueueProp::MaxRate(900)],
            }],
        }),
        Message::RoleRequest(Role {
            role: role::MASTER,
            generation_id: 1,
        }),
        Message::RoleReply(Role {
            role: role::MASTER,
            generation_id: 1,
        }),
        Message::GetAsyncRequest,
        Message::GetAsyncReply(AsyncConfig {
            packet_in_mask: [7, 0],
            port_status_mask: [7, 7],
            flow_removed_mask: [15, 0],
        }),
        Message::SetAsync(AsyncConfig {
            packet_in_mask: [7, 0],
            port_status_mask: [7, 7],
            flow_removed_mask: [15, 0],
        }),
        Message::MeterMod(MeterMod {
            command: 0,
            flags: 0x5,
            meter_id: 1,
            bands: vec![
                MeterBand::Drop {
                    rate: 1000,
                    burst_size: 10,
                },
                MeterBand::DscpRemark {
                    rate: 2000,
                    burst_size: 0,
                    prec_level: 1,
                },
            ],
        }),
    ]
}

/// A pcap of one TCP stream (switch → controller port 6653), one message per segment.
fn pcap(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![];
    for v in [
        0xa1b2c3d4u32.to_le_bytes().to_vec(),
        2u16.to_le_bytes().to_vec(),
        4u16.to_le_bytes().to_vec(),
        vec![0; 8],
        65535u32.to_le_bytes().to_vec(),
        1u32.to_le_bytes().to_vec(),
    ] {
        out.extend_from_slice(&v);
    }
    let mut seq: u32 = 1000;
    for (n, m) in msgs.iter().enumerate() {
        let mut pkt = vec![];
        pkt.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00]);
        let ip_len = (20 + 20 + m.len()) as u16;
        pkt.extend_from_slice(&[0x45, 0]);
        pkt.extend_from_slice(&ip_len.to_be_bytes());
        pkt.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        pkt.extend_from_slice(&40000u16.to_be_bytes());
        pkt.extend_from_slice(&6653u16.to_be_bytes());
        pkt.extend_from_slice(&seq.to_be_bytes());
        pkt.extend_from_slice(&1u32.to_be_bytes());
        pkt.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        pkt.extend_from_slice(m);
        seq = seq.wrapping_add(m.len() as u32);
        out.extend_from_slice(&(n as u32 + 1).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkt);
    }
    out
}

#[test]
fn tshark_reads_every_message_cleanly() {
    let msgs = messages();
    let wires: Vec<Vec<u8>> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| m.to_bytes(i as u32).unwrap())
        .collect();
    let dir = tempfile_dir();
    let path = dir.join("v13.pcap");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&pcap(&wires)))
        .unwrap();

    let run = |args: &[&str]| {
        let out = Command::new("tshark")
            .args([
                "-r",
                path.to_str().unwrap_or_default(),
                "-d",
                "tcp.port==6653,openflow",
            ])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tshark is required for this test and could not run: {e}"));
        assert!(
            out.status.success(),
            "tshark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let types = run(&["-T", "fields", "-e", "openflow_v4.type"]);
    // An ERROR shows the type of the request it quotes too: keep the first.
    let got: Vec<&str> = types
        .lines()
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    let want: Vec<String> = msgs.iter().map(|m| m.msg_type().to_string()).collect();
    assert_eq!(got, want, "tshark saw other message types");
    let bad = run(&[
        "-Y",
        "_ws.malformed || _ws.expert.severity >= \"error\"",
        "-V",
    ]);
    assert!(bad.trim().is_empty(), "tshark flagged frames:\n{bad}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("viola-v13-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
