//! The simulated switch's data plane: frames in from ports, through the flow tables, out to
//! ports and to the controller.

use openflow::{port_config, Match, PacketIn, Version};

use super::core::{Effects, SwitchCore};
use super::pipeline::Output;

impl SwitchCore {
    /// A frame arrived on `in_port`.
    pub fn receive(&mut self, in_port: u32, frame: &[u8]) -> Effects {
        let mut fx = Effects::default();
        let live = self
            .ports
            .get(&in_port)
            .map(|p| p.is_live() && p.config & port_config::NO_RECV == 0);
        let Some(stats) = self.port_stats.get_mut(&in_port) else {
            return fx;
        };
        if live != Some(true) {
            stats.rx_dropped += 1;
            return fx;
        }
        stats.rx_packets += 1;
        stats.rx_bytes += frame.len() as u64;
        self.counters.frames_in += 1;
        self.table.set_now(self.clock.now());
        let out = self.table.apply(in_port, frame);
        self.emit(out, &mut fx);
        fx
    }

    pub(super) fn emit(&mut self, out: Vec<Output>, fx: &mut Effects) {
        for o in out {
            match o {
                Output::Port { port: p, frame } => {
                    let Some(info) = self.ports.get(&p) else {
                        continue;
                    };
                    let ok = info.is_live() && info.config & port_config::NO_FWD == 0;
                    if let Some(s) = self.port_stats.get_mut(&p) {
                        if ok {
                            s.tx_packets += 1;
                            s.tx_bytes += frame.len() as u64;
                        } else {
                            s.tx_dropped += 1;
                        }
                    }
                    if ok {
                        self.counters.frames_out += 1;
                        fx.frames.push((p, frame));
                    }
                }
                Output::Controller {
                    reason,
                    table_id,
                    cookie,
                    in_port,
                    frame,
                    ..
                } => {
                    if self.version.is_none() {
                        continue;
                    }
                    if self
                        .ports
                        .get(&in_port)
                        .is_some_and(|p| p.config & port_config::NO_PACKET_IN != 0)
                    {
                        continue;
                    }
                    self.counters.packet_ins += 1;
                    // No switch-side buffering: the whole frame goes up.
                    let pi = PacketIn {
                        buffer_id: None,
                        total_len: frame.len() as u16,
                        reason,
                        table_id: if self.version == Some(Version::V1_3) {
                            table_id
                        } else {
                            0
                        },
                        cookie: if self.version == Some(Version::V1_3) {
                            cookie
                        } else {
                            0
                        },
                        match_: Match::new().in_port(in_port),
                        data: frame,
                    };
                    self.send(fx, 0, &pi);
                }
            }
        }
    }
}
