//! The operations behind the REST routes (register, epochs, advance, reinject, abort…),
//! usable directly by code that holds the app.
//!
//! Messages are queued while the state lock is held (queueing never waits), so the order of
//! rule changes matches the order of decisions; barriers are awaited after it is released.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{json, Value};
use viola_framework::{Controller, Dpid, RequestError, SendError};

use crate::config::Limits;
use crate::error::SnapshotError;
use crate::events::SnapshotEvent;
use crate::gate;
use crate::model::{Held, PairRule, Policy, Registry, ServiceState, VmIndex, VmSpec};
use crate::routes::{out_port, Routes};
use crate::status::{service_json, summary_json};
use crate::SnapshotApp;

/// A service to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    pub policy: Policy,
    pub limits: Limits,
    /// Re-send held packets automatically when their receiver advances (default false: the
    /// orchestrator calls REINJECT after unpausing the VM, since a paused VM cannot receive).
    pub auto_reinject: bool,
    pub vms: Vec<VmSpec>,
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Queues `msg`; a switch that is not connected is not an error (the gate is installed at
/// its SwitchUp), anything else is.
fn queue<T: openflow::Neutral>(
    ctl: &Controller,
    dpid: Dpid,
    msg: &T,
) -> Result<bool, SnapshotError> {
    match ctl.send(dpid, msg) {
        Ok(()) => Ok(true),
        Err(SendError::NotConnected(_)) => Ok(false),
        Err(source) => Err(SnapshotError::Send { dpid, source }),
    }
}

/// Waits for the switch; `Ok(false)` if it is not connected.
async fn barrier(ctl: &Controller, dpid: Dpid) -> Result<bool, SnapshotError> {
    match ctl.barrier(dpid).await {
        Ok(()) => Ok(true),
        Err(RequestError::NotConnected(_)) => Ok(false),
        Err(source) => Err(SnapshotError::Switch { dpid, source }),
    }
}

/// PACKET_OUTs re-sending held packets for `receiver`, each at its sender's access switch
/// as if it came in on the sender's port, to the next hop towards the receiver.
fn resend(
    ctl: &Controller,
    routes: Option<&dyn Routes>,
    s: &ServiceState,
    packets: Vec<(VmIndex, Held)>,
) -> (usize, usize) {
    let (mut sent, mut failed) = (0, 0);
    for (receiver, h) in packets {
        let (Some(from), Some(to)) = (s.vm(h.sender), s.vm(receiver)) else {
            failed += 1;
            continue;
        };
        let (dpid, in_port) = (from.spec.dpid, from.spec.port);
        let out = out_port(routes, dpid, to.spec.dpid, to.spec.port);
        let ports = match out {
            Some(p) => Some(vec![p]),
            None => routes.and_then(|r| r.flood_ports(dpid, in_port, Instant::now())),
        };
        let po = gate::packet_out(in_port, ports.as_deref(), h.data);
        match ctl.send(dpid, &po) {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(target: "viola::snapshot", "re-sending a held packet at {}: {e}", dpid.to_string());
                failed += 1;
            }
        }
    }
    (sent, failed)
}

impl SnapshotApp {
    /// `GET /api/v1/snapshot`.
    pub fn list(&self) -> Value {
        let reg = self.lock();
        json!({"services": reg.services().map(summary_json).collect::<Vec<_>>()})
    }

    /// `GET /api/v1/snapshot/{service}`.
    pub fn status(&self, service: &str) -> Result<Value, SnapshotError> {
        Ok(service_json(self.lock().service(service)?))
    }

    /// Registers a service and installs its gate on the connected access switches
    /// (barrier-confirmed). The others get it at their SwitchUp.
    pub async fn register(
        &self,
        ctl: &Controller,
        r: Registration,
    ) -> Result<Value, SnapshotError> {
        let name = r.name.clone();
        let n = r.vms.len();
        let mut switches = BTreeSet::new();
        let id = {
            let mut reg = self.lock();
            let id = reg.register(&r.name, r.policy, r.limits, r.auto_reinject, r.vms)?;
            let s = reg
                .by_id(id)
                .ok_or_else(|| SnapshotError::UnknownService(name.clone()))?;
            for (i, v) in s.vms().iter().enumerate() {
                if queue(
                    ctl,
                    v.spec.dpid,
                    &gate::default_rule(&self.cfg, id, i, v.spec.port),
                )? {
                    switches.insert(v.spec.dpid);
                }
            }
            self.metrics.set_gauges(s);
            self.set_service_count(reg.services().count());
            id
        };
        let mut gate_on = Vec::new();
        for dpid in switches {
            if barrier(ctl, dpid).await? {
                gate_on.push(dpid.to_string());
            }
        }
        SnapshotEvent::Registered {
            service: name.clone(),
            vms: n,
        }
        .send(ctl);
        let mut body = self.status(&name)?;
        body["id"] = json!(id);
        body["gate_installed_on"] = json!(gate_on);
        Ok(body)
    }

    /// Removes a service: deletes its gate and pair rules, drops what it held.
    pub async fn unregister(
        &self,
        ctl: &Controller,
        service: &str,
    ) -> Result<Value, SnapshotError> {
        let mut switches = BTreeSet::new();
        let dropped = {
            let mut reg = self.lock();
            let (s, dropped) = reg.unregister(service)?;
            for (i, v) in s.vms().iter().enumerate() {
                let (dpid, port, mac) = (v.spec.dpid, v.spec.port, v.spec.mac);
                let mut any = queue(ctl, dpid, &gate::delete_default(&self.cfg, port))?;
                for p in &v.pairs {
                    any |= queue(ctl, dpid, &gate::delete_pair(&self.cfg, port, mac, p.dst))?;
                }
                if ctl.version(dpid).is_some_and(gate::has_cookie_mask) {
                    any |= queue(ctl, dpid, &gate::delete_pairs_by_cookie(s.id, i))?;
                }
                if any {
                    switches.insert(dpid);
                }
            }
            self.metrics.remove_gauges(service);
            self.set_service_count(reg.services().count());
            dropped
        };
        for dpid in switches {
            barrier(ctl, dpid).await?;
        }
        SnapshotEvent::Unregistered {
            service: service.to_string(),
        }
        .send(ctl);
        Ok(json!({"service": service, "dropped": dropped}))
    }

    /// Starts epoch `epoch` (default: current + 1).
    pub fn start_epoch(
        &self,
        ctl: &Controller,
        service: &str,
        epoch: Option<u64>,
    ) -> Result<Value, SnapshotError> {
        let (e, body) = {
            let mut reg = self.lock();
            let (s, _) = reg.service_mut(service)?;
            let e = s.start_epoch(epoch, Instant::now())?;
            let pre: Vec<&str> = s
                .vms()
                .iter()
                .filter(|v| v.epoch < e)
                .map(|v| v.spec.name.as_str())
                .collect();
            (
                e,
                json!({"service": service, "epoch": e, "status": s.status, "pre": pre}),
            )
        };
        SnapshotEvent::EpochStarted {
            service: service.to_string(),
            epoch: e,
        }
        .send(ctl);
        Ok(body)
    }

    /// ADVANCE_EPOCH: raises the VM to the current epoch, deletes exactly its pair rules at
    /// its access switch, and returns once a barrier confirmed it. With `auto_reinject`,
    /// then re-sends what its buffer may release.
    pub async fn advance(
        &self,
        ctl: &Controller,
        service: &str,
        vm: &str,
    ) -> Result<Value, SnapshotError> {
        let t0 = Instant::now();
        let (dpid, epoch, deleted, complete, auto, i) = {
            let mut reg = self.lock();
            let (s, _) = reg.service_mut(service)?;
            let i = s.require_vm(vm)?;
            let adv = s.advance(i, t0)?;
            let (sid, auto) = (s.id, s.auto_reinject);
            let (dpid, port, mac) = s
                .vm(i)
                .map(|v| (v.spec.dpid, v.spec.port, v.spec.mac))
                .unwrap_or_default();
            let mut deleted = 0;
            for (k, p) in adv.pairs.iter().enumerate() {
                if let Err(e) = queue(ctl, dpid, &gate::delete_pair(&self.cfg, port, mac, p.dst)) {
                    // Keep tracking what was not deleted, so that a retry deletes it.
                    for rest in adv.pairs.iter().skip(k) {
                        s.track_pair(i, *rest, usize::MAX);
                    }
                    return Err(e);
                }
                deleted += 1;
            }
            if ctl.version(dpid).is_some_and(gate::has_cookie_mask) {
                queue(ctl, dpid, &gate::delete_pairs_by_cookie(sid, i))?;
            }
            (dpid, adv.epoch, deleted, adv.complete, auto, i)
        };
        let connected = barrier(ctl, dpid).await?;
        let elapsed = t0.elapsed();
        self.metrics.phase("advance", elapsed);
        let complete_ms = {
            let mut reg = self.lock();
            let (s, _) = reg.service_mut(service)?;
            s.set_advance_time(i, elapsed);
            s.last_complete.map(ms)
        };
        SnapshotEvent::VmAdvanced {
            service: service.to_string(),
            vm: vm.to_string(),
            epoch,
            deleted_rules: deleted,
            elapsed_ms: ms(elapsed),
        }
        .send(ctl);
        if complete {
            SnapshotEvent::Complete {
                service: service.to_string(),
                epoch,
                elapsed_ms: complete_ms,
            }
            .send(ctl);
        }
        let mut body = json!({
            "service": service,
            "vm": vm,
            "epoch": epoch,
            "deleted_rules": deleted,
            "elapsed_ms": ms(elapsed),
            "switch_connected": connected,
            "complete": complete,
        });
        if auto {
            let r = self.reinject(ctl, service, vm)?;
            body["reinjected"] = r["reinjected"].clone();
        }
        Ok(body)
    }

    /// REINJECT_PACKETS: re-sends, in arrival order, what is held for the VM and allowed
    /// now (receiver epoch ≥ the packet's sender epoch); the rest stays held.
    pub fn reinject(
        &self,
        ctl: &Controller,
        service: &str,
        vm: &str,
    ) -> Result<Value, SnapshotError> {
        let t0 = Instant::now();
        let routes = self.routes(ctl);
        let (sent, failed, remaining) = {
            let mut reg = self.lock();
            let (s, totals) = reg.service_mut(service)?;
            let i = s.require_vm(vm)?;
            let held: Vec<(VmIndex, Held)> =
                s.release(totals, i).into_iter().map(|h| (i, h)).collect();
            let senders: BTreeSet<VmIndex> = held.iter().map(|(_, h)| h.sender).collect();
            let (sent, failed) = resend(ctl, routes.as_deref(), s, held);
            for v in senders {
                self.reopen_pair(ctl, routes.as_deref(), s, v, i);
            }
            self.metrics.set_gauges(s);
            (sent, failed, s.vm(i).map_or(0, |v| v.buffer.len()))
        };
        self.metrics.phase("reinject", t0.elapsed());
        SnapshotEvent::Reinjected {
            service: service.to_string(),
            vm: vm.to_string(),
            packets: sent,
            remaining,
        }
        .send(ctl);
        Ok(json!({
            "service": service,
            "vm": vm,
            "reinjected": sent,
            "failed": failed,
            "remaining": remaining,
            "elapsed_ms": ms(t0.elapsed()),
        }))
    }

    /// After REINJECT released `sender`'s packets for `receiver`: installs the pair rule
    /// `sender → receiver` right behind the re-sent packets (same connection, so the switch
    /// applies it after them), when the pair may now be forwarded and nothing of the sender
    /// is still held for the receiver. The sender's window reopens as soon as the released
    /// packets are acknowledged, and its burst should take the fast path as early as
    /// possible: Open vSwitch's datapath still sends the pair's packets to the controller
    /// until its revalidators update the cached flow (a few ms), and on the userspace
    /// datapath that slow path is what lets a line-rate burst overflow the switch's receive
    /// socket (docs/src/experiments.md, issue 6).
    fn reopen_pair(
        &self,
        ctl: &Controller,
        routes: Option<&dyn Routes>,
        s: &mut ServiceState,
        sender: VmIndex,
        receiver: VmIndex,
    ) {
        if s.class(sender, receiver) == crate::model::Class::Type3 || s.holds_from(receiver, sender)
        {
            return;
        }
        let (Some(from), Some(to)) = (s.vm(sender), s.vm(receiver)) else {
            return;
        };
        let (dpid, port, mac, dst) = (from.spec.dpid, from.spec.port, from.spec.mac, to.spec.mac);
        let Some(out) = out_port(routes, dpid, to.spec.dpid, to.spec.port) else {
            return;
        };
        if out == port {
            return;
        }
        if s.install_pair(
            sender,
            PairRule { dst, out_port: out },
            self.cfg.max_pair_rules_per_vm,
            Instant::now(),
            crate::app::PAIR_RESEND_HOLDOFF,
        ) {
            let fm = gate::pair_rule(&self.cfg, s.id, sender, port, mac, dst, out);
            if let Err(e) = queue(ctl, dpid, &fm) {
                tracing::warn!(target: "viola::snapshot", "pair rule after REINJECT at {}: {e}", dpid.to_string());
            }
        }
    }

    /// Aborts: every VM to the highest epoch, gate rules reinstalled (barrier-confirmed),
    /// held packets re-sent (`release`) or dropped.
    pub async fn abort(
        &self,
        ctl: &Controller,
        service: &str,
        release: bool,
    ) -> Result<Value, SnapshotError> {
        let t0 = Instant::now();
        let routes = self.routes(ctl);
        let mut switches = BTreeSet::new();
        let (epoch, sent, failed, dropped) = {
            let mut reg = self.lock();
            let (s, totals) = reg.service_mut(service)?;
            let out = s.abort(totals, release);
            for (i, v) in s.vms().iter().enumerate() {
                if queue(
                    ctl,
                    v.spec.dpid,
                    &gate::default_rule(&self.cfg, s.id, i, v.spec.port),
                )? {
                    switches.insert(v.spec.dpid);
                }
            }
            let (sent, failed) = resend(ctl, routes.as_deref(), s, out.released);
            self.metrics.set_gauges(s);
            (out.epoch, sent, failed, out.dropped)
        };
        for dpid in switches {
            barrier(ctl, dpid).await?;
        }
        self.metrics.phase("abort", t0.elapsed());
        SnapshotEvent::Aborted {
            service: service.to_string(),
            epoch,
            released: sent,
            dropped,
        }
        .send(ctl);
        Ok(json!({
            "service": service,
            "status": "aborted",
            "epoch": epoch,
            "released": sent,
            "failed": failed,
            "dropped": dropped,
        }))
    }

    /// For tests and tools: a read-only look at the registry.
    pub fn with_registry<R>(&self, f: impl FnOnce(&Registry) -> R) -> R {
        f(&self.lock())
    }
}
