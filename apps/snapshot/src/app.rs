//! [`SnapshotApp`] (app name `snapshot`): the gate on member ports and the packet-in path.
//!
//! Place it ahead of every forwarding app (`--apps topology,snapshot,l2-learning`): it
//! answers every packet-in from a member port itself and returns [`Verdict::Stop`] for it,
//! and [`Verdict::Continue`] for everything else (other ports, LLDP, app events). The
//! topology app may come first: it forwards nothing, and seeing member packets lets it
//! learn where the VMs are.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use openflow::packet::peek_eth;
use openflow::{MacAddr, Neutral, PacketIn};
use viola_framework::{App, Context, Controller, Dpid, Event, SwitchInfo, Verdict};
use viola_topology::TopologyApp;

use crate::config::SnapshotConfig;
use crate::gate;
use crate::metrics::SnapshotMetrics;
use crate::model::{Class, HoldOutcome, Member, PairRule, Registry, ServiceState};
use crate::routes::{out_port, Routes};

/// Ethertype of LLDP: left to the topology app even on member ports.
const ETHERTYPE_LLDP: u16 = 0x88cc;

/// A pair rule is not sent again for packet-ins that arrive within this time after it went
/// out (they were on their way before the switch applied it); see
/// [`ServiceState::install_pair`].
pub(crate) const PAIR_RESEND_HOLDOFF: Duration = Duration::from_millis(200);

/// The snapshot app. See the crate docs.
pub struct SnapshotApp {
    pub(crate) cfg: SnapshotConfig,
    state: Mutex<Registry>,
    /// Registered services: with none, packet-ins pass without taking the lock.
    services: AtomicUsize,
    /// Explicit routes, or the topology app found at first use (`None`: no topology, the
    /// gate floods what it cannot place).
    routes: OnceLock<Option<Arc<dyn Routes>>>,
    pub(crate) metrics: SnapshotMetrics,
}

impl std::fmt::Debug for SnapshotApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotApp")
            .field("cfg", &self.cfg)
            .finish()
    }
}

impl SnapshotApp {
    /// The app; it finds the topology app (if any) through the controller. Its metrics
    /// are private to it until [`SnapshotApp::registered`].
    pub fn new(config: SnapshotConfig) -> Self {
        SnapshotApp {
            state: Mutex::new(Registry::new(&config)),
            services: AtomicUsize::new(0),
            cfg: config,
            routes: OnceLock::new(),
            metrics: SnapshotMetrics::private(),
        }
    }

    /// The app with its `viola_snapshot_*` series in the controller's metrics.
    pub fn registered(
        mut self,
        setup: &mut viola_framework::declare::Setup,
    ) -> Result<Self, viola_framework::declare::AppError> {
        self.metrics = SnapshotMetrics::register(setup)?;
        Ok(self)
    }

    /// The app with a fixed source of paths instead of the topology app.
    pub fn with_routes(config: SnapshotConfig, routes: Arc<dyn Routes>) -> Self {
        let app = Self::new(config);
        let _ = app.routes.set(Some(routes));
        app
    }

    pub fn config(&self) -> &SnapshotConfig {
        &self.cfg
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records how many services are registered (after a registration or removal).
    pub(crate) fn set_service_count(&self, n: usize) {
        self.services.store(n, Ordering::Release);
    }

    pub(crate) fn routes(&self, ctl: &Controller) -> Option<Arc<dyn Routes>> {
        self.routes
            .get_or_init(|| ctl.app::<TopologyApp>().map(|t| t as Arc<dyn Routes>))
            .clone()
    }

    /// Drops held packets older than their service's `max_hold_ms` (the periodic task
    /// calls this); returns how many.
    pub fn sweep(&self, now: Instant) -> usize {
        let mut reg = self.lock();
        let swept = reg.sweep(now);
        for (id, _) in &swept {
            if let Some(s) = reg.by_id(*id) {
                self.metrics.set_gauges(s);
            }
        }
        swept.iter().map(|(_, n)| n).sum()
    }

    /// SwitchUp of an access switch: forget (and delete) pair rules there, install the
    /// default rule of every member port.
    fn on_switch_up(&self, info: &SwitchInfo, cx: &mut Context<'_>) {
        let mut reg = self.lock();
        for m in reg.members_at_switch(info.dpid) {
            let Some((s, _)) = reg.by_id_mut(m.service) else {
                continue;
            };
            let pairs = s.take_pairs(m.vm);
            let Some(v) = s.vm(m.vm) else { continue };
            let (port, mac) = (v.spec.port, v.spec.mac);
            for p in pairs {
                send(
                    cx,
                    info.dpid,
                    &gate::delete_pair(&self.cfg, port, mac, p.dst),
                );
            }
            if gate::has_cookie_mask(info.version) {
                send(
                    cx,
                    info.dpid,
                    &gate::delete_pairs_by_cookie(m.service, m.vm),
                );
            }
            send(
                cx,
                info.dpid,
                &gate::default_rule(&self.cfg, m.service, m.vm, port),
            );
        }
    }

    fn on_packet_in(&self, dpid: Dpid, pi: &PacketIn, cx: &mut Context<'_>) -> Verdict {
        if self.services.load(Ordering::Acquire) == 0 {
            return Verdict::Continue;
        }
        let in_port = pi.in_port();
        let mut reg = self.lock();
        let Some(m) = reg.member_at(dpid, in_port) else {
            return Verdict::Continue;
        };
        let Some((dst, src, ethertype)) = peek_eth(&pi.data) else {
            // A runt frame from a member: nothing to forward.
            return Verdict::Stop;
        };
        if ethertype == ETHERTYPE_LLDP {
            return Verdict::Continue;
        }
        let routes = self.routes(cx.controller());
        let routes = routes.as_deref();
        let now = cx.now();
        let Some((s, totals)) = reg.by_id_mut(m.service) else {
            return Verdict::Continue;
        };
        let Some(sender_mac) = s.vm(m.vm).map(|v| v.spec.mac) else {
            return Verdict::Continue;
        };
        let pkt = Pkt {
            dpid,
            in_port,
            src,
            dst,
            data: &pi.data,
            buffer_id: pi.buffer_id,
        };
        if dst.is_multicast() {
            s.counters.broadcast += 1;
            flood(cx, routes, &pkt, now);
            return Verdict::Stop;
        }
        match s.member_by_mac(dst) {
            Some(w) => {
                let class = s.class(m.vm, w);
                if class == Class::Type3 {
                    let outcome = s.hold(totals, w, m.vm, &pi.data, now);
                    self.metrics.type3(s);
                    if outcome == HoldOutcome::Buffered {
                        self.metrics.set_gauges(s);
                    }
                    return Verdict::Stop;
                }
                if s.holds_from(w, m.vm) {
                    // Deliverable, but older packets of this sender still wait for REINJECT:
                    // queue behind them, never overtake them.
                    s.count_forwarded(class);
                    let outcome = s.hold_behind(totals, w, m.vm, &pi.data, now);
                    if outcome == HoldOutcome::Buffered {
                        self.metrics.set_gauges(s);
                    }
                    return Verdict::Stop;
                }
                s.count_forwarded(class);
                let out = s
                    .vm(w)
                    .and_then(|wv| out_port(routes, dpid, wv.spec.dpid, wv.spec.port));
                self.forward(cx, routes, s, m, sender_mac, &pkt, out, now);
            }
            None => {
                s.counters.type1 += 1;
                s.counters.non_member += 1;
                let out = routes
                    .and_then(|r| r.locate(dst))
                    .and_then(|(d, p)| out_port(routes, dpid, d, p));
                self.forward(cx, routes, s, m, sender_mac, &pkt, out, now);
            }
        }
        Verdict::Stop
    }

    /// Type-1/2: installs the pair rule (when the frame carries the member's own source
    /// address and the VM's rule budget allows) and sends the packet to the next hop;
    /// floods when the destination cannot be placed.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        cx: &mut Context<'_>,
        routes: Option<&dyn Routes>,
        s: &mut ServiceState,
        m: Member,
        sender_mac: MacAddr,
        pkt: &Pkt<'_>,
        out: Option<u32>,
        now: Instant,
    ) {
        match out {
            Some(p) if p == pkt.in_port => {} // the destination is behind the port it came from
            Some(p) => {
                if pkt.src == sender_mac
                    && s.install_pair(
                        m.vm,
                        PairRule {
                            dst: pkt.dst,
                            out_port: p,
                        },
                        self.cfg.max_pair_rules_per_vm,
                        now,
                        PAIR_RESEND_HOLDOFF,
                    )
                {
                    let fm = gate::pair_rule(
                        &self.cfg,
                        m.service,
                        m.vm,
                        pkt.in_port,
                        pkt.src,
                        pkt.dst,
                        p,
                    );
                    send_ordered(cx, pkt.dpid, &fm);
                }
                send_ordered(cx, pkt.dpid, &pkt.packet_out(Some(&[p])));
            }
            None => flood(cx, routes, pkt, now),
        }
    }
}

/// The packet being handled.
struct Pkt<'a> {
    dpid: Dpid,
    in_port: u32,
    src: MacAddr,
    dst: MacAddr,
    data: &'a Bytes,
    buffer_id: Option<u32>,
}

impl Pkt<'_> {
    fn packet_out(&self, ports: Option<&[u32]>) -> openflow::PacketOut {
        let mut po = gate::packet_out(self.in_port, ports, self.data.clone());
        if let Some(b) = self.buffer_id {
            po.buffer_id = Some(b);
            po.data = Bytes::new();
        }
        po
    }
}

/// Broadcast/multicast, or a destination nobody can place: the topology's flood ports of
/// the switch, or OFPP_FLOOD without a topology.
fn flood(cx: &mut Context<'_>, routes: Option<&dyn Routes>, pkt: &Pkt<'_>, now: Instant) {
    let ports = routes.and_then(|r| r.flood_ports(pkt.dpid, pkt.in_port, now));
    if ports.as_ref().is_some_and(|p| p.is_empty()) {
        return;
    }
    send_ordered(cx, pkt.dpid, &pkt.packet_out(ports.as_deref()));
}

/// Queues a member packet's forwarding (PACKET_OUT, pair rule) behind whatever the REST
/// operations queued for the switch (REINJECT's PACKET_OUTs, ADVANCE's deletes), through
/// the controller handle. `Context::send` would put it in the write that ends the current
/// read, ahead of those: a packet-in handled right after a REINJECT would then overtake
/// every re-sent packet (seen on Open vSwitch: a whole buffer delivered behind a newer
/// packet).
fn send_ordered<T: Neutral>(cx: &mut Context<'_>, dpid: Dpid, msg: &T) {
    if let Err(e) = cx.controller().send(dpid, msg) {
        tracing::warn!(target: "viola::snapshot", "to {}: {e}", dpid.to_string());
    }
}

fn send<T: Neutral>(cx: &mut Context<'_>, dpid: Dpid, msg: &T) {
    if let Err(e) = cx.send(dpid, msg) {
        tracing::warn!(target: "viola::snapshot", "to {}: {e}", dpid.to_string());
    }
}

impl App for SnapshotApp {
    fn name(&self) -> &'static str {
        <Self as viola_framework::declare::Declare>::NAME
    }

    /// Spawns the sweep of expired held packets (when a tokio runtime is running).
    fn start(self: Arc<Self>, _ctl: Controller) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let me: Weak<Self> = Arc::downgrade(&self);
        let every = Duration::from_millis(self.cfg.sweep_interval_ms);
        rt.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(app) = me.upgrade() else { break };
                app.sweep(Instant::now());
            }
        });
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match *event {
            Event::SwitchUp(info) => {
                self.on_switch_up(info, cx);
                Verdict::Continue
            }
            Event::PacketIn { dpid, packet_in } => self.on_packet_in(dpid, packet_in, cx),
            _ => Verdict::Continue,
        }
    }
}
