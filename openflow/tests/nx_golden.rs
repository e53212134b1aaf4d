//! Nicira extensions read from what Open vSwitch 3.1's `ovs-ofctl` wrote (the golden
//! captures): the typed fields and actions print as the command that produced them, and
//! every Nicira action in any captured frame that Viola types is written back byte for
//! byte by its typed form.

mod common;

use bytes::Bytes;
use common::golden;
use openflow::nx::{NxAction, NxMatch};
use openflow::{Action, Instruction, Message};

/// The flow mods `ovs-ofctl` sent for `command`, with their wire version, lifted to the
/// neutral form.
fn flow_mods(command: &str) -> Vec<(u8, openflow::FlowMod)> {
    let mut out = vec![];
    for v in golden::all() {
        if !(v.comment.contains("ofctl->switch") && v.comment.contains(command)) {
            continue;
        }
        let (_, m) = Message::decode(&Bytes::from(v.bytes.clone())).unwrap();
        if let Some(fm) = m.flow_mod() {
            out.push((v.bytes[0], fm));
        }
    }
    assert!(!out.is_empty(), "no FLOW_MOD captured for {command}");
    out
}

fn actions(fm: &openflow::FlowMod) -> Vec<Action> {
    fm.instructions
        .iter()
        .flat_map(|i| match i {
            Instruction::ApplyActions(a) | Instruction::WriteActions(a) => a.clone(),
            _ => vec![],
        })
        .collect()
}

fn shown(list: &[Action]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn load_and_resubmit_print_as_ovs_ofctl_wrote_them() {
    for (version, fm) in flow_mods("priority=6,reg0=5,actions=load:0x1->NXM_NX_REG1[],resubmit(,1)")
    {
        // In 1.5 Open vSwitch writes `load` to a register as a standard set-field.
        let want = if version <= 5 {
            "load:0x1->NXM_NX_REG1[],resubmit(,1)"
        } else {
            "set_field:0x1->reg1,resubmit(,1)"
        };
        assert_eq!(shown(&actions(&fm)), want, "version {version}");
        let typed: Vec<String> = NxMatch::all(&fm.match_)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(typed, ["reg0=0x5"]);
    }
}

#[test]
fn ct_prints_as_ovs_ofctl_wrote_it() {
    for (_, fm) in flow_mods("priority=7,ip,ct_state=-trk,actions=ct(table=1)") {
        assert_eq!(shown(&actions(&fm)), "ct(table=1)");
        let typed: Vec<String> = NxMatch::all(&fm.match_)
            .iter()
            .map(ToString::to_string)
            .collect();
        // -trk: the TRACKED bit (0x20) clear.
        assert_eq!(typed, ["ct_state=-trk"]);
    }
}

#[test]
fn tun_id_travels_as_the_basic_field_in_1_3() {
    // OVS writes tun_id as OXM TUNNEL_ID in 1.3, which the basic codec types.
    for (_, fm) in flow_mods("-O OpenFlow13 add-flow BRIDGE 'priority=4,tun_id=5,actions=drop'") {
        assert!(NxMatch::all(&fm.match_).is_empty());
        assert!(
            fm.match_
                .fields()
                .contains(&openflow::OxmField::TunnelId(5, None)),
            "{}",
            fm.match_
        );
    }
}

/// Every Nicira action in a captured FLOW_MOD that reads as a typed subtype writes back
/// as the same bytes.
#[test]
fn typed_nicira_actions_write_back_byte_for_byte() {
    let mut typed = 0;
    for v in golden::all() {
        let Ok((_, m)) = Message::decode(&Bytes::from(v.bytes.clone())) else {
            continue;
        };
        let Some(fm) = m.flow_mod() else { continue };
        for a in actions(&fm) {
            let Action::Experimenter {
                experimenter: 0x2320,
                data,
            } = &a
            else {
                continue;
            };
            let read = NxAction::read(data).unwrap_or_else(|| panic!("{}", v.origin()));
            if !matches!(read, NxAction::Other { .. }) {
                assert_eq!(read.to_action().as_ref(), Some(&a), "{}", v.origin());
                typed += 1;
            }
        }
    }
    assert!(
        typed >= 3,
        "only {typed} typed Nicira actions in the captures"
    );
}
