//! Example app: a hub. Every packet that reaches the controller is flooded out of every
//! port but the one it came in on. The only flow it installs is the OpenFlow 1.3
//! table-miss entry (1.3 switches drop misses by default; 1.0 switches send them to the
//! controller), so every packet comes back: a teaching example, not something to run on a
//! real network.
//!
//! ```
//! use std::sync::Arc;
//! use openflow::Dpid;
//! use viola_framework::testing::Harness;
//! let mut h = Harness::new(vec![Arc::new(viola_example_hub::Hub)]);
//! h.add_switch(Dpid(1), openflow::Version::V1_3, &[1, 2, 3]);
//! // The table-miss entry sends everything to the controller.
//! assert_eq!(h.forward(Dpid(1), &openflow::Match::new().in_port(1)), vec![openflow::port::CONTROLLER]);
//! h.packet_in(Dpid(1), 2, vec![0xffu8; 60]);
//! let out = h.packet_outs(Dpid(1));
//! assert_eq!(out[0].in_port, 2);
//! assert_eq!(out[0].actions, vec![openflow::Action::output(openflow::port::FLOOD)]);
//! ```
#![forbid(unsafe_code)]

use openflow::{port, Action, FlowMod, PacketOut, Version};
use viola_framework::declare::{AppError, Declare, NoConfig, Setup};
use viola_framework::{App, Context, Event, Verdict};

/// Floods every packet-in.
pub struct Hub;

impl App for Hub {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        if let Event::SwitchUp(sw) = *event {
            if sw.version >= Version::V1_3 {
                let miss = FlowMod::table_miss_to_controller();
                if let Err(e) = cx.send(sw.dpid, &miss) {
                    tracing::warn!("hub: no table-miss flow on {}: {e}", sw.dpid);
                }
            }
            return Verdict::Continue;
        }
        let Event::PacketIn { dpid, packet_in } = *event else {
            return Verdict::Continue;
        };
        // The switch's buffer if it kept one, else the whole frame we got.
        let out = PacketOut::reply_to(packet_in, vec![Action::output(port::FLOOD)]);
        if let Err(e) = cx.send(dpid, &out) {
            tracing::warn!("hub: cannot flood on {dpid}: {e}");
        }
        Verdict::Stop
    }
}

impl Declare for Hub {
    const NAME: &'static str = "hub";
    type Config = NoConfig;

    fn build(_: NoConfig, _: &mut Setup) -> Result<Self, AppError> {
        Ok(Hub)
    }
}
