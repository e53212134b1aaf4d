//! [`L2Learning`]: the app (name `l2-learning`).
//!
//! Per PACKET_IN: ignore LLDP and drop link-local control frames (01:80:c2:00:00:0x);
//! learn the source in the switch's table (see [`crate::route::may_learn`]); then
//! [`crate::route::route`] decides: a known destination gets a rule
//! `in_port, eth_src, eth_dst → output` (idle timeout, cookie [`COOKIE`]) plus a
//! PACKET_OUT of the packet; an unknown or group destination is flooded along the spanning
//! tree and host ports only (plain FLOOD when no topology app runs).
//!
//! Matching on `in_port` and `eth_src` as well as `eth_dst` costs a few more rules but makes
//! every rule exact: a host that moves, or a path that changes, can never be served by a rule
//! made for the old situation (its `in_port` no longer matches).
//!
//! Rules are removed (cookie-masked delete on 1.3; per-address delete on 1.0, which has no
//! cookie mask) when a host moves, when a link or switch goes down, and per port when a port
//! goes down.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use openflow::packet::peek_eth;
use openflow::{port, Action, FlowMod, MacAddr, Match, OxmField, PacketIn, PacketOut, Version};
use viola_framework::declare::{AppError, Declare, Setup};
use viola_framework::{App, Context, Controller, Dpid, Event, Verdict};
use viola_topology::lldp::ETHERTYPE_LLDP;
use viola_topology::{HostGoneReason, PortRef, TopologyApp, TopologyEvent, TopologyView};

use crate::config::L2Config;
use crate::metrics::L2Metrics;
use crate::outgoing;
use crate::route::{may_learn, route, Packet, Route, Step};
use crate::table::{Learned, Tables};

/// Cookie of every rule l2-learning installs ("L2" in the top bytes).
pub const COOKIE: u64 = 0x4c32_0000_0000_0001;
/// The cookie bits that identify l2-learning's rules.
pub const COOKIE_MASK: u64 = 0xffff_0000_0000_0000;

/// Counters for tests and logs (the Prometheus series are process-wide).
#[derive(Debug, Default)]
pub struct L2Stats {
    pub packet_ins: AtomicU64,
    pub floods: AtomicU64,
    pub flows_installed: AtomicU64,
    pub moves: AtomicU64,
    pub flushes: AtomicU64,
    /// This instance's share of `viola_l2_learned_macs` (always equals the table entries).
    pub learned_macs: AtomicI64,
}

/// The l2-learning app. See the module docs.
pub struct L2Learning {
    cfg: L2Config,
    tables: Tables,
    /// The topology app, looked up once (apps are fixed when the controller is built).
    topology: OnceLock<Option<Arc<TopologyApp>>>,
    stats: L2Stats,
    metrics: L2Metrics,
}

impl std::fmt::Debug for L2Learning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L2Learning")
            .field("cfg", &self.cfg)
            .finish()
    }
}

impl Default for L2Learning {
    fn default() -> Self {
        Self::new(L2Config::default())
    }
}

impl L2Learning {
    /// The app with its metrics private to it (a declared app's are served; see
    /// [`viola_framework::declare::Declare`]).
    pub fn new(cfg: L2Config) -> Self {
        Self::with_metrics(cfg, L2Metrics::private())
    }

    fn with_metrics(cfg: L2Config, metrics: L2Metrics) -> Self {
        L2Learning {
            cfg,
            tables: Tables::default(),
            topology: OnceLock::new(),
            stats: L2Stats::default(),
            metrics,
        }
    }

    pub fn config(&self) -> &L2Config {
        &self.cfg
    }

    pub fn stats(&self) -> &L2Stats {
        &self.stats
    }

    /// Where switch `dpid` has learned `mac` (for tests and tools).
    pub fn learned(&self, dpid: Dpid, mac: MacAddr) -> Option<u32> {
        self.tables.with(dpid, |t| t.lookup(mac))
    }

    /// Total learned entries over all switches.
    pub fn learned_count(&self) -> usize {
        self.tables.len()
    }

    fn view(&self, ctl: &Controller) -> Option<Arc<TopologyView>> {
        self.topology
            .get_or_init(|| ctl.app::<TopologyApp>())
            .as_ref()
            .map(|t| t.snapshot())
    }

    fn flow(&self, m: Match) -> FlowMod {
        FlowMod::add(m)
            .priority(self.cfg.priority)
            .cookie(COOKIE)
            .idle_timeout(self.cfg.idle_timeout)
            .hard_timeout(self.cfg.hard_timeout)
    }

    fn on_packet_in(&self, cx: &mut Context<'_>, dpid: Dpid, pi: &PacketIn) -> Verdict {
        let Some((dst, src, ethertype)) = peek_eth(&pi.data) else {
            return Verdict::Continue;
        };
        if ethertype == ETHERTYPE_LLDP {
            return Verdict::Continue;
        }
        if dst.is_link_local_control() {
            return Verdict::Stop;
        }
        self.stats.packet_ins.fetch_add(1, Ordering::Relaxed);
        let now = cx.now();
        let view = self.view(cx.controller());
        let p = Packet {
            dpid,
            in_port: pi.in_port(),
            src,
            dst,
        };
        let max = self.cfg.max_macs_per_switch;
        let (learned, dst_port, delta) = self.tables.with(dpid, |t| {
            let before = t.len();
            let learned =
                may_learn(&p, view.as_deref()).then(|| t.learn(p.src, p.in_port, now, max));
            // Counted by size, so evictions of a full table are counted too.
            let delta = t.len() as i64 - before as i64;
            (learned, t.lookup(p.dst), delta)
        });
        if delta != 0 {
            self.learned_delta(delta);
        }
        if let Some(Learned::Moved { old_port }) = learned {
            self.on_moved(cx, view.as_deref(), dpid, p.src, old_port);
        }
        let decision = route(&p, dst_port, view.as_deref(), self.cfg.mode, now);
        self.execute(cx, &p, pi, decision);
        Verdict::Stop
    }

    /// `mac` is now learned at another port of `dpid` than `old_port`. If it left a host
    /// port, the host moved: its rules go on every switch. Otherwise only this switch's
    /// rules towards it are stale.
    fn on_moved(
        &self,
        cx: &mut Context<'_>,
        view: Option<&TopologyView>,
        dpid: Dpid,
        mac: MacAddr,
        old_port: u32,
    ) {
        let left_host_port =
            view.is_none_or(|v| !v.is_inter_switch_port(PortRef::new(dpid, old_port)));
        if left_host_port {
            self.stats.moves.fetch_add(1, Ordering::Relaxed);
            let ctl = cx.controller().clone();
            self.forget_host(cx, &ctl, mac, Some(dpid));
        } else {
            self.delete(cx, dpid, Match::new().eth_dst(mac));
        }
    }

    /// Forgets `mac` everywhere (but where it was just learned) and deletes its rules on
    /// every switch.
    fn forget_host(
        &self,
        cx: &mut Context<'_>,
        ctl: &Controller,
        mac: MacAddr,
        keep: Option<Dpid>,
    ) {
        let gone = self.tables.forget_everywhere(mac, keep);
        self.learned_delta(-(gone as i64));
        for sw in ctl.switches() {
            self.delete(cx, sw.dpid, Match::new().eth_dst(mac));
            self.delete(cx, sw.dpid, Match::new().eth_src(mac));
        }
    }

    /// Deletes l2-learning's rules covered by `m` on one switch.
    fn delete(&self, cx: &mut Context<'_>, dpid: Dpid, m: Match) {
        let mut fm = FlowMod::delete(m);
        if cx.version(dpid).is_some_and(|v| v >= Version::V1_3) {
            fm = fm.cookie_masked(COOKIE, COOKIE_MASK);
        }
        if let Err(e) = cx.send(dpid, &fm) {
            tracing::debug!("l2-learning: delete not sent: {e}");
        }
    }

    /// Deletes every l2-learning rule on every switch and empties the tables (after a
    /// link or switch went down: paths may have used it).
    fn flush(&self, cx: &mut Context<'_>) {
        self.stats.flushes.fetch_add(1, Ordering::Relaxed);
        let (entries, macs) = self.tables.clear();
        self.learned_delta(-(entries as i64));
        let hosts: Vec<MacAddr> = match self.view(cx.controller()) {
            Some(v) => v.hosts().into_iter().map(|h| h.mac).collect(),
            None => Vec::new(),
        };
        let ctl = cx.controller().clone();
        for sw in ctl.switches() {
            if sw.version >= Version::V1_3 {
                let fm = FlowMod::delete(Match::new()).cookie_masked(COOKIE, COOKIE_MASK);
                if let Err(e) = cx.send(sw.dpid, &fm) {
                    tracing::debug!("l2-learning: flush not sent: {e}");
                }
            } else {
                // 1.0 cannot select by cookie: delete by destination address.
                let mut all: Vec<MacAddr> = macs.iter().chain(hosts.iter()).copied().collect();
                all.sort();
                all.dedup();
                for mac in all {
                    self.delete(cx, sw.dpid, Match::new().eth_dst(mac));
                }
            }
        }
    }

    /// Sends the packet of `pi` out of `ports` (the switch's buffer when it kept one).
    fn packet_out(
        &self,
        cx: &mut Context<'_>,
        dpid: Dpid,
        pi: &PacketIn,
        in_port: u32,
        ports: impl IntoIterator<Item = u32>,
    ) {
        let po = PacketOut {
            in_port,
            ..PacketOut::reply_to(pi, Vec::new())
        };
        let actions = ports.into_iter().map(Action::output);
        if let Err(e) = outgoing::send_packet(cx, dpid, po, actions) {
            tracing::debug!("l2-learning: packet_out not sent: {e}");
        }
    }

    fn install(&self, cx: &mut Context<'_>, s: &Step, src: MacAddr, dst: MacAddr) {
        // Three distinct fields: no need for the builder's replace-same-field scan.
        let m = Match::from_fields([
            OxmField::InPort(s.in_port),
            OxmField::EthSrc(src, None),
            OxmField::EthDst(dst, None),
        ]);
        match outgoing::send_flow(cx, s.dpid, self.flow(m), &[Action::output(s.out_port)]) {
            Ok(()) => {
                self.stats.flows_installed.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::debug!("l2-learning: flow not sent: {e}"),
        }
    }

    fn execute(&self, cx: &mut Context<'_>, p: &Packet, pi: &PacketIn, decision: Route) {
        match decision {
            Route::Drop => {}
            Route::Filter => {
                let m = Match::new()
                    .in_port(p.in_port)
                    .eth_src(p.src)
                    .eth_dst(p.dst);
                if let Err(e) = outgoing::send_flow(cx, p.dpid, self.flow(m), &[]) {
                    tracing::debug!("l2-learning: drop rule not sent: {e}");
                }
            }
            Route::Output(out) => {
                self.install(
                    cx,
                    &Step {
                        dpid: p.dpid,
                        in_port: p.in_port,
                        out_port: out,
                    },
                    p.src,
                    p.dst,
                );
                self.packet_out(cx, p.dpid, pi, p.in_port, [out]);
            }
            Route::Path(steps) => {
                // Downstream first, so the packet rarely overtakes its rules.
                for s in steps.iter().rev() {
                    self.install(cx, s, p.src, p.dst);
                }
                if let Some(first) = steps.first() {
                    self.packet_out(cx, p.dpid, pi, p.in_port, [first.out_port]);
                }
            }
            Route::FloodPorts(ports) => {
                self.count_flood();
                if !ports.is_empty() {
                    self.packet_out(cx, p.dpid, pi, p.in_port, ports);
                }
            }
            Route::Flood => {
                self.count_flood();
                self.packet_out(cx, p.dpid, pi, p.in_port, [port::FLOOD]);
            }
        }
    }

    /// Keeps `viola_l2_learned_macs` and this instance's mirror in step.
    fn learned_delta(&self, d: i64) {
        self.stats.learned_macs.fetch_add(d, Ordering::Relaxed);
        self.metrics.learned_macs.add(d);
    }

    fn count_flood(&self) {
        self.stats.floods.fetch_add(1, Ordering::Relaxed);
        self.metrics.floods_total.inc();
    }

    fn on_topology(&self, cx: &mut Context<'_>, ev: &TopologyEvent) {
        match ev {
            TopologyEvent::HostMoved { mac, .. } => {
                self.stats.moves.fetch_add(1, Ordering::Relaxed);
                let ctl = cx.controller().clone();
                self.forget_host(cx, &ctl, *mac, None);
            }
            TopologyEvent::HostRemoved {
                mac,
                reason: HostGoneReason::PortDown,
                ..
            } => {
                let ctl = cx.controller().clone();
                self.forget_host(cx, &ctl, *mac, None);
            }
            TopologyEvent::LinkDown { .. } | TopologyEvent::SwitchDown { .. } => self.flush(cx),
            _ => {}
        }
    }
}

impl App for L2Learning {
    fn name(&self) -> &'static str {
        <Self as Declare>::NAME
    }

    fn start(self: Arc<Self>, ctl: Controller) {
        let _ = self.topology.get_or_init(|| ctl.app::<TopologyApp>());
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match *event {
            Event::SwitchUp(info) => {
                let gone = self.tables.remove_switch(info.dpid);
                self.learned_delta(-(gone as i64));
                if info.version >= Version::V1_3 {
                    // 1.3 and later drop table misses: send them to the controller.
                    let miss = FlowMod::table_miss_to_controller();
                    if let Err(e) = cx.send(info.dpid, &miss) {
                        tracing::warn!("l2-learning: table-miss rule not sent: {e}");
                    }
                }
                Verdict::Continue
            }
            Event::SwitchDown(dpid) => {
                let gone = self.tables.remove_switch(dpid);
                self.learned_delta(-(gone as i64));
                Verdict::Continue
            }
            Event::PortStatus { dpid, status } => {
                if !status.port.is_live() || status.reason == openflow::port_reason::DELETE {
                    let gone = self
                        .tables
                        .with(dpid, |t| t.forget_port(status.port.port_no));
                    self.learned_delta(-(gone as i64));
                    let mut fm = FlowMod::delete(Match::new()).out_port(status.port.port_no);
                    if cx.version(dpid).is_some_and(|v| v >= Version::V1_3) {
                        fm = fm.cookie_masked(COOKIE, COOKIE_MASK);
                    }
                    if let Err(e) = cx.send(dpid, &fm) {
                        tracing::debug!("l2-learning: delete not sent: {e}");
                    }
                }
                Verdict::Continue
            }
            Event::PacketIn { dpid, packet_in } => self.on_packet_in(cx, dpid, packet_in),
            Event::App(any) => {
                if let Some(ev) = any.downcast_ref::<TopologyEvent>() {
                    self.on_topology(cx, ev);
                }
                Verdict::Continue
            }
            _ => Verdict::Continue,
        }
    }
}

impl Declare for L2Learning {
    const NAME: &'static str = "l2-learning";
    type Config = L2Config;

    fn build(cfg: L2Config, setup: &mut Setup) -> Result<Self, AppError> {
        cfg.validate()?;
        Ok(Self::with_metrics(cfg, L2Metrics::register(setup)?))
    }
}
