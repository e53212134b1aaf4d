//! [`FakeSwitch`]: the switch end of a fake connection. The controller sees an ordinary
//! switch whose command queue ([`Command`]) is drained here instead of by a connection
//! task: FLOW_MODs and GROUP_MODs go to the simulated switch's [`FlowTable`] (the one flow
//! table model of the workspace), stats requests are answered from it, barriers succeed or
//! fail with the first error since the previous barrier, as a connection reports them.
//!
//! The queue is drained synchronously by every [`super::Harness`] call, and, inside a tokio
//! runtime, by a small task as soon as something is queued — so a test can `await`
//! `Controller::request` or `Controller::barrier` without driving the harness.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use openflow::{ErrorMsg, Message, Neutral, StatsReply, StatsReplyBody, StatsRequest, SwitchDesc};
use tokio::sync::mpsc;
use viola_sim::{FlowTable, OfError, PortFlags};

use crate::driver::Command;
use crate::{RequestError, SwitchInfo};

/// Bytes of the offending message an error carries (as OpenFlow requires at least).
const ERROR_DATA_LEN: usize = 64;

/// A fake switch: records messages, keeps a flow table, answers requests.
#[derive(Debug)]
pub struct FakeSwitch {
    pub info: SwitchInfo,
    /// Every message apps sent to this switch, in order.
    pub sent: Vec<Message>,
    /// The switch's flow and group tables.
    pub table: FlowTable,
    /// Errors the next barriers fail with (one per barrier), to test error paths.
    pub barrier_errors: VecDeque<ErrorMsg>,
    /// When set, every stats request fails with this.
    pub request_error: Option<RequestError>,
    /// What a port statistics request is answered with (set it to what the test needs).
    pub port_stats: Vec<openflow::PortStats>,
    /// Every error the table raised for a message (bad match prerequisites, unknown
    /// table, missing group…), in order.
    pub errors: Vec<ErrorMsg>,
    /// The first error since the last barrier: that barrier fails with it.
    unreported: Option<ErrorMsg>,
    commands: mpsc::Receiver<Command>,
}

impl FakeSwitch {
    /// A switch with empty tables, draining `commands`.
    pub(crate) fn new(info: SwitchInfo, commands: mpsc::Receiver<Command>) -> Self {
        let mut table = FlowTable::new(info.version);
        for p in &info.ports {
            let flags = PortFlags {
                live: true,
                no_flood: false,
            };
            table.set_port(p.port_no, flags);
        }
        FakeSwitch {
            info,
            sent: Vec::new(),
            table,
            barrier_errors: VecDeque::new(),
            request_error: None,
            port_stats: Vec::new(),
            errors: Vec::new(),
            unreported: None,
            commands,
        }
    }

    /// Handles every command queued so far.
    pub(crate) fn drain(&mut self) {
        while let Ok(cmd) = self.commands.try_recv() {
            self.handle(cmd);
        }
    }

    /// Handles queued commands; `Ready` once the controller side of the queue is gone.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(cmd)) => self.handle(cmd),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn handle(&mut self, cmd: Command) {
        // A dropped reply receiver means the requester gave up: nothing to do.
        match cmd {
            Command::Send(msg) => self.receive(msg),
            Command::Request { msg, reply } => {
                let _ = reply.send(self.answer(&msg));
            }
            Command::Barrier { reply } => {
                let _ = reply.send(self.barrier().map(|()| Vec::new()));
            }
        }
    }

    fn receive(&mut self, msg: Message) {
        let applied = if let Some(fm) = msg.flow_mod() {
            self.table.flow_mod(&fm).map(drop)
        } else if let Message::V13(openflow::v13::Message::GroupMod(g)) = &msg {
            self.table.group_mod_message(g).map(drop)
        } else {
            Ok(())
        };
        if let Err(e) = applied {
            self.raise(e, &msg);
        }
        self.sent.push(msg);
    }

    /// Records the error `msg` caused, for the next barrier and for [`FakeSwitch::errors`].
    fn raise(&mut self, e: OfError, msg: &Message) {
        let data = msg
            .to_bytes(0)
            .map(|b| Bytes::copy_from_slice(b.get(..ERROR_DATA_LEN).unwrap_or(&b)))
            .unwrap_or_default();
        let error = ErrorMsg {
            err_type: e.err_type,
            code: e.code,
            experimenter: None,
            data,
        };
        self.unreported.get_or_insert_with(|| error.clone());
        self.errors.push(error);
    }

    fn answer(&mut self, msg: &Message) -> Result<Vec<Message>, RequestError> {
        if let Some(e) = &self.request_error {
            return Err(e.clone());
        }
        let v = self.info.version;
        let body = match msg.stats_request() {
            Some(StatsRequest::Desc) => StatsReplyBody::Desc(SwitchDesc {
                mfr_desc: "Viola".into(),
                hw_desc: "fake switch".into(),
                sw_desc: "viola-framework testing".into(),
                serial_num: String::new(),
                dp_desc: format!("fake {}", self.info.dpid),
            }),
            Some(StatsRequest::Flow(r)) => StatsReplyBody::Flow(self.table.flow_stats(&r)),
            Some(StatsRequest::Aggregate(r)) => {
                let (packet_count, byte_count, flow_count) = self.table.aggregate_stats(&r);
                StatsReplyBody::Aggregate {
                    packet_count,
                    byte_count,
                    flow_count,
                }
            }
            Some(StatsRequest::Table) => StatsReplyBody::Table(self.table.table_stats()),
            Some(StatsRequest::PortDesc) => StatsReplyBody::PortDesc(self.info.ports.clone()),
            Some(StatsRequest::Port { port_no }) => StatsReplyBody::Port(
                self.port_stats
                    .iter()
                    .filter(|s| port_no == openflow::port::ANY || s.port_no == port_no)
                    .cloned()
                    .collect(),
            ),
            _ => StatsReplyBody::Other { stats_type: 0xffff },
        };
        let reply = StatsReply { more: false, body };
        Ok(vec![reply.to_message(v)?])
    }

    fn barrier(&mut self) -> Result<(), RequestError> {
        let caused = self.unreported.take();
        match self.barrier_errors.pop_front().or(caused) {
            Some(e) => Err(RequestError::Switch(e)),
            None => Ok(()),
        }
    }
}

pub(crate) fn lock(m: &Mutex<FakeSwitch>) -> MutexGuard<'_, FakeSwitch> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Inside a tokio runtime, drains the switch's queue as soon as something arrives (so
/// awaited requests get their answer); outside one, the harness's calls drain it.
pub(crate) fn spawn_drainer(switch: &Arc<Mutex<FakeSwitch>>) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let switch = switch.clone();
    rt.spawn(async move { poll_fn(|cx| lock(&switch).poll_drain(cx)).await });
}
