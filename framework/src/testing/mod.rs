//! Test support: drive apps without sockets.
//!
//! [`Harness`] owns a [`Controller`] whose switches are fakes: what apps send is recorded,
//! FLOW_MODs are applied to a [`FakeFlowTable`] per switch, stats requests are answered
//! from it and barriers succeed (or fail with an error you queue). Events are delivered
//! synchronously through the same pipeline (layers included) the runtime uses.
//!
//! ```
//! use std::sync::Arc;
//! use viola_framework::testing::Harness;
//! use viola_framework::{App, Context, Event, Verdict};
//!
//! struct Count(std::sync::atomic::AtomicUsize);
//! impl App for Count {
//!     fn name(&self) -> &'static str { "count" }
//!     fn handle(&self, _e: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
//!         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         Verdict::Continue
//!     }
//! }
//! let app = Arc::new(Count(Default::default()));
//! let mut h = Harness::new(vec![app.clone()]);
//! h.add_switch(openflow::Dpid(1), openflow::Version::V1_3, &[1, 2]);
//! assert_eq!(app.0.load(std::sync::atomic::Ordering::Relaxed), 1); // SwitchUp
//! ```

mod flow_table;
pub mod frames;
mod scripted;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use openflow::{
    ErrorMsg, FlowMod, MacAddr, Match, Message, PacketIn, PacketOut, PortInfo, PortStatus,
    StatsReply, StatsReplyBody, StatsRequest, SwitchDesc, Version,
};
use tokio::sync::mpsc;

pub use flow_table::{covers, matches, FakeFlowTable, FlowEntry};
pub use scripted::{ScriptedSwitch, RECV_TIMEOUT};

use crate::controller::{Backend, Published, SwitchEntry};
use crate::dispatch::dispatch;
use crate::pipeline::Pipeline;
use crate::settings::Settings;
use crate::{App, Controller, Dpid, Event, RequestError, SwitchInfo, Verdict};

/// A fake switch: records messages, keeps a flow table, answers requests.
#[derive(Debug)]
pub struct FakeSwitch {
    pub info: SwitchInfo,
    /// Every message apps sent to this switch, in order.
    pub sent: Vec<Message>,
    pub table: FakeFlowTable,
    /// Errors the next barriers fail with (one per barrier), to test error paths.
    pub barrier_errors: VecDeque<ErrorMsg>,
    /// When set, every stats request fails with this.
    pub request_error: Option<RequestError>,
}

impl FakeSwitch {
    pub(crate) fn receive(&mut self, msg: Message) {
        if let Some(fm) = msg.flow_mod() {
            self.table.apply(&fm);
        }
        self.sent.push(msg);
    }

    pub(crate) fn answer(&mut self, req: &StatsRequest) -> Result<Vec<StatsReply>, RequestError> {
        if let Some(e) = &self.request_error {
            return Err(e.clone());
        }
        let body = match req {
            StatsRequest::Desc => StatsReplyBody::Desc(SwitchDesc {
                mfr_desc: "Viola".into(),
                hw_desc: "fake switch".into(),
                sw_desc: "viola-framework testing".into(),
                serial_num: String::new(),
                dp_desc: format!("fake {}", self.info.dpid),
            }),
            StatsRequest::Flow(r) => StatsReplyBody::Flow(self.table.stats(r)),
            StatsRequest::Aggregate(r) => StatsReplyBody::Aggregate {
                packet_count: 0,
                byte_count: 0,
                flow_count: self.table.stats(r).len() as u32,
            },
            StatsRequest::PortDesc => StatsReplyBody::PortDesc(self.info.ports.clone()),
            _ => StatsReplyBody::Other { stats_type: 0xffff },
        };
        Ok(vec![StatsReply { more: false, body }])
    }

    pub(crate) fn barrier(&mut self) -> Result<(), RequestError> {
        match self.barrier_errors.pop_front() {
            Some(e) => Err(RequestError::Switch(e)),
            None => Ok(()),
        }
    }
}

pub(crate) fn lock(m: &Mutex<FakeSwitch>) -> MutexGuard<'_, FakeSwitch> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A port as the fakes describe it: `port_no`, MAC `02:00:00:00:DD:PP`, name `s{dpid}-eth{n}`.
pub fn fake_port(dpid: Dpid, port_no: u32) -> PortInfo {
    PortInfo {
        port_no,
        hw_addr: MacAddr([0x02, 0, 0, 0, dpid.get() as u8, port_no as u8]),
        name: format!("s{}-eth{port_no}", dpid.get()),
        config: 0,
        state: 0,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 10_000_000,
        max_speed: 10_000_000,
    }
}

/// Drives apps through the runtime's pipeline against fake switches (see module docs).
pub struct Harness {
    ctl: Controller,
    now: Instant,
    scratch: Vec<Published>,
    publish_rx: Option<mpsc::UnboundedReceiver<Published>>,
}

impl Harness {
    /// A controller with these apps (pipeline order) and no switch. `App::start` is not
    /// called; call [`Harness::start_apps`] inside a tokio runtime if the apps need it.
    pub fn new(apps: Vec<Arc<dyn App>>) -> Self {
        let pipeline = Box::new(Pipeline::new(&apps));
        let ctl = Controller::new(apps, pipeline, Settings::default());
        let publish_rx = ctl
            .inner
            .publish_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        Harness {
            ctl,
            now: Instant::now(),
            scratch: Vec::new(),
            publish_rx,
        }
    }

    /// Calls `App::start` of every app.
    pub fn start_apps(&self) {
        for a in &self.ctl.inner.apps {
            a.clone().start(self.ctl.clone());
        }
    }

    pub fn controller(&self) -> Controller {
        self.ctl.clone()
    }

    /// The harness's clock (what `Context::now` returns).
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    /// Connects a fake switch with these ports and delivers SwitchUp.
    pub fn add_switch(&mut self, dpid: Dpid, version: Version, ports: &[u32]) -> SwitchInfo {
        let info = SwitchInfo {
            dpid,
            version,
            addr: SocketAddr::from(([127, 0, 0, 1], 40_000 + (dpid.get() % 20_000) as u16)),
            n_tables: if version == Version::V1_0 { 1 } else { 254 },
            n_buffers: 0,
            capabilities: 0,
            ports: ports.iter().map(|p| fake_port(dpid, *p)).collect(),
            connected_at: SystemTime::now(),
        };
        self.add_switch_info(info.clone());
        info
    }

    /// Connects a fake switch described by `info` and delivers SwitchUp.
    pub fn add_switch_info(&mut self, info: SwitchInfo) -> Verdict {
        let fake = FakeSwitch {
            info: info.clone(),
            sent: Vec::new(),
            table: FakeFlowTable::new(info.version),
            barrier_errors: VecDeque::new(),
            request_error: None,
        };
        let conn_id = self.ctl.next_conn_id();
        self.ctl.register(SwitchEntry {
            info: info.clone(),
            conn_id,
            backend: Backend::Fake(Arc::new(Mutex::new(fake))),
        });
        self.deliver(&Event::SwitchUp(&info))
    }

    /// Disconnects a fake switch and delivers SwitchDown.
    pub fn remove_switch(&mut self, dpid: Dpid) -> Verdict {
        let conn = self
            .ctl
            .inner
            .switches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&dpid)
            .map(|e| e.conn_id);
        if let Some(c) = conn {
            self.ctl.unregister(dpid, c);
        }
        self.deliver(&Event::SwitchDown(dpid))
    }

    /// Delivers any event through the pipeline, then the app events published meanwhile
    /// (through the context or `Controller::publish`).
    pub fn deliver(&mut self, event: &Event<'_>) -> Verdict {
        let mut verdict = Verdict::Continue;
        {
            let mut cx = crate::Context::new(&self.ctl, self.now, None, &mut self.scratch);
            if self.ctl.pipeline().handle(event, &mut cx) == Verdict::Stop {
                verdict = Verdict::Stop;
            }
        }
        // Context::publish leftovers and Controller::publish events.
        let mut rounds = 0;
        loop {
            let mut batch = std::mem::take(&mut self.scratch);
            if let Some(rx) = &mut self.publish_rx {
                while let Ok(p) = rx.try_recv() {
                    batch.push(p);
                }
            }
            if batch.is_empty() || rounds > 64 {
                break;
            }
            rounds += 1;
            for p in &batch {
                dispatch(
                    &self.ctl,
                    &Event::App(p.as_ref()),
                    self.now,
                    None,
                    &mut self.scratch,
                );
            }
        }
        crate::layers::flush_thread();
        verdict
    }

    /// Delivers a PACKET_IN (reason NO_MATCH, no buffer, whole frame) from `in_port`.
    pub fn packet_in(&mut self, dpid: Dpid, in_port: u32, frame: impl Into<Bytes>) -> Verdict {
        let data: Bytes = frame.into();
        let p = PacketIn {
            buffer_id: None,
            total_len: data.len().min(0xffff) as u16,
            reason: openflow::packet_in_reason::NO_MATCH,
            table_id: 0,
            cookie: 0,
            match_: Match::new().in_port(in_port),
            data,
        };
        self.deliver(&Event::PacketIn {
            dpid,
            packet_in: &p,
        })
    }

    /// Updates the switch's ports and delivers PORT_STATUS.
    pub fn port_status(&mut self, dpid: Dpid, reason: u8, port: PortInfo) -> Verdict {
        let status = PortStatus { reason, port };
        self.ctl.update_port(dpid, &status);
        self.deliver(&Event::PortStatus {
            dpid,
            status: &status,
        })
    }

    fn fake(&self, dpid: Dpid) -> Option<Arc<Mutex<FakeSwitch>>> {
        match self
            .ctl
            .inner
            .switches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&dpid)
            .map(|e| e.backend.clone())
        {
            Some(Backend::Fake(f)) => Some(f),
            _ => None,
        }
    }

    /// Runs `f` on a fake switch (`None` if not connected).
    pub fn with_switch<R>(&self, dpid: Dpid, f: impl FnOnce(&mut FakeSwitch) -> R) -> Option<R> {
        self.fake(dpid).map(|s| f(&mut lock(&s)))
    }

    /// Messages apps sent to a switch so far.
    pub fn sent(&self, dpid: Dpid) -> Vec<Message> {
        self.with_switch(dpid, |s| s.sent.clone())
            .unwrap_or_default()
    }

    /// Takes (and clears) the messages sent to a switch.
    pub fn take_sent(&self, dpid: Dpid) -> Vec<Message> {
        self.with_switch(dpid, |s| std::mem::take(&mut s.sent))
            .unwrap_or_default()
    }

    /// FLOW_MODs sent to a switch, in neutral form.
    pub fn flow_mods(&self, dpid: Dpid) -> Vec<FlowMod> {
        self.sent(dpid)
            .iter()
            .filter_map(Message::flow_mod)
            .collect()
    }

    /// PACKET_OUTs sent to a switch, in neutral form.
    pub fn packet_outs(&self, dpid: Dpid) -> Vec<PacketOut> {
        self.sent(dpid)
            .iter()
            .filter_map(Message::packet_out)
            .collect()
    }

    /// A copy of the switch's flow table.
    pub fn table(&self, dpid: Dpid) -> Option<FakeFlowTable> {
        self.with_switch(dpid, |s| s.table.clone())
    }

    /// Where the switch's flow table sends `frame` arriving on `in_port` (empty: dropped
    /// or table miss).
    pub fn forward_packet(&self, dpid: Dpid, in_port: u32, frame: &[u8]) -> Vec<u32> {
        self.with_switch(dpid, |s| s.table.forward_packet(in_port, frame))
            .unwrap_or_default()
    }

    /// Where the switch's flow table sends a packet with fields `pkt`.
    pub fn forward(&self, dpid: Dpid, pkt: &Match) -> Vec<u32> {
        self.with_switch(dpid, |s| s.table.forward(pkt))
            .unwrap_or_default()
    }
}
