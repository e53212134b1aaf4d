//! The simple switch against a fake switch: it floods what it does not know, then forwards
//! along the flows it learned.

use openflow::packet::build::ethernet;
use openflow::{port, Dpid, MacAddr, Version};
use viola_example_simple_switch::SimpleSwitch;
use viola_framework::declare::NoConfig;
use viola_framework::testing::Harness;

const A: MacAddr = MacAddr([0, 0, 0, 0, 0, 0xa]);
const B: MacAddr = MacAddr([0, 0, 0, 0, 0, 0xb]);

#[test]
fn floods_the_unknown_then_installs_a_flow_for_the_known() {
    let (mut h, _app) = Harness::declared::<SimpleSwitch>(NoConfig {}).unwrap();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3]);
    let a_to_b = ethernet(B, A, 0x0800, &[0; 46]);
    let b_to_a = ethernet(A, B, 0x0800, &[0; 46]);
    // Only the table-miss flow: the frame goes to the controller, which floods it.
    assert_eq!(
        h.forward_packet(Dpid(1), 1, &a_to_b),
        vec![port::CONTROLLER]
    );
    h.packet_in(Dpid(1), 1, a_to_b.clone());
    assert_eq!(
        h.packet_outs(Dpid(1))[0].actions[0],
        openflow::Action::output(port::FLOOD)
    );
    // B answers from port 2: A is known, so a flow B→A out of port 1 is installed.
    h.packet_in(Dpid(1), 2, b_to_a.clone());
    assert_eq!(h.forward_packet(Dpid(1), 2, &b_to_a), vec![1]);
    // Now A→B is known too.
    h.packet_in(Dpid(1), 1, a_to_b.clone());
    assert_eq!(h.forward_packet(Dpid(1), 1, &a_to_b), vec![2]);
}
