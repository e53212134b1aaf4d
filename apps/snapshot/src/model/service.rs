//! [`ServiceState`]: one service's epochs, per-destination FIFO buffers, pair-rule tracking
//! and counters.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use openflow::MacAddr;
use serde::Serialize;

use super::registry::Totals;
use super::{classify, Class, Held, PairRule, Policy, Status, VmIndex, VmSpec};
use crate::config::Limits;
use crate::error::SnapshotError;

/// One member VM's state.
#[derive(Debug, Clone)]
pub struct VmState {
    pub spec: VmSpec,
    pub epoch: u64,
    /// Type-3 packets held for this VM (as receiver), in arrival order.
    pub buffer: VecDeque<Held>,
    /// Bytes in `buffer`.
    pub bytes: usize,
    /// Pair rules installed at this VM's access switch with it as sender.
    pub pairs: Vec<PairRule>,
    /// When the FLOW_MOD of each tracked pair rule (by destination) last went out.
    pair_sent: HashMap<MacAddr, Instant>,
    /// Duration of the VM's last ADVANCE (rules deleted and barrier confirmed).
    pub last_advance: Option<Duration>,
}

/// What the service has seen since registration (never reset: snapshots follow each
/// other).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub type1: u64,
    pub type2: u64,
    pub type3: u64,
    /// Type-3 packets put in a buffer.
    pub buffered: u64,
    /// Type-3 packets dropped because the policy is `drop`.
    pub dropped_policy: u64,
    /// Type-3 packets dropped because a limit was reached (tail drop).
    pub dropped_overflow: u64,
    /// Held packets dropped after `max_hold_ms`.
    pub dropped_expired: u64,
    /// Held packets dropped by an abort with `"buffered": "drop"` (or by unregistering).
    pub dropped_abort: u64,
    /// Held packets re-sent by REINJECT (or auto-reinject).
    pub reinjected: u64,
    /// Held packets re-sent by an abort with `"buffered": "release"`.
    pub released_abort: u64,
    /// Broadcast/multicast frames from members (flooded, never held).
    pub broadcast: u64,
    /// Frames from members to non-members (forwarded as Type-1; also counted in `type1`).
    pub non_member: u64,
}

/// What [`ServiceState::hold`] did with a Type-3 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldOutcome {
    Buffered,
    /// Policy `drop`.
    DroppedByPolicy,
    /// A limit was reached: the new packet is dropped (tail drop).
    Overflow,
}

/// Result of [`ServiceState::advance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advanced {
    pub epoch: u64,
    /// The VM's pair rules, to delete at its access switch (tracking is now empty).
    pub pairs: Vec<PairRule>,
    /// Whether this advance completed the snapshot (every VM at the current epoch).
    pub complete: bool,
}

/// Result of [`ServiceState::abort`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortOutcome {
    pub epoch: u64,
    /// Held packets to re-send, as (receiver, packet), each receiver's in arrival order.
    pub released: Vec<(VmIndex, Held)>,
    pub dropped: usize,
}

/// One registered service.
#[derive(Debug, Clone)]
pub struct ServiceState {
    /// Small number that tags the service's rules (cookie).
    pub id: u16,
    pub name: String,
    pub policy: Policy,
    pub limits: Limits,
    pub auto_reinject: bool,
    pub status: Status,
    /// The current (latest started) epoch.
    pub epoch: u64,
    pub counters: Counters,
    /// Time from the last epoch start to the last VM's advance.
    pub last_complete: Option<Duration>,
    vms: Vec<VmState>,
    by_mac: HashMap<MacAddr, VmIndex>,
    packets: usize,
    bytes: usize,
    epoch_started: Option<Instant>,
}

impl ServiceState {
    /// A service whose VMs are all at epoch 0 (validated by the registry: unique names,
    /// MACs and ports).
    pub fn new(
        id: u16,
        name: String,
        policy: Policy,
        limits: Limits,
        auto_reinject: bool,
        vms: Vec<VmSpec>,
    ) -> Self {
        let by_mac = vms.iter().enumerate().map(|(i, v)| (v.mac, i)).collect();
        let vms = vms
            .into_iter()
            .map(|spec| VmState {
                spec,
                epoch: 0,
                buffer: VecDeque::new(),
                bytes: 0,
                pairs: Vec::new(),
                pair_sent: HashMap::new(),
                last_advance: None,
            })
            .collect();
        ServiceState {
            id,
            name,
            policy,
            limits,
            auto_reinject,
            status: Status::Idle,
            epoch: 0,
            counters: Counters::default(),
            last_complete: None,
            vms,
            by_mac,
            packets: 0,
            bytes: 0,
            epoch_started: None,
        }
    }

    pub fn vms(&self) -> &[VmState] {
        &self.vms
    }

    pub fn vm(&self, i: VmIndex) -> Option<&VmState> {
        self.vms.get(i)
    }

    pub fn vm_index(&self, name: &str) -> Option<VmIndex> {
        self.vms.iter().position(|v| v.spec.name == name)
    }

    /// Like [`Self::vm_index`], as a 404 error.
    pub fn require_vm(&self, name: &str) -> Result<VmIndex, SnapshotError> {
        self.vm_index(name).ok_or_else(|| SnapshotError::UnknownVm {
            service: self.name.clone(),
            vm: name.to_string(),
        })
    }

    /// The member with this MAC.
    pub fn member_by_mac(&self, mac: MacAddr) -> Option<VmIndex> {
        self.by_mac.get(&mac).copied()
    }

    /// Held packets and bytes of the whole service.
    pub fn buffered(&self) -> (usize, usize) {
        (self.packets, self.bytes)
    }

    /// Starts epoch `requested` (default: current + 1). Refused while a snapshot is in
    /// progress (abort it first) and for an epoch not above every VM's.
    pub fn start_epoch(
        &mut self,
        requested: Option<u64>,
        now: Instant,
    ) -> Result<u64, SnapshotError> {
        if self.status == Status::InProgress {
            return Err(SnapshotError::Conflict(format!(
                "service `{}`: snapshot epoch {} is in progress (advance every VM or abort first)",
                self.name, self.epoch
            )));
        }
        let highest = self
            .vms
            .iter()
            .map(|v| v.epoch)
            .max()
            .unwrap_or(0)
            .max(self.epoch);
        let e = match requested {
            Some(e) => e,
            None => highest
                .checked_add(1)
                .ok_or_else(|| SnapshotError::Conflict("epoch counter exhausted".into()))?,
        };
        if e <= highest {
            return Err(SnapshotError::Conflict(format!(
                "service `{}`: epoch {e} is not above the current epoch {highest}",
                self.name
            )));
        }
        self.epoch = e;
        self.status = Status::InProgress;
        self.epoch_started = Some(now);
        Ok(e)
    }

    /// ADVANCE_EPOCH of VM `i`: raises it to the current epoch and hands back its pair rules
    /// to delete. Allowed while a snapshot is in progress or complete (again: idempotent).
    pub fn advance(&mut self, i: VmIndex, now: Instant) -> Result<Advanced, SnapshotError> {
        if !matches!(self.status, Status::InProgress | Status::Complete) {
            return Err(SnapshotError::Conflict(format!(
                "service `{}` has no snapshot in progress (start an epoch first)",
                self.name
            )));
        }
        let epoch = self.epoch;
        let vm = self.vm_mut(i)?;
        vm.epoch = epoch;
        let pairs = std::mem::take(&mut vm.pairs);
        vm.pair_sent.clear();
        let complete =
            self.status == Status::InProgress && self.vms.iter().all(|v| v.epoch >= epoch);
        if complete {
            self.status = Status::Complete;
            self.last_complete = self.epoch_started.map(|t| now.saturating_duration_since(t));
        }
        Ok(Advanced {
            epoch,
            pairs,
            complete,
        })
    }

    fn vm_mut(&mut self, i: VmIndex) -> Result<&mut VmState, SnapshotError> {
        let name = self.name.clone();
        self.vms.get_mut(i).ok_or_else(|| SnapshotError::UnknownVm {
            service: name,
            vm: format!("#{i}"),
        })
    }

    /// Records how long the VM's advance took.
    pub fn set_advance_time(&mut self, i: VmIndex, d: Duration) {
        if let Some(v) = self.vms.get_mut(i) {
            v.last_advance = Some(d);
        }
    }

    /// Classifies a packet from `sender` to `receiver` (both members).
    pub fn class(&self, sender: VmIndex, receiver: VmIndex) -> Class {
        let e = |i: VmIndex| self.vms.get(i).map_or(0, |v| v.epoch);
        classify(e(sender), e(receiver))
    }

    /// Counts a forwarded packet (Type-1 or Type-2; Type-3 is counted by [`Self::hold`]).
    pub fn count_forwarded(&mut self, class: Class) {
        match class {
            Class::Type1 => self.counters.type1 += 1,
            Class::Type2 => self.counters.type2 += 1,
            Class::Type3 => {}
        }
    }

    /// Handles a Type-3 packet: counted, then buffered for `receiver` (policy `buffer`,
    /// within every limit) or dropped. Packets past `max_hold_ms` at the head of the
    /// receiver's buffer are dropped first.
    pub fn hold(
        &mut self,
        totals: &mut Totals,
        receiver: VmIndex,
        sender: VmIndex,
        data: &[u8],
        now: Instant,
    ) -> HoldOutcome {
        self.counters.type3 += 1;
        if self.policy == Policy::Drop {
            self.counters.dropped_policy += 1;
            return HoldOutcome::DroppedByPolicy;
        }
        self.push_held(totals, receiver, sender, data, now)
    }

    /// Whether `receiver`'s buffer holds a packet from `sender`.
    pub fn holds_from(&self, receiver: VmIndex, sender: VmIndex) -> bool {
        self.vms
            .get(receiver)
            .is_some_and(|v| v.buffer.iter().any(|h| h.sender == sender))
    }

    /// Queues a packet that may be delivered (Type-1/2) behind the packets `receiver` still
    /// holds from the same sender, so that REINJECT delivers the sender's packets in the
    /// order it sent them: forwarding it now would overtake them (e.g. packets sent after
    /// the receiver's ADVANCE but before its REINJECT). Counted in `buffered`, and released
    /// with them (its sender epoch is not above the receiver's); limits apply as to Type-3.
    pub fn hold_behind(
        &mut self,
        totals: &mut Totals,
        receiver: VmIndex,
        sender: VmIndex,
        data: &[u8],
        now: Instant,
    ) -> HoldOutcome {
        self.push_held(totals, receiver, sender, data, now)
    }

    /// Puts a packet at the tail of `receiver`'s buffer within every limit (tail drop).
    fn push_held(
        &mut self,
        totals: &mut Totals,
        receiver: VmIndex,
        sender: VmIndex,
        data: &[u8],
        now: Instant,
    ) -> HoldOutcome {
        self.expire_vm(totals, receiver, now);
        let sender_epoch = self.vms.get(sender).map_or(0, |v| v.epoch);
        let len = data.len();
        let lim = self.limits;
        let (svc_packets, svc_bytes) = (self.packets, self.bytes);
        let Some(vm) = self.vms.get_mut(receiver) else {
            self.counters.dropped_overflow += 1;
            return HoldOutcome::Overflow;
        };
        let over = vm.buffer.len() >= lim.max_packets_per_vm
            || vm.bytes.saturating_add(len) > lim.max_bytes_per_vm
            || svc_packets >= lim.max_packets
            || svc_bytes.saturating_add(len) > lim.max_bytes
            || totals.packets >= totals.max_packets
            || totals.bytes.saturating_add(len) > totals.max_bytes;
        if over {
            self.counters.dropped_overflow += 1;
            return HoldOutcome::Overflow;
        }
        vm.buffer.push_back(Held {
            data: Bytes::copy_from_slice(data),
            sender,
            sender_epoch,
            arrived: now,
        });
        vm.bytes += len;
        self.packets += 1;
        self.bytes += len;
        totals.packets += 1;
        totals.bytes += len;
        self.counters.buffered += 1;
        HoldOutcome::Buffered
    }

    fn unaccount(&mut self, totals: &mut Totals, len: usize) {
        self.packets = self.packets.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(len);
        totals.packets = totals.packets.saturating_sub(1);
        totals.bytes = totals.bytes.saturating_sub(len);
    }

    /// Drops the expired head of one receiver's buffer; returns how many.
    fn expire_vm(&mut self, totals: &mut Totals, i: VmIndex, now: Instant) -> usize {
        let max_hold = Duration::from_millis(self.limits.max_hold_ms);
        let mut gone = Vec::new();
        if let Some(vm) = self.vms.get_mut(i) {
            while vm
                .buffer
                .front()
                .is_some_and(|h| now.saturating_duration_since(h.arrived) >= max_hold)
            {
                if let Some(h) = vm.buffer.pop_front() {
                    vm.bytes = vm.bytes.saturating_sub(h.data.len());
                    gone.push(h.data.len());
                }
            }
        }
        for len in &gone {
            self.unaccount(totals, *len);
        }
        self.counters.dropped_expired += gone.len() as u64;
        gone.len()
    }

    /// Drops every held packet older than `max_hold_ms`; returns how many.
    pub fn sweep(&mut self, totals: &mut Totals, now: Instant) -> usize {
        (0..self.vms.len())
            .map(|i| self.expire_vm(totals, i, now))
            .sum()
    }

    /// REINJECT for `receiver`: takes, in arrival order, every held packet whose sender
    /// epoch the receiver has reached; the others stay held, in order.
    pub fn release(&mut self, totals: &mut Totals, receiver: VmIndex) -> Vec<Held> {
        let Some(vm) = self.vms.get_mut(receiver) else {
            return Vec::new();
        };
        let epoch = vm.epoch;
        let (go, stay): (VecDeque<Held>, VecDeque<Held>) = std::mem::take(&mut vm.buffer)
            .into_iter()
            .partition(|h| h.sender_epoch <= epoch);
        vm.buffer = stay;
        let released_bytes: usize = go.iter().map(|h| h.data.len()).sum();
        vm.bytes = vm.bytes.saturating_sub(released_bytes);
        for h in &go {
            self.unaccount(totals, h.data.len());
        }
        self.counters.reinjected += go.len() as u64;
        go.into()
    }

    /// Tracks a pair rule of `sender` (replacing one to the same destination). Returns
    /// false, tracking nothing, when the sender already has `max` rules: the caller then
    /// forwards without installing one.
    pub fn track_pair(&mut self, sender: VmIndex, rule: PairRule, max: usize) -> bool {
        let Some(vm) = self.vms.get_mut(sender) else {
            return false;
        };
        if let Some(r) = vm.pairs.iter_mut().find(|r| r.dst == rule.dst) {
            *r = rule;
            return true;
        }
        if vm.pairs.len() >= max {
            return false;
        }
        vm.pairs.push(rule);
        true
    }

    /// Whether a FLOW_MOD installing `sender`'s pair rule `rule` should go out at `now`:
    /// tracks the rule (see [`Self::track_pair`]) and says yes, unless the same rule (same
    /// destination and next hop) already went out less than `holdoff` ago.
    ///
    /// Packets keep coming to the controller for a while after their rule was sent: Open
    /// vSwitch applies a FLOW_MOD to its flow table at once but updates the datapath's
    /// cached flows only when its revalidators come round (milliseconds, more under load).
    /// Re-sending the rule for each of those packet-ins doubles the messages of exactly the
    /// burst that already overloads the switch (after REINJECT, the sender's whole window),
    /// and every FLOW_MOD makes the switch revalidate again. After `holdoff` it is sent
    /// again, so a rule that expired (`pair_idle_timeout`) or was removed behind the app's
    /// back comes back with the next packet.
    pub fn install_pair(
        &mut self,
        sender: VmIndex,
        rule: PairRule,
        max: usize,
        now: Instant,
        holdoff: Duration,
    ) -> bool {
        let recent = self.vms.get(sender).is_some_and(|v| {
            v.pairs.contains(&rule)
                && v.pair_sent
                    .get(&rule.dst)
                    .is_some_and(|t| now.saturating_duration_since(*t) < holdoff)
        });
        if recent || !self.track_pair(sender, rule, max) {
            return false;
        }
        if let Some(v) = self.vms.get_mut(sender) {
            v.pair_sent.insert(rule.dst, now);
        }
        true
    }

    /// Forgets (and returns) the pair rules of a VM, e.g. when its switch reconnects.
    pub fn take_pairs(&mut self, i: VmIndex) -> Vec<PairRule> {
        self.vms
            .get_mut(i)
            .map(|v| {
                v.pair_sent.clear();
                std::mem::take(&mut v.pairs)
            })
            .unwrap_or_default()
    }

    /// Aborts the snapshot: every VM (and the service) goes to the highest epoch of any VM,
    /// so no pair is Type-3; held packets are handed back (`release`) or dropped.
    pub fn abort(&mut self, totals: &mut Totals, release: bool) -> AbortOutcome {
        let highest = self.vms.iter().map(|v| v.epoch).max().unwrap_or(0);
        for v in &mut self.vms {
            v.epoch = highest;
        }
        self.epoch = highest;
        self.status = Status::Aborted;
        self.epoch_started = None;
        let mut released = Vec::new();
        let mut dropped = 0;
        for (i, v) in self.vms.iter_mut().enumerate() {
            v.bytes = 0;
            for h in std::mem::take(&mut v.buffer) {
                if release {
                    released.push((i, h));
                } else {
                    dropped += 1;
                }
            }
        }
        totals.packets = totals.packets.saturating_sub(self.packets);
        totals.bytes = totals.bytes.saturating_sub(self.bytes);
        self.packets = 0;
        self.bytes = 0;
        self.counters.released_abort += released.len() as u64;
        self.counters.dropped_abort += dropped as u64;
        AbortOutcome {
            epoch: highest,
            released,
            dropped,
        }
    }

    /// Drops everything held (the service is being removed); returns how many.
    pub fn drop_all(&mut self, totals: &mut Totals) -> usize {
        let n: usize = self.vms.iter().map(|v| v.buffer.len()).sum();
        for v in &mut self.vms {
            v.buffer.clear();
            v.bytes = 0;
        }
        totals.packets = totals.packets.saturating_sub(self.packets);
        totals.bytes = totals.bytes.saturating_sub(self.bytes);
        self.packets = 0;
        self.bytes = 0;
        self.counters.dropped_abort += n as u64;
        n
    }
}
