//! The app harness and the simulated switch are one switch model: a rule installed through
//! the harness decides like the same rule in a simulated switch. The case below used to
//! differ (the harness's own table refused a zero-mask field the packet lacks; the
//! simulator accepted it): now both follow Open vSwitch — a zero mask is a wildcard.

use openflow::Dpid;
use std::sync::Arc;

use openflow::{Action, FlowMod, MacAddr, Match, Version};
use viola_framework::testing::Harness;
use viola_framework::{App, Context, Event, Verdict};
use viola_sim::{FlowTable, Output};

/// Installs `rule` on every switch that comes up.
struct Installs(FlowMod);

impl App for Installs {
    fn name(&self) -> &'static str {
        "installs"
    }
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        if let Event::SwitchUp(info) = event {
            cx.send(info.dpid, &self.0)
                .expect("send to a connected switch");
        }
        Verdict::Continue
    }
}

/// A frame that carries no tunnel id (no packet of a plain port does).
fn frame() -> Vec<u8> {
    openflow::packet::build::udp(
        MacAddr::from_u64(1),
        MacAddr::from_u64(2),
        "10.0.0.1".parse().unwrap(),
        "10.0.0.2".parse().unwrap(),
        1000,
        53,
        b"query",
    )
}

#[test]
fn zero_mask_field_matches_a_packet_without_it_in_harness_and_simulator() {
    let rule = FlowMod::add(Match::new().tunnel_id_masked(5, 0))
        .priority(10)
        .actions(vec![Action::output(2)]);

    let mut h = Harness::new(vec![Arc::new(Installs(rule.clone()))]);
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    assert_eq!(h.with_switch(Dpid(1), |s| s.errors.clone()), Some(vec![]));
    let through_harness = h.forward_packet(Dpid(1), 1, &frame());

    let mut sim = FlowTable::new(Version::V1_3);
    sim.flow_mod(&rule).expect("the simulator accepts the rule");
    let through_simulator: Vec<u32> = sim.apply(1, &frame()).iter().map(Output::port).collect();

    assert_eq!(through_harness, vec![2]);
    assert_eq!(through_simulator, through_harness);
}

#[test]
fn a_field_the_packet_lacks_fails_in_both() {
    let rule = FlowMod::add(Match::new().tunnel_id(5))
        .priority(10)
        .actions(vec![Action::output(2)]);
    let mut h = Harness::new(vec![Arc::new(Installs(rule.clone()))]);
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    let mut sim = FlowTable::new(Version::V1_3);
    sim.flow_mod(&rule).expect("the simulator accepts the rule");
    assert!(h.forward_packet(Dpid(1), 1, &frame()).is_empty());
    assert!(sim.apply(1, &frame()).is_empty()); // 1.3 miss: dropped
}

/// The table's verdict on a message reaches the app as a real switch's would: the next
/// barrier fails with the error (here a missing OpenFlow 1.3 match prerequisite).
#[tokio::test]
async fn a_refused_flow_mod_fails_the_next_barrier() {
    let mut h = Harness::new(vec![]);
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    let ctl = h.controller();
    let no_prereq = FlowMod::add(Match::new().tcp_dst(80)).actions(vec![Action::output(2)]);
    ctl.send(Dpid(1), &no_prereq).expect("queued");
    let err = ctl
        .barrier(Dpid(1))
        .await
        .expect_err("the switch refused the flow");
    match err {
        viola_framework::RequestError::Switch(e) => assert_eq!(
            (e.err_type, e.code),
            (
                openflow::error::error_type::BAD_MATCH,
                openflow::error::bad_match::BAD_PREREQ
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(ctl.barrier(Dpid(1)).await, Ok(()), "reported once");
    assert!(h.table(Dpid(1)).is_some_and(|t| t.is_empty()));
}
