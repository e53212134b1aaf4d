//! Sending the FLOW_MOD and PACKET_OUT of a PACKET_IN without allocating.
//!
//! `Context::send` encodes from a reference, so the only allocations left on the
//! forwarding path were the `Vec`s of instructions and actions the messages are built with.
//! Each thread keeps one of each and lends it to the message being sent, then takes it
//! back: after the first packets they are allocated once per thread, not once per packet.

use std::cell::Cell;

use openflow::{Action, FlowMod, Instruction, PacketOut};
use viola_framework::{Context, Dpid, SendError};

thread_local! {
    static INSTRUCTIONS: Cell<Vec<Instruction>> = const { Cell::new(Vec::new()) };
    static ACTIONS: Cell<Vec<Action>> = const { Cell::new(Vec::new()) };
}

/// Sends `fm` with a single apply-actions instruction of `actions` (whatever
/// instructions `fm` had are replaced).
pub(crate) fn send_flow(
    cx: &mut Context<'_>,
    dpid: Dpid,
    mut fm: FlowMod,
    actions: &[Action],
) -> Result<(), SendError> {
    let mut list = INSTRUCTIONS.take();
    match list.as_mut_slice() {
        [Instruction::ApplyActions(a)] => {
            a.clear();
            a.extend_from_slice(actions);
        }
        _ => {
            list.clear();
            list.push(Instruction::ApplyActions(actions.to_vec()));
        }
    }
    fm.instructions = list;
    let r = cx.send(dpid, &fm);
    INSTRUCTIONS.set(std::mem::take(&mut fm.instructions));
    r
}

/// Sends `po` with `actions` (whatever actions `po` had are replaced).
pub(crate) fn send_packet(
    cx: &mut Context<'_>,
    dpid: Dpid,
    mut po: PacketOut,
    actions: impl IntoIterator<Item = Action>,
) -> Result<(), SendError> {
    let mut list = ACTIONS.take();
    list.clear();
    list.extend(actions);
    po.actions = list;
    let r = cx.send(dpid, &po);
    ACTIONS.set(std::mem::take(&mut po.actions));
    r
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use openflow::packet::build::ethernet;
    use openflow::{MacAddr, Version};
    use viola_framework::testing::Harness;

    use super::*;
    use crate::L2Learning;

    fn frame(dst: u8, src: u8) -> Vec<u8> {
        ethernet(
            MacAddr([2, 0, 0, 0, 0, dst]),
            MacAddr([2, 0, 0, 0, 0, src]),
            0x0800,
            &[0; 46],
        )
    }

    /// The pipeline runs on the harness's thread, so the vectors lent by the last
    /// PACKET_IN are back in this thread's slots, holding that packet's actions.
    #[test]
    fn messages_are_right_and_the_vectors_come_back() {
        let mut h = Harness::new(vec![Arc::new(L2Learning::default())]);
        h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3]);
        h.packet_in(Dpid(1), 1, frame(2, 1)); // 1 learned at port 1; 2 unknown: flood
        h.packet_in(Dpid(1), 2, frame(1, 2)); // 2 learned at port 2; 1 known: rule + packet-out
        let fms = h.flow_mods(Dpid(1));
        let rule = fms.last().expect("a rule for 2 -> 1");
        assert_eq!(
            rule.instructions,
            [Instruction::ApplyActions(vec![Action::output(1)])]
        );
        let pos = h.packet_outs(Dpid(1));
        assert_eq!(pos.len(), 2, "{pos:?}");
        assert_eq!(pos[0].actions, [Action::output(openflow::port::FLOOD)]);
        assert_eq!(pos[1].actions, [Action::output(1)]);
        let kept = INSTRUCTIONS.take();
        assert_eq!(kept, [Instruction::ApplyActions(vec![Action::output(1)])]);
        assert_eq!(ACTIONS.take(), [Action::output(1)]);
    }
}
