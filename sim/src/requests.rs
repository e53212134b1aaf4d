//! The simulated switch's answers to requests: multipart/stats, GROUP_MOD, PORT_MOD and the
//! port state changes they cause.

use openflow::error::bad_request;
use openflow::{
    port, port_config, port_reason, Message, MessageKind, PortInfo, PortStats, PortStatus,
    StatsReply, StatsReplyBody, StatsRequest, SwitchDesc, Version,
};

use super::core::{Effects, SwitchCore};
use super::errors::OfError;
use super::flow_table::PortFlags;

/// Flow entries per part of a multipart flow stats reply.
const FLOWS_PER_PART: usize = 64;

impl SwitchCore {
    pub(super) fn port_infos(&self) -> Vec<PortInfo> {
        self.ports.values().cloned().collect()
    }

    pub(super) fn on_stats(&mut self, xid: u32, req: &StatsRequest, raw: &[u8], fx: &mut Effects) {
        let bodies: Vec<StatsReplyBody> = match req {
            StatsRequest::Desc => vec![StatsReplyBody::Desc(SwitchDesc {
                mfr_desc: "Viola".into(),
                hw_desc: "simulated switch".into(),
                sw_desc: concat!("viola-testbed ", env!("CARGO_PKG_VERSION")).into(),
                serial_num: "None".into(),
                dp_desc: self.opts.name.clone(),
            })],
            StatsRequest::Flow(r) => {
                if r.table_id != openflow::TABLE_ALL && r.table_id >= self.table.n_tables() {
                    let v = self.version.unwrap_or(Version::V1_3);
                    self.send_error(fx, xid, OfError::bad_table(v), raw);
                    return;
                }
                let flows = self.table.flow_stats(r);
                if flows.is_empty() {
                    vec![StatsReplyBody::Flow(Vec::new())]
                } else {
                    flows
                        .chunks(FLOWS_PER_PART)
                        .map(|c| StatsReplyBody::Flow(c.to_vec()))
                        .collect()
                }
            }
            StatsRequest::Aggregate(r) => {
                let (packet_count, byte_count, flow_count) = self.table.aggregate_stats(r);
                vec![StatsReplyBody::Aggregate {
                    packet_count,
                    byte_count,
                    flow_count,
                }]
            }
            StatsRequest::Table => vec![StatsReplyBody::Table(self.table.table_stats())],
            StatsRequest::Port { port_no } => {
                let stats: Vec<PortStats> = self
                    .port_stats
                    .values()
                    .filter(|s| *port_no == port::ANY || s.port_no == *port_no)
                    .cloned()
                    .collect();
                vec![StatsReplyBody::Port(stats)]
            }
            StatsRequest::PortDesc if self.version == Some(Version::V1_3) => {
                vec![StatsReplyBody::PortDesc(self.port_infos())]
            }
            _ => {
                self.send_error(
                    fx,
                    xid,
                    OfError::bad_request(bad_request::BAD_MULTIPART),
                    raw,
                );
                return;
            }
        };
        let n = bodies.len();
        for (i, body) in bodies.into_iter().enumerate() {
            self.send(
                fx,
                xid,
                &StatsReply {
                    more: i + 1 < n,
                    body,
                },
            );
        }
    }

    pub(super) fn on_other(&mut self, xid: u32, msg: &Message, raw: &[u8], fx: &mut Effects) {
        use openflow::v13::Message as M13;
        match msg {
            Message::V13(M13::GroupMod(g)) => match self.table.group_mod_message(g) {
                Ok(removed) => {
                    for r in removed {
                        self.send(fx, 0, &r);
                    }
                }
                Err(e) => self.send_error(fx, xid, e, raw),
            },
            Message::V13(M13::PortMod(pm)) => self.port_mod(pm.port_no, pm.config, pm.mask, fx),
            Message::V10(openflow::v10::Message::PortMod(pm)) => {
                self.port_mod(port::from_v10(pm.port_no), pm.config, pm.mask, fx)
            }
            _ => match msg.kind() {
                // Accepted and ignored: the simulator has nothing to configure there.
                MessageKind::TableMod | MessageKind::SetAsync | MessageKind::Experimenter => {}
                MessageKind::MeterMod
                | MessageKind::QueueGetConfigRequest
                | MessageKind::GetAsyncRequest => {
                    self.send_error(fx, xid, OfError::bad_type(), raw)
                }
                _ => self.send_error(fx, xid, OfError::bad_type(), raw),
            },
        }
    }

    fn port_mod(&mut self, port_no: u32, config: u32, mask: u32, fx: &mut Effects) {
        let Some(p) = self.ports.get_mut(&port_no) else {
            return;
        };
        p.config = (p.config & !mask) | (config & mask);
        self.sync_port(port_no, fx);
    }

    /// Updates the pipeline's view of a port and tells the controller.
    pub(super) fn sync_port(&mut self, port_no: u32, fx: &mut Effects) {
        let Some(p) = self.ports.get(&port_no).cloned() else {
            return;
        };
        let live = p.is_live();
        self.table.set_port(
            port_no,
            PortFlags {
                live,
                no_flood: p.config & port_config::NO_FLOOD != 0,
            },
        );
        self.send(
            fx,
            0,
            &PortStatus {
                reason: port_reason::MODIFY,
                port: p,
            },
        );
    }
}
