//! Test support: drive apps without sockets.
//!
//! [`Harness`] owns a [`Controller`] whose switches are fakes ([`FakeSwitch`]): the
//! controller queues commands for them as for real connections; what apps send is
//! recorded, FLOW_MODs and GROUP_MODs are applied to the simulated switch's flow table
//! (`viola_sim::FlowTable`, the same model the simulated networks run), stats requests are
//! answered from it and barriers succeed (or fail with the error a message caused, or one
//! you queue). Events are delivered synchronously through the runtime's own delivery
//! function (pipeline, layers, published app events and their cap on rounds).
//!
//! Compiled with the `testing` feature: enable it in the `[dev-dependencies]` of a crate
//! whose tests use it.
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

mod echoing;
mod fake_switch;
pub mod frames;
mod scripted;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use openflow::{
    FlowMod, MacAddr, Match, Message, PacketIn, PacketOut, PortInfo, PortStatus, Version,
};
use tokio::sync::{mpsc, Notify};

pub use echoing::EchoingSwitch;
pub use fake_switch::FakeSwitch;
pub use scripted::{ScriptedSwitch, RECV_TIMEOUT};
/// The flow table model of the fake switches (the simulated switch's), re-exported so
/// tests can name what [`Harness::table`] returns.
pub use viola_sim::{FlowEntry, FlowTable};

use crate::controller::{AppParts, Backend, Published, SwitchEntry};
use crate::declare::{AppError, Apps, Declare, Setup};
use crate::dispatch::dispatch;
use crate::pipeline::Pipeline;
use crate::settings::Settings;
use crate::{App, Controller, Dpid, Event, SwitchInfo, Verdict};
use fake_switch::{lock, spawn_drainer};

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

/// Drives apps through the runtime's delivery path against fake switches (see module
/// docs).
pub struct Harness {
    ctl: Controller,
    started: Instant,
    now: Instant,
    scratch: Vec<Published>,
    publish_rx: Option<mpsc::UnboundedReceiver<Published>>,
    switches: HashMap<Dpid, Arc<Mutex<FakeSwitch>>>,
}

impl Harness {
    /// A controller with these apps (pipeline order) and no switch. `App::start` is not
    /// called; call [`Harness::start_apps`] inside a tokio runtime if the apps need it.
    pub fn new(apps: Vec<Arc<dyn App>>) -> Self {
        Self::with_parts(apps, AppParts::default())
    }

    /// A harness with one declared app built from `config` (its metrics in the
    /// controller's registry, its routes in [`Controller::app_routers`]), and the app.
    pub fn declared<T: Declare>(config: T::Config) -> Result<(Self, Arc<T>), AppError> {
        let mut setup = Setup::standalone();
        let app = Arc::new(T::build(config, &mut setup)?);
        let apps = Apps(vec![crate::declare::Built::declared(app.clone())]);
        Ok((Self::with_apps(&apps, setup), app))
    }

    /// A harness with a built pipeline (e.g. from a [`crate::declare::Catalog`]) and the
    /// setup it was built with.
    pub fn with_apps(apps: &Apps, setup: Setup) -> Self {
        let parts = AppParts {
            app_metrics: setup.app_metrics().clone(),
            routes: apps.0.iter().filter_map(|b| b.routes.clone()).collect(),
        };
        Self::with_parts(apps.apps(), parts)
    }

    fn with_parts(apps: Vec<Arc<dyn App>>, parts: AppParts) -> Self {
        let pipeline = Box::new(Pipeline::new(&apps));
        let ctl = Controller::new(apps, pipeline, Settings::default(), parts);
        let publish_rx = ctl
            .inner
            .publish_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let now = Instant::now();
        Harness {
            ctl,
            started: now,
            now,
            scratch: Vec::new(),
            publish_rx,
            switches: HashMap::new(),
        }
    }

    /// Calls `App::start` of every app.
    pub fn start_apps(&self) {
        for a in &self.ctl.inner.apps {
            a.clone().start(self.ctl.clone());
        }
    }

    /// Stops the controller as a shutdown would: apps' tasks and timers end, and every
    /// app's `stop` hook runs.
    pub fn stop(&self) {
        self.ctl.stop_apps();
    }

    pub fn controller(&self) -> Controller {
        self.ctl.clone()
    }

    /// The harness's clock (what `Context::now` returns).
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Moves the clock on, the switches' table clocks with it (flow durations; nothing
    /// expires by itself: see `viola_sim::FlowTable::expire`).
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        let since_start = self.now.saturating_duration_since(self.started);
        for s in self.switches.values() {
            lock(s).table.set_now(since_start);
        }
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

    /// Connects a fake switch described by `info` and delivers SwitchUp. The controller
    /// registers it as it registers a connection: a command queue (drained by the fake).
    pub fn add_switch_info(&mut self, info: SwitchInfo) -> Verdict {
        let (tx, rx) = mpsc::channel(self.ctl.settings().queue_len.max(1));
        let fake = Arc::new(Mutex::new(FakeSwitch::new(info.clone(), rx)));
        spawn_drainer(&fake);
        self.switches.insert(info.dpid, fake);
        let conn_id = self.ctl.next_conn_id();
        // Replacing never fails; a test that adds the same dpid twice replaces it.
        let _ = self.ctl.register(
            SwitchEntry {
                info: info.clone(),
                conn_id,
                backend: Backend {
                    tx,
                    close: Arc::new(Notify::new()),
                },
            },
            true,
        );
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
        self.switches.remove(&dpid);
        self.deliver(&Event::SwitchDown(dpid))
    }

    /// Delivers any event through the runtime's delivery path (pipeline, layers, app
    /// events published through the context, with the runtime's cap on their rounds),
    /// then the events published meanwhile through `Controller::publish`. What apps sent
    /// reaches the fake switches before this returns.
    pub fn deliver(&mut self, event: &Event<'_>) -> Verdict {
        // Commands queued outside a delivery (REST handlers, tasks) come first.
        self.drain_switches();
        let verdict = dispatch(&self.ctl, event, self.now, None, &mut self.scratch);
        self.deliver_published();
        self.drain_switches();
        crate::layers::flush_thread();
        verdict
    }

    /// Delivers what `Controller::publish` queued, as the runtime's publish task does,
    /// for at most `max_publish_rounds` rounds (events published after that wait for the
    /// next delivery, so apps publishing in a loop cannot hang a test).
    fn deliver_published(&mut self) {
        let Some(rx) = &mut self.publish_rx else {
            return;
        };
        for _ in 0..self.ctl.settings().max_publish_rounds {
            let batch: Vec<Published> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
            if batch.is_empty() {
                break;
            }
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
    }

    fn drain_switches(&self) {
        for s in self.switches.values() {
            lock(s).drain();
        }
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
        let max_ports = self.ctl.settings().conn.max_ports;
        self.ctl.update_port(dpid, &status, max_ports);
        self.deliver(&Event::PortStatus {
            dpid,
            status: &status,
        })
    }

    /// Runs `f` on a fake switch (`None` if not connected), after it handled everything
    /// queued for it.
    pub fn with_switch<R>(&self, dpid: Dpid, f: impl FnOnce(&mut FakeSwitch) -> R) -> Option<R> {
        self.switches.get(&dpid).map(|s| {
            let mut s = lock(s);
            s.drain();
            f(&mut s)
        })
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

    /// A copy of the switch's flow tables.
    pub fn table(&self, dpid: Dpid) -> Option<FlowTable> {
        self.with_switch(dpid, |s| s.table.clone())
    }

    /// The output ports of the entries `frame` arriving on `in_port` hits (see
    /// `viola_sim::FlowTable::output_ports`; empty: dropped or a table miss).
    pub fn forward_packet(&self, dpid: Dpid, in_port: u32, frame: &[u8]) -> Vec<u32> {
        self.forward(dpid, &openflow::packet::flow_match(in_port, frame))
    }

    /// The output ports of the entries a packet with header fields `pkt` hits.
    pub fn forward(&self, dpid: Dpid, pkt: &Match) -> Vec<u32> {
        self.with_switch(dpid, |s| s.table.output_ports(pkt))
            .unwrap_or_default()
    }
}

/// The value of one series of a counter or gauge in a controller's app metrics (e.g.
/// `metric_value(h.controller().app_metrics(), "viola_links", &[])`), if it exists.
pub fn metric_value(
    metrics: &crate::metrics::AppMetrics,
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    let family = metrics
        .registry()
        .gather()
        .into_iter()
        .find(|f| f.name() == name)?;
    family.get_metric().iter().find_map(|m| {
        let same = m.get_label().len() == labels.len()
            && labels.iter().all(|(k, v)| {
                m.get_label()
                    .iter()
                    .any(|l| l.name() == *k && l.value() == *v)
            });
        same.then(|| {
            if m.get_counter().has_value() {
                m.get_counter().value()
            } else {
                m.get_gauge().value()
            }
        })
    })
}
