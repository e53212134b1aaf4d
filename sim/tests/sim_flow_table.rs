//! Flow-table semantics of the simulated switch: priorities, masks, strict and non-strict
//! modify/delete, cookies, out_port, timeouts on a driven clock, counters, the 1.3
//! pipeline, groups.

use std::net::Ipv4Addr;
use std::time::Duration;

use openflow::{
    flow_mod_flags, packet_in_reason, port, Action, FlowMod, FlowStatsRequest, Instruction,
    MacAddr, Match, OxmField, Version,
};
use viola_sim::{
    build, removed_reason, Bucket, FlowTable, GroupCommand, GroupType, Output, PortFlags,
};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn udp_to(dst: &str) -> Vec<u8> {
    build::udp(
        MacAddr::from_u64(1),
        MacAddr::from_u64(2),
        ip("10.0.0.1"),
        ip(dst),
        1000,
        53,
        b"query",
    )
}

fn ports(out: &[Output]) -> Vec<u32> {
    out.iter().map(Output::port).collect()
}

fn add(t: &mut FlowTable, m: Match, prio: u16, out_port: u32) {
    t.flow_mod(
        &FlowMod::add(m)
            .priority(prio)
            .actions(vec![Action::output(out_port)]),
    )
    .unwrap();
}

#[test]
fn highest_priority_wins_and_masks_apply() {
    let mut t = FlowTable::new(Version::V1_3);
    add(
        &mut t,
        Match::new()
            .eth_type(0x0800)
            .ipv4_dst_masked(ip("10.0.0.0"), ip("255.255.255.0")),
        10,
        2,
    );
    add(
        &mut t,
        Match::new().eth_type(0x0800).ipv4_dst(ip("10.0.0.7")),
        20,
        3,
    );
    add(&mut t, Match::new(), 1, 4);
    assert_eq!(ports(&t.apply(1, &udp_to("10.0.0.7"))), vec![3]);
    assert_eq!(ports(&t.apply(1, &udp_to("10.0.0.8"))), vec![2]);
    assert_eq!(ports(&t.apply(1, &udp_to("10.0.1.8"))), vec![4]);
    // Delete the /32 strictly: the /24 takes over.
    t.flow_mod(&FlowMod::delete_strict(
        Match::new().eth_type(0x0800).ipv4_dst(ip("10.0.0.7")),
        20,
    ))
    .unwrap();
    assert_eq!(ports(&t.apply(1, &udp_to("10.0.0.7"))), vec![2]);
    assert_eq!(t.len(), 2);
}

#[test]
fn strict_and_non_strict_delete_and_modify() {
    let mut t = FlowTable::new(Version::V1_3);
    let net = Match::new()
        .eth_type(0x0800)
        .ipv4_dst_masked(ip("10.0.0.0"), ip("255.0.0.0"));
    add(
        &mut t,
        Match::new().eth_type(0x0800).ipv4_dst(ip("10.1.1.1")),
        10,
        2,
    );
    add(
        &mut t,
        Match::new().eth_type(0x0800).ipv4_dst(ip("10.2.2.2")),
        11,
        2,
    );
    add(&mut t, Match::new().eth_type(0x0806), 10, 2);
    // Strict delete with the wrong priority removes nothing.
    t.flow_mod(&FlowMod::delete_strict(
        Match::new().eth_type(0x0800).ipv4_dst(ip("10.1.1.1")),
        11,
    ))
    .unwrap();
    assert_eq!(t.len(), 3);
    // Non-strict modify of everything under 10/8 changes both IPv4 flows only.
    t.flow_mod(&FlowMod::modify(net.clone()).actions(vec![Action::output(9)]))
        .unwrap();
    assert_eq!(ports(&t.apply(1, &udp_to("10.2.2.2"))), vec![9]);
    let arp = build::arp(
        build::ARP_REQUEST,
        MacAddr::from_u64(1),
        ip("10.0.0.1"),
        MacAddr::ZERO,
        ip("10.0.0.2"),
    );
    assert_eq!(ports(&t.apply(1, &arp)), vec![2]);
    // Non-strict delete of 10/8 leaves the ARP flow.
    t.flow_mod(&FlowMod::delete(net)).unwrap();
    assert_eq!(t.len(), 1);
    // A more specific request does not cover a more general flow.
    t.flow_mod(&FlowMod::delete(Match::new().eth_type(0x0806).arp_op(1)))
        .unwrap();
    assert_eq!(t.len(), 1);
}

#[test]
fn identical_add_replaces_and_resets_counters() {
    let mut t = FlowTable::new(Version::V1_3);
    add(&mut t, Match::new().in_port(1), 5, 2);
    t.apply(1, &udp_to("10.0.0.2"));
    assert_eq!(t.flows().next().unwrap().packet_count, 1);
    add(&mut t, Match::new().in_port(1), 5, 3);
    assert_eq!(t.len(), 1);
    let f = t.flows().next().unwrap();
    assert_eq!((f.packet_count, f.outputs_to(3)), (0, true));
}

#[test]
fn cookies_and_out_port_filter_delete_and_stats() {
    let mut t = FlowTable::new(Version::V1_3);
    for (i, c) in [0x100u64, 0x101, 0x200].iter().enumerate() {
        let fm = FlowMod::add(Match::new().in_port(i as u32 + 1))
            .cookie(*c)
            .actions(vec![Action::output(7 + i as u32)]);
        t.flow_mod(&fm).unwrap();
    }
    let mut req = FlowStatsRequest {
        cookie: 0x100,
        cookie_mask: 0xf00,
        ..Default::default()
    };
    assert_eq!(t.flow_stats(&req).len(), 2);
    req.cookie_mask = 0;
    req.out_port = 8;
    let s = t.flow_stats(&req);
    assert_eq!((s.len(), s[0].cookie), (1, 0x101));
    t.flow_mod(&FlowMod::delete(Match::new()).cookie_masked(0x200, 0xf00))
        .unwrap();
    assert_eq!(t.len(), 2);
    t.flow_mod(&FlowMod::delete(Match::new()).out_port(7))
        .unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t.aggregate_stats(&FlowStatsRequest::default()), (0, 0, 1));
}

#[test]
fn timeouts_follow_the_driven_clock() {
    let mut t = FlowTable::new(Version::V1_3);
    let idle = FlowMod::add(Match::new().in_port(1))
        .idle_timeout(10)
        .flags(flow_mod_flags::SEND_FLOW_REM);
    let hard = FlowMod::add(Match::new().in_port(2))
        .hard_timeout(15)
        .flags(flow_mod_flags::SEND_FLOW_REM);
    let quiet = FlowMod::add(Match::new().in_port(3)).hard_timeout(15);
    for fm in [idle, hard, quiet] {
        t.flow_mod(&fm.actions(vec![Action::output(9)])).unwrap();
    }
    assert!(t.expire(Duration::from_secs(9)).is_empty());
    // A packet at t=9 keeps the idle flow alive until t=19.
    t.apply(1, &udp_to("10.0.0.2"));
    assert!(t.expire(Duration::from_secs(14)).is_empty());
    let removed = t.expire(Duration::from_secs(15));
    assert_eq!(removed.len(), 1, "only the flow with SEND_FLOW_REM reports");
    assert_eq!(
        (removed[0].reason, removed[0].duration_sec),
        (removed_reason::HARD_TIMEOUT, 15)
    );
    assert_eq!(t.len(), 1);
    let removed = t.expire(Duration::from_secs(19));
    assert_eq!(removed[0].reason, removed_reason::IDLE_TIMEOUT);
    assert_eq!(removed[0].packet_count, 1);
    assert!(t.is_empty());
}

#[test]
fn counters_and_table_stats() {
    let mut t = FlowTable::new(Version::V1_3);
    add(&mut t, Match::new().in_port(1), 5, 2);
    let f = udp_to("10.0.0.2");
    for _ in 0..3 {
        t.apply(1, &f);
    }
    t.apply(2, &f);
    let e = t.flows().next().unwrap();
    assert_eq!((e.packet_count, e.byte_count), (3, 3 * f.len() as u64));
    let ts = &t.table_stats()[0];
    assert_eq!(
        (ts.active_count, ts.lookup_count, ts.matched_count),
        (1, 4, 3)
    );
    assert_eq!(t.table_stats().len(), 254);
}

#[test]
fn table_miss_per_version() {
    let f = udp_to("10.0.0.2");
    let mut t10 = FlowTable::new(Version::V1_0);
    match t10.apply(1, &f).as_slice() {
        [Output::Controller {
            reason,
            in_port,
            frame,
            ..
        }] => {
            assert_eq!(
                (*reason, *in_port, frame.len()),
                (packet_in_reason::NO_MATCH, 1, f.len())
            );
        }
        other => panic!("1.0 miss should go to the controller, got {other:?}"),
    }
    let mut t13 = FlowTable::new(Version::V1_3);
    assert!(t13.apply(1, &f).is_empty());
    add(&mut t13, Match::new(), 0, port::CONTROLLER);
    match t13.apply(1, &f).as_slice() {
        [Output::Controller { reason, .. }] => assert_eq!(*reason, packet_in_reason::NO_MATCH),
        other => panic!("table-miss flow should send to the controller, got {other:?}"),
    }
    add(&mut t13, Match::new().in_port(1), 5, port::CONTROLLER);
    match t13.apply(1, &f).as_slice() {
        [Output::Controller { reason, .. }] => assert_eq!(*reason, packet_in_reason::ACTION),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pipeline_goto_write_actions_and_metadata() {
    let mut t = FlowTable::new(Version::V1_3);
    let first = FlowMod::add(Match::new().in_port(1)).instructions(vec![
        Instruction::WriteActions(vec![Action::output(5)]),
        Instruction::WriteMetadata {
            metadata: 0xab,
            mask: 0xff,
        },
        Instruction::GotoTable(3),
    ]);
    t.flow_mod(&first).unwrap();
    let second = FlowMod::add(Match::new().metadata(0xab))
        .table(3)
        .instructions(vec![Instruction::ApplyActions(vec![Action::output(6)])]);
    t.flow_mod(&second).unwrap();
    // Apply-actions output 6 now, then the action set's output 5 at the end.
    assert_eq!(ports(&t.apply(1, &udp_to("10.0.0.2"))), vec![6, 5]);
    // goto_table backwards is refused.
    let bad = FlowMod::add(Match::new())
        .table(3)
        .instructions(vec![Instruction::GotoTable(1)]);
    assert!(t.flow_mod(&bad).is_err());
    // A table beyond n_tables is refused.
    assert!(t.flow_mod(&FlowMod::add(Match::new()).table(254)).is_err());
}

#[test]
fn flood_all_in_port_and_dead_ports() {
    let mut t = FlowTable::new(Version::V1_0);
    for p in 1..=4 {
        t.set_port(
            p,
            PortFlags {
                live: p != 3,
                no_flood: false,
            },
        );
    }
    add(&mut t, Match::new().in_port(1), 5, port::FLOOD);
    add(&mut t, Match::new().in_port(2), 5, port::IN_PORT);
    add(&mut t, Match::new().in_port(4), 5, 4);
    let f = udp_to("10.0.0.2");
    assert_eq!(ports(&t.apply(1, &f)), vec![2, 4]);
    assert_eq!(ports(&t.apply(2, &f)), vec![2]);
    assert!(
        t.apply(4, &f).is_empty(),
        "output to the ingress port needs IN_PORT"
    );
}

#[test]
fn set_field_and_vlan_actions_rewrite_the_frame() {
    let mut t = FlowTable::new(Version::V1_3);
    let fm = FlowMod::add(Match::new().in_port(1)).actions(vec![
        Action::SetField(OxmField::EthDst(MacAddr::from_u64(0x99), None)),
        Action::PushVlan(0x8100),
        Action::SetField(OxmField::VlanVid(0x1000 | 42, None)),
        Action::output(2),
    ]);
    t.flow_mod(&fm).unwrap();
    let second = FlowMod::add(Match::new().in_port(3).vlan_vid(0x1000 | 42))
        .actions(vec![Action::PopVlan, Action::output(4)]);
    t.flow_mod(&second).unwrap();
    let out = t.apply(1, &udp_to("10.0.0.2"));
    let Some(Output::Port { frame, .. }) = out.first() else {
        panic!("{out:?}")
    };
    assert_eq!(&frame[..6], &MacAddr::from_u64(0x99).0);
    assert_eq!(&frame[12..16], &[0x81, 0x00, 0x00, 42]);
    // Feed it back on port 3: the VLAN flow matches and pops the tag.
    let out = t.apply(3, frame);
    let Some(Output::Port { port: 4, frame }) = out.first() else {
        panic!("{out:?}")
    };
    assert_eq!(&frame[12..14], &[0x08, 0x00]);
}

#[test]
fn groups_all_and_indirect() {
    let mut t = FlowTable::new(Version::V1_3);
    t.group_mod(
        GroupCommand::Add,
        1,
        GroupType::All,
        vec![
            Bucket::new(vec![Action::output(2)]),
            Bucket::new(vec![Action::output(3)]),
        ],
    )
    .unwrap();
    t.group_mod(
        GroupCommand::Add,
        2,
        GroupType::Indirect,
        vec![Bucket::new(vec![Action::output(4)])],
    )
    .unwrap();
    assert!(t
        .group_mod(GroupCommand::Add, 2, GroupType::Indirect, vec![])
        .is_err());
    t.flow_mod(&FlowMod::add(Match::new().in_port(1)).actions(vec![Action::Group(1)]))
        .unwrap();
    t.flow_mod(&FlowMod::add(Match::new().in_port(5)).actions(vec![Action::Group(2)]))
        .unwrap();
    // An action naming a missing group is refused.
    assert!(t
        .flow_mod(&FlowMod::add(Match::new()).actions(vec![Action::Group(9)]))
        .is_err());
    let f = udp_to("10.0.0.2");
    assert_eq!(ports(&t.apply(1, &f)), vec![2, 3]);
    assert_eq!(ports(&t.apply(5, &f)), vec![4]);
    assert_eq!(t.groups()[&1].packet_count, 1);
    // Deleting a group deletes the flows that use it.
    t.group_mod(GroupCommand::Delete, 1, GroupType::All, vec![])
        .unwrap();
    assert_eq!(t.len(), 1);
}

#[test]
fn check_overlap_refuses_and_1_0_modify_adds() {
    let mut t = FlowTable::new(Version::V1_3);
    add(&mut t, Match::new().in_port(1), 5, 2);
    let fm = FlowMod::add(Match::new().eth_type(0x0800))
        .priority(5)
        .flags(flow_mod_flags::CHECK_OVERLAP);
    let e = t.flow_mod(&fm).unwrap_err();
    assert_eq!((e.err_type, e.code), (5, 3));
    assert!(t.flow_mod(&fm.priority(6)).is_ok());
    let mut t10 = FlowTable::new(Version::V1_0);
    t10.flow_mod(&FlowMod::modify(Match::new().in_port(1)).actions(vec![Action::output(2)]))
        .unwrap();
    assert_eq!(t10.len(), 1);
    let mut t13 = FlowTable::new(Version::V1_3);
    t13.flow_mod(&FlowMod::modify(Match::new().in_port(1)).actions(vec![Action::output(2)]))
        .unwrap();
    assert_eq!(t13.len(), 0);
}

#[test]
fn packet_out_runs_actions_and_table() {
    let mut t = FlowTable::new(Version::V1_3);
    add(&mut t, Match::new().in_port(1), 5, 7);
    let f = udp_to("10.0.0.2");
    assert_eq!(
        ports(&t.packet_out(port::CONTROLLER, &[Action::output(3)], &f)),
        vec![3]
    );
    assert_eq!(
        ports(&t.packet_out(1, &[Action::output(port::TABLE)], &f)),
        vec![7]
    );
}
