//! Example app: the Viola version of Ryu's `simple_switch_13.py`, handler for handler (see
//! docs/src/porting-from-ryu.md). Each switch learns on which port it saw each source MAC;
//! a packet to a known MAC gets a flow (and goes out of that port), one to an unknown MAC
//! is flooded. No loop protection and no topology: a teaching example. Viola's own
//! `l2-learning` is the one to run on a real network.
#![forbid(unsafe_code)]

// ANCHOR: all
use std::collections::HashMap;
use std::sync::Mutex;

use openflow::packet::peek_eth;
use openflow::{port, Action, Dpid, FlowMod, MacAddr, Match, PacketOut};
use viola_framework::declare::{AppError, Declare, NoConfig, Setup};
use viola_framework::{App, Context, Event, Verdict};

/// Ethertype of LLDP, which Ryu's version ignores too.
const LLDP: u16 = 0x88cc;

/// A MAC learning switch per datapath.
#[derive(Default)]
pub struct SimpleSwitch {
    /// Ryu's `self.mac_to_port`: dpid → MAC → port.
    mac_to_port: Mutex<HashMap<Dpid, HashMap<MacAddr, u32>>>,
}

impl Declare for SimpleSwitch {
    const NAME: &'static str = "simple-switch";
    type Config = NoConfig;

    fn build(_: NoConfig, _: &mut Setup) -> Result<Self, AppError> {
        Ok(SimpleSwitch::default())
    }
}

impl App for SimpleSwitch {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match *event {
            // Ryu: switch_features_handler (CONFIG_DISPATCHER) — the table-miss flow.
            Event::SwitchUp(sw) => {
                let miss = FlowMod::table_miss_to_controller();
                if let Err(e) = cx.send(sw.dpid, &miss) {
                    tracing::warn!("simple-switch: table-miss on {}: {e}", sw.dpid);
                }
                Verdict::Continue
            }
            // Ryu: _packet_in_handler (MAIN_DISPATCHER).
            Event::PacketIn { dpid, packet_in } => {
                let Some((dst, src, ethertype)) = peek_eth(&packet_in.data) else {
                    return Verdict::Continue;
                };
                if ethertype == LLDP {
                    return Verdict::Continue;
                }
                let in_port = packet_in.in_port();
                let out_port = {
                    let mut macs = self.mac_to_port.lock().unwrap_or_else(|e| e.into_inner());
                    let table = macs.entry(dpid).or_default();
                    table.insert(src, in_port);
                    table.get(&dst).copied().unwrap_or(port::FLOOD)
                };
                let actions = vec![Action::output(out_port)];
                if out_port != port::FLOOD {
                    let m = Match::new().in_port(in_port).eth_dst(dst).eth_src(src);
                    let mut flow = FlowMod::add(m).priority(1).actions(actions.clone());
                    // With a buffered packet the flow itself releases it.
                    flow.buffer_id = packet_in.buffer_id;
                    if let Err(e) = cx.send(dpid, &flow) {
                        tracing::warn!("simple-switch: flow on {dpid}: {e}");
                    }
                    if packet_in.buffer_id.is_some() {
                        return Verdict::Stop;
                    }
                }
                let out = PacketOut::reply_to(packet_in, actions);
                if let Err(e) = cx.send(dpid, &out) {
                    tracing::warn!("simple-switch: packet-out on {dpid}: {e}");
                }
                Verdict::Stop
            }
            _ => Verdict::Continue,
        }
    }
}
// ANCHOR_END: all
