//! Packet processing through the flow tables: lookup, instructions (apply/write/clear
//! actions, write-metadata, goto-table), the action set, groups, and where the packet goes.

use std::mem::discriminant;

use bytes::Bytes;
use openflow::{packet_in_reason, port, Action, Instruction, Version};

use super::flow_table::FlowTable;
use super::frame;
use super::group::GroupType;

/// Where a processed packet goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Out of a (physical) port, with the frame as modified by the actions so far.
    Port { port: u32, frame: Bytes },
    /// To the controller as a PACKET_IN.
    Controller {
        reason: u8,
        table_id: u8,
        cookie: u64,
        max_len: u16,
        in_port: u32,
        frame: Bytes,
    },
}

impl Output {
    /// The port number (CONTROLLER for a packet-in).
    pub fn port(&self) -> u32 {
        match self {
            Output::Port { port, .. } => *port,
            Output::Controller { .. } => port::CONTROLLER,
        }
    }
}

/// The packet as it travels the pipeline.
struct Pkt {
    data: Vec<u8>,
    in_port: u32,
    metadata: u64,
}

/// Which flow sent a packet to the controller (for PACKET_IN reason, table, cookie).
#[derive(Clone, Copy)]
struct Origin {
    reason: u8,
    table_id: u8,
    cookie: u64,
}

/// Deepest chain of groups followed (a group may point at another).
const MAX_GROUP_DEPTH: u8 = 8;

/// Execution order of instructions within one entry (OpenFlow 1.3 §5.9).
fn instruction_rank(i: &Instruction) -> u8 {
    match i {
        Instruction::Meter(_) => 0,
        Instruction::ApplyActions(_) => 1,
        Instruction::ClearActions => 2,
        Instruction::WriteActions(_) => 3,
        Instruction::WriteMetadata { .. } => 4,
        Instruction::GotoTable(_) => 5,
        _ => 6,
    }
}

/// Execution order of the action set (OpenFlow 1.3 §5.10).
fn set_rank(a: &Action) -> u8 {
    match a {
        Action::CopyTtlIn => 0,
        Action::PopVlan | Action::PopMpls(_) | Action::PopPbb => 1,
        Action::PushMpls(_) => 2,
        Action::PushPbb(_) => 3,
        Action::PushVlan(_) => 4,
        Action::CopyTtlOut => 5,
        Action::DecNwTtl | Action::DecMplsTtl => 6,
        Action::SetField(_) | Action::SetNwTtl(_) | Action::SetMplsTtl(_) => 7,
        Action::SetQueue(_) => 8,
        Action::Group(_) => 9,
        Action::Output { .. } => 10,
        _ => 11,
    }
}

/// Adds `a` to the action set, replacing an action of the same kind (same field for
/// set-field).
fn write_action(set: &mut Vec<Action>, a: &Action) {
    set.retain(|x| match (x, a) {
        (Action::SetField(f), Action::SetField(g)) => f.id() != g.id(),
        _ => discriminant(x) != discriminant(a),
    });
    set.push(a.clone());
}

fn hash(data: &[u8]) -> u64 {
    // FNV-1a over the headers: stable choice of a SELECT bucket per flow.
    data.iter().take(54).fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl FlowTable {
    /// Processes a frame that arrived on `in_port` and returns where it goes. Updates flow,
    /// table and group counters and the flows' idle timers (at the table's clock).
    /// A miss drops the packet in 1.3 unless a table-miss flow exists, and goes to the
    /// controller (reason NO_MATCH) in 1.0.
    pub fn apply(&mut self, in_port: u32, frame: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        self.pipeline(
            Pkt {
                data: frame.to_vec(),
                in_port,
                metadata: 0,
            },
            &mut out,
        );
        out
    }

    /// Executes a PACKET_OUT's actions on `frame` as if it came in on `in_port`
    /// (CONTROLLER or ANY when it did not come from a port). `output:TABLE` runs the
    /// flow tables.
    pub fn packet_out(&mut self, in_port: u32, actions: &[Action], frame: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        let mut pkt = Pkt {
            data: frame.to_vec(),
            in_port,
            metadata: 0,
        };
        let origin = Origin {
            reason: packet_in_reason::ACTION,
            table_id: 0xff,
            cookie: u64::MAX,
        };
        self.exec(actions, &mut pkt, origin, &mut out, 0);
        out
    }

    fn pipeline(&mut self, mut pkt: Pkt, out: &mut Vec<Output>) {
        let now = self.now;
        let v13 = self.version == Version::V1_3;
        let mut table_id = 0u8;
        let mut action_set: Vec<Action> = Vec::new();
        loop {
            let fields = frame::packet_fields(pkt.in_port, pkt.metadata, &pkt.data);
            let table = self.tables.entry(table_id).or_default();
            table.lookup_count += 1;
            let Some(f) = table
                .flows
                .iter_mut()
                .find(|f| f.match_.matches_packet(&fields))
            else {
                if !v13 {
                    out.push(Output::Controller {
                        reason: packet_in_reason::NO_MATCH,
                        table_id,
                        cookie: 0,
                        max_len: openflow::action::CONTROLLER_NO_BUFFER,
                        in_port: pkt.in_port,
                        frame: Bytes::from(pkt.data),
                    });
                }
                return;
            };
            table.matched_count += 1;
            f.packet_count += 1;
            f.byte_count += pkt.data.len() as u64;
            f.last_used = now;
            let reason = if v13 && f.is_table_miss() {
                packet_in_reason::NO_MATCH
            } else {
                packet_in_reason::ACTION
            };
            let origin = Origin {
                reason,
                table_id,
                cookie: f.cookie,
            };
            let mut instructions = f.instructions.clone();
            instructions.sort_by_key(instruction_rank);
            let mut goto = None;
            for i in &instructions {
                match i {
                    Instruction::ApplyActions(a) => {
                        let alive = self.exec(a, &mut pkt, origin, out, 0);
                        if !alive {
                            return;
                        }
                    }
                    Instruction::ClearActions => action_set.clear(),
                    Instruction::WriteActions(a) => {
                        a.iter().for_each(|x| write_action(&mut action_set, x))
                    }
                    Instruction::WriteMetadata { metadata, mask } => {
                        pkt.metadata = (pkt.metadata & !mask) | (metadata & mask);
                    }
                    Instruction::GotoTable(t) => goto = Some(*t),
                    _ => {}
                }
            }
            match goto {
                Some(t) if t > table_id => table_id = t,
                _ => {
                    action_set.sort_by_key(set_rank);
                    if action_set.iter().any(|a| matches!(a, Action::Group(_))) {
                        action_set.retain(|a| !matches!(a, Action::Output { .. }));
                    }
                    self.exec(&action_set, &mut pkt, origin, out, 0);
                    return;
                }
            }
        }
    }

    /// Runs an action list. Returns false if the packet was dropped (e.g. TTL expired).
    fn exec(
        &mut self,
        actions: &[Action],
        pkt: &mut Pkt,
        origin: Origin,
        out: &mut Vec<Output>,
        depth: u8,
    ) -> bool {
        for a in actions {
            match a {
                Action::Output { port: p, max_len } => self.emit(*p, *max_len, pkt, origin, out),
                Action::Group(g) => self.group(*g, pkt, origin, out, depth),
                Action::PushVlan(tpid) => frame::push_vlan(&mut pkt.data, *tpid),
                Action::PopVlan => frame::pop_vlan(&mut pkt.data),
                Action::SetField(f) => {
                    frame::set_field(&mut pkt.data, f);
                }
                Action::SetNwTtl(t) => {
                    frame::set_ttl(&mut pkt.data, Some(*t));
                }
                Action::DecNwTtl => {
                    let alive = frame::set_ttl(&mut pkt.data, None);
                    if !alive {
                        return false;
                    }
                }
                _ => {}
            }
        }
        true
    }

    fn group(&mut self, id: u32, pkt: &mut Pkt, origin: Origin, out: &mut Vec<Output>, depth: u8) {
        if depth >= MAX_GROUP_DEPTH {
            return;
        }
        let Some(g) = self.groups.get_mut(&id) else {
            return;
        };
        g.packet_count += 1;
        g.byte_count += pkt.data.len() as u64;
        let chosen: Vec<Vec<Action>> = match g.group_type {
            GroupType::All => g.buckets.iter().map(|b| b.actions.clone()).collect(),
            GroupType::Indirect => g
                .buckets
                .first()
                .map(|b| b.actions.clone())
                .into_iter()
                .collect(),
            GroupType::Select => {
                let n = g.buckets.len() as u64;
                let pick = if n == 0 {
                    None
                } else {
                    g.buckets.get((hash(&pkt.data) % n) as usize)
                };
                pick.map(|b| b.actions.clone()).into_iter().collect()
            }
            GroupType::FastFailover => {
                let ports = &self.ports;
                let live = |p: u32| {
                    p == port::ANY || ports.is_empty() || ports.get(&p).is_some_and(|f| f.live)
                };
                g.buckets
                    .iter()
                    .find(|b| live(b.watch_port))
                    .map(|b| b.actions.clone())
                    .into_iter()
                    .collect()
            }
        };
        for actions in chosen {
            // Each bucket works on its own copy of the packet.
            let mut copy = Pkt {
                data: pkt.data.clone(),
                in_port: pkt.in_port,
                metadata: pkt.metadata,
            };
            self.exec(&actions, &mut copy, origin, out, depth + 1);
        }
    }

    fn emit(&mut self, p: u32, max_len: u16, pkt: &Pkt, origin: Origin, out: &mut Vec<Output>) {
        let frame = || Bytes::from(pkt.data.clone());
        match p {
            port::IN_PORT => out.push(Output::Port {
                port: pkt.in_port,
                frame: frame(),
            }),
            port::FLOOD | port::ALL => {
                let ports: Vec<u32> = self
                    .ports
                    .iter()
                    .filter(|(n, f)| {
                        **n != pkt.in_port && f.live && (p == port::ALL || !f.no_flood)
                    })
                    .map(|(n, _)| *n)
                    .collect();
                let data = frame();
                out.extend(ports.into_iter().map(|port| Output::Port {
                    port,
                    frame: data.clone(),
                }));
            }
            port::CONTROLLER => out.push(Output::Controller {
                reason: origin.reason,
                table_id: origin.table_id,
                cookie: origin.cookie,
                max_len,
                in_port: pkt.in_port,
                frame: frame(),
            }),
            port::TABLE => {
                // Only meaningful in PACKET_OUT: run the flow tables.
                if pkt.in_port != port::TABLE {
                    let copy = Pkt {
                        data: pkt.data.clone(),
                        in_port: pkt.in_port,
                        metadata: 0,
                    };
                    self.pipeline(copy, out);
                }
            }
            port::NORMAL | port::LOCAL | port::ANY => {}
            p if p == pkt.in_port => {} // needs IN_PORT to go back out of the ingress port
            p => {
                if self.ports.is_empty() || self.ports.get(&p).is_some_and(|f| f.live) {
                    out.push(Output::Port {
                        port: p,
                        frame: frame(),
                    });
                }
            }
        }
    }
}
