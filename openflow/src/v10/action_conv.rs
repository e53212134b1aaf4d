//! Neutral [`Action`]s ↔ OpenFlow 1.0 [`Action10`]s.

use super::action::Action10;
use crate::oxm::{OxmField, VID_PRESENT};
use crate::{port, Action, Unsupported, Version};

fn uns(what: String) -> Unsupported {
    Unsupported::new(Version::V1_0, what)
}

fn port10(p: u32) -> Result<u16, Unsupported> {
    port::to_v10(p).ok_or_else(|| uns(format!("port {p}")))
}

/// Lowers neutral actions. `SetQueue(q)` must be followed by an `Output` (together they
/// become ENQUEUE); set-fields map to the SET_* actions 1.0 has; anything else (TTL, MPLS,
/// groups, push VLAN…) is [`Unsupported`].
pub fn lower_actions(actions: &[Action]) -> Result<Vec<Action10>, Unsupported> {
    let mut out = Vec::with_capacity(actions.len());
    lower_each(actions, |a| {
        out.push(a);
        Ok::<(), Unsupported>(())
    })?;
    Ok(out)
}

/// [`lower_actions`] one action at a time, handed to `each` (nothing is collected).
pub fn lower_each<E: From<Unsupported>>(
    actions: &[Action],
    mut each: impl FnMut(Action10) -> Result<(), E>,
) -> Result<(), E> {
    use OxmField::*;
    let mut it = actions.iter().peekable();
    while let Some(a) = it.next() {
        let lowered = (|| -> Result<Action10, Unsupported> {
            Ok(match a {
                Action::Output { port, max_len } => Action10::Output {
                    port: port10(*port)?,
                    max_len: *max_len,
                },
                Action::SetQueue(q) => match it.next() {
                    Some(Action::Output { port, .. }) => Action10::Enqueue {
                        port: port10(*port)?,
                        queue_id: *q,
                    },
                    _ => {
                        return Err(uns(
                            "set_queue not followed by output (1.0 only has ENQUEUE)".into(),
                        ))
                    }
                },
                Action::PopVlan => Action10::StripVlan,
                Action::SetField(f) => match f {
                    EthSrc(m, None) => Action10::SetDlSrc(*m),
                    EthDst(m, None) => Action10::SetDlDst(*m),
                    VlanVid(v, None) => Action10::SetVlanVid(v & 0x0fff),
                    VlanPcp(p) => Action10::SetVlanPcp(*p),
                    Ipv4Src(a, None) => Action10::SetNwSrc(*a),
                    Ipv4Dst(a, None) => Action10::SetNwDst(*a),
                    IpDscp(d) if *d <= 0x3f => Action10::SetNwTos(d << 2),
                    TcpSrc(p) | UdpSrc(p) => Action10::SetTpSrc(*p),
                    TcpDst(p) | UdpDst(p) => Action10::SetTpDst(*p),
                    other => return Err(uns(format!("action set_field {other}"))),
                },
                Action::Experimenter { experimenter, data } => Action10::Vendor {
                    vendor: *experimenter,
                    data: data.clone(),
                },
                Action::Unknown { action_type, data } => Action10::Unknown {
                    action_type: *action_type,
                    data: data.clone(),
                },
                other => return Err(uns(format!("action {other}"))),
            })
        })();
        each(lowered?)?;
    }
    Ok(())
}

/// Lifts 1.0 actions. SET_TP_SRC/DST become UDP set-fields when `udp` (the flow matches
/// UDP), TCP ones otherwise; ENQUEUE becomes `SetQueue` + `Output`; SET_VLAN_VID sets
/// `vlan_vid` with OFPVID_PRESENT.
pub fn lift_actions(actions: &[Action10], udp: bool) -> Vec<Action> {
    use OxmField::*;
    let mut out = Vec::with_capacity(actions.len());
    for a in actions {
        let set = |f| Action::SetField(f);
        match a {
            Action10::Output { port: p, max_len } => out.push(Action::Output {
                port: port::from_v10(*p),
                max_len: *max_len,
            }),
            Action10::SetVlanVid(v) => out.push(set(VlanVid(VID_PRESENT | (v & 0x0fff), None))),
            Action10::SetVlanPcp(p) => out.push(set(VlanPcp(*p))),
            Action10::StripVlan => out.push(Action::PopVlan),
            Action10::SetDlSrc(m) => out.push(set(EthSrc(*m, None))),
            Action10::SetDlDst(m) => out.push(set(EthDst(*m, None))),
            Action10::SetNwSrc(ip) => out.push(set(Ipv4Src(*ip, None))),
            Action10::SetNwDst(ip) => out.push(set(Ipv4Dst(*ip, None))),
            Action10::SetNwTos(t) => out.push(set(IpDscp(t >> 2))),
            Action10::SetTpSrc(p) => out.push(set(if udp { UdpSrc(*p) } else { TcpSrc(*p) })),
            Action10::SetTpDst(p) => out.push(set(if udp { UdpDst(*p) } else { TcpDst(*p) })),
            Action10::Enqueue { port: p, queue_id } => {
                out.push(Action::SetQueue(*queue_id));
                out.push(Action::output(port::from_v10(*p)));
            }
            Action10::Vendor { vendor, data } => out.push(Action::Experimenter {
                experimenter: *vendor,
                data: data.clone(),
            }),
            Action10::Unknown { action_type, data } => out.push(Action::Unknown {
                action_type: *action_type,
                data: data.clone(),
            }),
        }
    }
    out
}
