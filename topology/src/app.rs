//! [`TopologyApp`]: the app that drives [`TopologyState`] from OpenFlow events.
//!
//! - On switch-up it installs one rule sending LLDP to the controller (priority 0xffff,
//!   cookie [`LLDP_COOKIE`]; 1.3 switches drop table misses otherwise) and probes every live
//!   port; it probes every live port of every switch each `probe_interval`, a port as soon
//!   as it comes up, and the far end of a link seen in one direction only.
//! - LLDP packet-ins are consumed ([`Verdict::Stop`]); any other packet-in teaches host
//!   tracking and continues down the pipeline.
//! - Changes are published as typed [`TopologyEvent`]s (`Event::App`) and on the event
//!   stream (`GET /api/v1/events`, app `topology`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use crate::metrics::TopologyMetrics;
use openflow::packet::EthernetFrame;
use openflow::{port, port_reason, Action, FlowMod, MacAddr, Match, PacketOut, PortInfo};
use viola_framework::{App, Context, Controller, Dpid, Event, Verdict};

use crate::config::TopologyConfig;
use crate::frame;
use crate::lldp::{self, ETHERTYPE_LLDP};
use crate::state::TopologyState;
use crate::types::{PortRef, TopologyEvent};
use crate::view::TopologyView;

/// Cookie of the LLDP-to-controller rule ("TOPO").
pub const LLDP_COOKIE: u64 = 0x544f_504f_0000_0000;
/// Priority of the LLDP-to-controller rule.
pub const LLDP_PRIORITY: u16 = 0xffff;

/// Counters of the discovery, for tests and logs.
#[derive(Debug, Default)]
pub struct TopologyStats {
    pub probes_sent: AtomicU64,
    pub probes_received: AtomicU64,
    /// Probes dropped: bad or missing HMAC, stale, or not ours.
    pub probes_rejected: AtomicU64,
}

/// The topology app (name `topology`). See the module docs.
pub struct TopologyApp {
    cfg: TopologyConfig,
    state: Mutex<TopologyState>,
    view: RwLock<Arc<TopologyView>>,
    /// Origin of LLDP stamps.
    epoch: Instant,
    stats: TopologyStats,
    metrics: TopologyMetrics,
}

impl std::fmt::Debug for TopologyApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopologyApp")
            .field("cfg", &self.cfg.probe_interval)
            .finish()
    }
}

/// Where an outgoing message goes: the event's context or the controller handle.
trait Sink {
    fn flow_mod(&mut self, dpid: Dpid, fm: &FlowMod);
    fn packet_out(&mut self, dpid: Dpid, po: &PacketOut);
    fn publish(&mut self, ev: TopologyEvent);
    fn controller(&self) -> &Controller;
}

impl Sink for Context<'_> {
    fn flow_mod(&mut self, dpid: Dpid, fm: &FlowMod) {
        if let Err(e) = self.send(dpid, fm) {
            tracing::debug!(dpid = %dpid, "topology: flow_mod not sent: {e}");
        }
    }
    fn packet_out(&mut self, dpid: Dpid, po: &PacketOut) {
        if let Err(e) = self.send(dpid, po) {
            tracing::debug!(dpid = %dpid, "topology: probe not sent: {e}");
        }
    }
    fn publish(&mut self, ev: TopologyEvent) {
        Context::publish(self, ev);
    }
    fn controller(&self) -> &Controller {
        Context::controller(self)
    }
}

impl Sink for Controller {
    fn flow_mod(&mut self, dpid: Dpid, fm: &FlowMod) {
        if let Err(e) = self.send(dpid, fm) {
            tracing::debug!(dpid = %dpid, "topology: flow_mod not sent: {e}");
        }
    }
    fn packet_out(&mut self, dpid: Dpid, po: &PacketOut) {
        if let Err(e) = self.send(dpid, po) {
            tracing::debug!(dpid = %dpid, "topology: probe not sent: {e}");
        }
    }
    fn publish(&mut self, ev: TopologyEvent) {
        Controller::publish(self, ev);
    }
    fn controller(&self) -> &Controller {
        self
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The event's name on the event stream.
fn kind(ev: &TopologyEvent) -> &'static str {
    match ev {
        TopologyEvent::SwitchUp { .. } => "topology_switch_up",
        TopologyEvent::SwitchDown { .. } => "topology_switch_down",
        TopologyEvent::LinkUp { .. } => "link_up",
        TopologyEvent::LinkDown { .. } => "link_down",
        TopologyEvent::HostAdded { .. } => "host_added",
        TopologyEvent::HostMoved { .. } => "host_moved",
        TopologyEvent::HostRemoved { .. } => "host_removed",
    }
}

/// A source address for probes out of a port whose own address is unknown: locally
/// administered, derived from the datapath id.
fn fallback_mac(dpid: Dpid) -> MacAddr {
    let b = dpid.get().to_be_bytes();
    MacAddr([0x02, b[3], b[4], b[5], b[6], b[7]])
}

impl TopologyApp {
    /// The app with its metrics private to it ([`TopologyApp::registered`] serves them).
    pub fn new(cfg: TopologyConfig) -> Self {
        TopologyApp {
            state: Mutex::new(TopologyState::new(cfg.timers)),
            cfg,
            view: RwLock::new(Arc::new(TopologyView::empty())),
            epoch: Instant::now(),
            stats: TopologyStats::default(),
            metrics: TopologyMetrics::private(),
        }
    }

    /// The app with `viola_links` and `viola_hosts` in the controller's metrics.
    pub fn registered(
        mut self,
        setup: &mut viola_framework::declare::Setup,
    ) -> Result<Self, viola_framework::declare::AppError> {
        self.metrics = TopologyMetrics::register(setup)?;
        Ok(self)
    }

    pub fn config(&self) -> &TopologyConfig {
        &self.cfg
    }

    pub fn stats(&self) -> &TopologyStats {
        &self.stats
    }

    /// The current topology: graph, spanning tree, hosts. Cheap (an `Arc` clone); the
    /// snapshot never changes, a new one replaces it after every change.
    pub fn snapshot(&self) -> Arc<TopologyView> {
        Arc::clone(&self.view.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn stamp(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// Applies `f` to the state, refreshes the snapshot and gauges, publishes the events.
    fn update(
        &self,
        sink: &mut dyn Sink,
        f: impl FnOnce(&mut TopologyState) -> Vec<TopologyEvent>,
    ) -> Vec<TopologyEvent> {
        let (events, view) = {
            let mut st = lock(&self.state);
            let events = f(&mut st);
            (events, st.view())
        };
        let (links, hosts) = (view.links().len(), view.host_table().len());
        *self.view.write().unwrap_or_else(|p| p.into_inner()) = view;
        self.metrics.links.set(links as i64);
        self.metrics.hosts.set(hosts as i64);
        for ev in &events {
            let line = serde_json::to_string(ev).unwrap_or_default();
            match ev {
                // Hosts come and go by the thousand on big networks: not at info level.
                TopologyEvent::HostAdded { .. } | TopologyEvent::HostRemoved { .. } => {
                    tracing::debug!(target: "viola::topology", "{line}")
                }
                _ => tracing::info!(target: "viola::topology", "{line}"),
            }
            if !matches!(
                ev,
                TopologyEvent::SwitchUp { .. } | TopologyEvent::SwitchDown { .. }
            ) {
                let data = serde_json::to_value(ev).unwrap_or_default();
                sink.controller().emit("topology", kind(ev), data);
            }
            sink.publish(ev.clone());
        }
        events
    }

    fn probe(&self, sink: &mut dyn Sink, now: Instant, dpid: Dpid, p: &PortInfo) {
        if p.port_no >= port::MAX || !p.is_live() {
            return;
        }
        let src = if p.hw_addr == MacAddr::ZERO {
            fallback_mac(dpid)
        } else {
            p.hw_addr
        };
        self.probe_from(sink, now, dpid, p.port_no, src);
    }

    fn probe_from(
        &self,
        sink: &mut dyn Sink,
        now: Instant,
        dpid: Dpid,
        port_no: u32,
        src: MacAddr,
    ) {
        let frame = lldp::build(
            dpid,
            port_no,
            src,
            self.cfg.hmac_key.as_deref(),
            self.stamp(now),
        );
        let po = PacketOut::new(port::CONTROLLER, vec![Action::output(port_no)], frame);
        sink.packet_out(dpid, &po);
        self.stats.probes_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Probes every live port of every connected switch and expires what timed out; the
    /// timer task calls this each `probe_interval`.
    pub fn tick(&self, ctl: &Controller, now: Instant) {
        let mut sink = ctl.clone();
        for sw in ctl.switches() {
            for p in &sw.ports {
                self.probe(&mut sink, now, sw.dpid, p);
            }
        }
        self.update(&mut sink, |st| st.expire(now));
    }

    fn on_lldp_in(&self, cx: &mut Context<'_>, dpid: Dpid, in_port: u32, data: &[u8]) {
        let now = cx.now();
        let probe = match lldp::parse(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.probes_rejected.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("topology: LLDP ignored: {e}");
                return;
            }
        };
        if let Some(key) = &self.cfg.hmac_key {
            let max_age = self.cfg.timers.link_timeout.as_millis() as u64;
            if let Err(e) = lldp::verify(&probe, key, self.stamp(now), max_age) {
                self.stats.probes_rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(dpid = %dpid, in_port, "topology: LLDP rejected: {e}");
                return;
            }
        }
        self.stats.probes_received.fetch_add(1, Ordering::Relaxed);
        let events = self.update(cx, |st| {
            st.on_lldp(now, probe.dpid, probe.port, dpid, in_port)
        });
        // A link seen one way only: probe back at once rather than wait for the timer.
        let reverse = PortRef::new(dpid, in_port);
        let known = lock(&self.state).has_link_from(reverse);
        if !events.is_empty() && !known {
            let src = cx
                .controller()
                .switch(dpid)
                .and_then(|s| {
                    s.ports
                        .iter()
                        .find(|p| p.port_no == in_port)
                        .map(|p| p.hw_addr)
                })
                .unwrap_or_else(|| fallback_mac(dpid));
            self.probe_from(cx, now, dpid, in_port, src);
        }
    }

    fn on_packet_in(&self, cx: &mut Context<'_>, dpid: Dpid, pi: &openflow::PacketIn) -> Verdict {
        let Ok(h) = EthernetFrame::parse(&pi.data) else {
            return Verdict::Continue;
        };
        let in_port = pi.in_port();
        if h.ethertype == ETHERTYPE_LLDP {
            self.on_lldp_in(cx, dpid, in_port, &pi.data);
            return Verdict::Stop;
        }
        if h.src.is_multicast() || h.dst.is_link_local_control() {
            return Verdict::Continue;
        }
        let now = cx.now();
        let ip = frame::sender_ip(&h);
        let at = PortRef::new(dpid, in_port);
        let view = self.snapshot();
        // Fast path: nothing new about a host we know (the table is shared, so this only
        // refreshes its last-seen time, under its shard's lock, not the model's).
        if let Some(k) = view.host_table().write(h.src).get_mut(&h.src) {
            if k.at == at && ip.is_none_or(|ip| k.ips.contains(&ip)) {
                k.last_seen = now;
                return Verdict::Continue;
            }
        }
        if !view.is_host_port(at, now) {
            return Verdict::Continue;
        }
        self.update(cx, |st| st.on_host_seen(now, h.src, ip, dpid, in_port));
        Verdict::Continue
    }
}

impl Default for TopologyApp {
    fn default() -> Self {
        Self::new(TopologyConfig::default())
    }
}

impl App for TopologyApp {
    fn name(&self) -> &'static str {
        <Self as viola_framework::declare::Declare>::NAME
    }

    fn start(self: Arc<Self>, ctl: Controller) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("topology: no async runtime, periodic probes disabled");
            return;
        };
        let me = Arc::downgrade(&self);
        let every = self.cfg.probe_interval;
        rt.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(app) = me.upgrade() else { break };
                app.tick(&ctl, Instant::now());
            }
        });
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match *event {
            Event::SwitchUp(info) => {
                let now = cx.now();
                self.update(cx, |st| st.on_switch_up(now, info.dpid, &info.ports));
                let rule = FlowMod::add(Match::new().eth_type(ETHERTYPE_LLDP))
                    .priority(LLDP_PRIORITY)
                    .cookie(LLDP_COOKIE)
                    .actions(vec![Action::output(port::CONTROLLER)]);
                cx.flow_mod(info.dpid, &rule);
                for p in &info.ports {
                    self.probe(cx, now, info.dpid, p);
                }
                Verdict::Continue
            }
            Event::SwitchDown(dpid) => {
                self.update(cx, |st| st.on_switch_down(dpid));
                Verdict::Continue
            }
            Event::PortStatus { dpid, status } => {
                let now = cx.now();
                self.update(cx, |st| {
                    st.on_port_status(now, dpid, status.reason, &status.port)
                });
                if status.reason != port_reason::DELETE {
                    self.probe(cx, now, dpid, &status.port);
                }
                Verdict::Continue
            }
            Event::PacketIn { dpid, packet_in } => self.on_packet_in(cx, dpid, packet_in),
            _ => Verdict::Continue,
        }
    }
}
