//! Ryu's group and meter bodies → 1.3 messages, and 1.3 group/meter replies → Ryu's JSON
//! (own cases, in the spirit of Ryu's `ofctl_rest_json/of13.json`).

use openflow::v13::{self, Bucket, GroupDesc, MeterBand, MeterConfig, MultipartReply};
use openflow::v13::{MeterBandStats, MeterStats, MultipartReplyBody};
use openflow::{Action, Message, OxmField};
use serde_json::json;
use viola_ofctl_rest::{commands, stats};

fn reply(body: MultipartReplyBody) -> Vec<Message> {
    vec![Message::V13(v13::Message::MultipartReply(MultipartReply {
        flags: 0,
        body,
    }))]
}

#[test]
fn a_select_group_with_weights_watch_ports_and_a_raw_vlan_set_field() {
    let body = json!({
        "dpid": 1, "type": "SELECT", "group_id": 7,
        "buckets": [
            {"weight": 3, "watch_port": 2,
             "actions": [{"type": "SET_FIELD", "field": "vlan_vid", "value": 4196},
                         {"type": "OUTPUT", "port": 2}]},
            {"weight": 1, "actions": [{"type": "OUTPUT", "port": "IN_PORT"}]}
        ]
    });
    let g = commands::group_mod(v13::group::group_command::ADD, &body).unwrap();
    assert_eq!(
        (g.group_type, g.group_id),
        (v13::group::group_type::SELECT, 7)
    );
    assert_eq!(g.buckets[0].weight, 3);
    assert_eq!(g.buckets[0].watch_port, 2);
    assert_eq!(
        g.buckets[0].actions[0],
        Action::SetField(OxmField::VlanVid(0x1064, None))
    );
    assert_eq!(g.buckets[1].watch_port, openflow::port::ANY);
    assert_eq!(g.buckets[1].watch_group, u32::MAX);
    assert_eq!(
        g.buckets[1].actions,
        vec![Action::output(openflow::port::IN_PORT)]
    );

    let bad = json!({"dpid": 1, "type": "RANDOM"});
    assert!(commands::group_mod(0, &bad)
        .unwrap_err()
        .starts_with("type: "));
    let typo = json!({"dpid": 1, "buckets": [{"wieght": 1}]});
    assert_eq!(
        commands::group_mod(0, &typo).unwrap_err(),
        "buckets[0].wieght: unknown key"
    );
}

#[test]
fn group_descriptions_render_as_ryu_writes_them() {
    let parts = reply(MultipartReplyBody::GroupDesc(vec![GroupDesc {
        group_type: v13::group::group_type::FF,
        group_id: 3,
        buckets: vec![Bucket {
            weight: 0,
            watch_port: 4,
            watch_group: u32::MAX,
            actions: vec![Action::Group(9), Action::output(4)],
        }],
    }]));
    assert_eq!(
        stats::group_descs(&parts, None),
        json!([{"group_id": 3, "type": "FF", "buckets": [
            {"weight": 0, "watch_port": 4, "watch_group": 4294967295u32,
             "actions": ["GROUP:9", "OUTPUT:4"]}]}])
    );
    assert_eq!(stats::group_descs(&parts, Some(4)), json!([]));
}

#[test]
fn meters_with_drop_and_dscp_bands_both_ways() {
    let body = json!({
        "dpid": 1, "meter_id": 5, "flags": ["KBPS", "BURST", "STATS"],
        "bands": [{"type": "DROP", "rate": 1000, "burst_size": 100},
                  {"type": "DSCP_REMARK", "rate": 500, "burst_size": 50, "prec_level": 1}]
    });
    let m = commands::meter_mod(v13::meter::meter_command::ADD, &body).unwrap();
    assert_eq!(m.meter_id, 5);
    assert_eq!(m.flags, 0b1101);
    assert_eq!(
        m.bands[0],
        MeterBand::Drop {
            rate: 1000,
            burst_size: 100
        }
    );
    // A single flag may be a string, as Ryu allows.
    let one = commands::meter_mod(0, &json!({"flags": "PKTPS"})).unwrap();
    assert_eq!(one.flags, v13::meter::meter_flags::PKTPS);

    let parts = reply(MultipartReplyBody::MeterConfig(vec![MeterConfig {
        flags: m.flags,
        meter_id: 5,
        bands: m.bands.clone(),
    }]));
    assert_eq!(
        stats::meter_configs(&parts),
        json!([{"meter_id": 5, "flags": ["KBPS", "BURST", "STATS"], "bands": [
            {"type": "DROP", "rate": 1000, "burst_size": 100},
            {"type": "DSCP_REMARK", "rate": 500, "burst_size": 50, "prec_level": 1}]}])
    );

    let parts = reply(MultipartReplyBody::Meter(vec![MeterStats {
        meter_id: 5,
        flow_count: 2,
        packet_in_count: 10,
        byte_in_count: 980,
        duration_sec: 3,
        duration_nsec: 4,
        band_stats: vec![MeterBandStats {
            packet_band_count: 1,
            byte_band_count: 98,
        }],
    }]));
    assert_eq!(
        stats::meters(&parts),
        json!([{"meter_id": 5, "len": 56, "flow_count": 2, "packet_in_count": 10,
                "byte_in_count": 980, "duration_sec": 3, "duration_nsec": 4,
                "band_stats": [{"packet_band_count": 1, "byte_band_count": 98}]}])
    );
}

#[test]
fn roles_by_name() {
    assert_eq!(
        commands::role(&json!({"dpid": 1, "role": "MASTER"})).unwrap(),
        openflow::role::MASTER
    );
    assert_eq!(
        commands::role(&json!({"dpid": 1})).unwrap(),
        openflow::role::EQUAL
    );
    assert!(commands::role(&json!({"role": "BOSS"}))
        .unwrap_err()
        .starts_with("role: "));
    assert_eq!(commands::role_name(openflow::role::SLAVE), "SLAVE");
}
