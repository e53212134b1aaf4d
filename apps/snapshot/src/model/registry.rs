//! [`Registry`]: every service, the member-port index the packet-in path looks up, and the
//! totals that bound memory across services.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use viola_framework::Dpid;

use super::{Policy, ServiceState, VmIndex, VmSpec};
use crate::config::{Limits, SnapshotConfig};
use crate::error::SnapshotError;

/// Held packets and bytes of all services, and their caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub packets: usize,
    pub bytes: usize,
    pub max_packets: usize,
    pub max_bytes: usize,
}

/// A member VM, as found from its access port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Member {
    pub service: u16,
    pub vm: VmIndex,
}

/// All services.
#[derive(Debug, Clone)]
pub struct Registry {
    services: HashMap<u16, ServiceState>,
    names: BTreeMap<String, u16>,
    ports: HashMap<(Dpid, u32), Member>,
    pub totals: Totals,
    max_services: usize,
    max_vms: usize,
    next_id: u16,
}

/// Names of services and VMs: 1 to 64 of `A-Z a-z 0-9 . _ -` (they appear in URLs and
/// metric labels).
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl Registry {
    pub fn new(cfg: &SnapshotConfig) -> Self {
        Registry {
            services: HashMap::new(),
            names: BTreeMap::new(),
            ports: HashMap::new(),
            totals: Totals {
                packets: 0,
                bytes: 0,
                max_packets: cfg.max_total_packets,
                max_bytes: cfg.max_total_bytes,
            },
            max_services: cfg.max_services,
            max_vms: cfg.max_vms_per_service,
            next_id: 1,
        }
    }

    /// Registers a service; returns its id. Names, MACs and access ports must be unique
    /// (ports across services too: one gate per port).
    pub fn register(
        &mut self,
        name: &str,
        policy: Policy,
        limits: Limits,
        auto_reinject: bool,
        vms: Vec<VmSpec>,
    ) -> Result<u16, SnapshotError> {
        if !valid_name(name) || name == "services" {
            return Err(SnapshotError::Invalid(format!(
                "bad service name `{name}`: 1-64 characters of A-Z a-z 0-9 . _ - (and not `services`)"
            )));
        }
        if self.names.contains_key(name) {
            return Err(SnapshotError::Conflict(format!(
                "service `{name}` is already registered"
            )));
        }
        if self.services.len() >= self.max_services {
            return Err(SnapshotError::Full(format!(
                "{} services registered (max_services)",
                self.services.len()
            )));
        }
        if vms.is_empty() || vms.len() > self.max_vms {
            return Err(SnapshotError::Invalid(format!(
                "a service needs 1 to {} VMs",
                self.max_vms
            )));
        }
        let (mut names, mut macs, mut ports) = (HashSet::new(), HashSet::new(), HashSet::new());
        for v in &vms {
            if !valid_name(&v.name) {
                return Err(SnapshotError::Invalid(format!("bad VM name `{}`", v.name)));
            }
            if v.mac.is_multicast() {
                return Err(SnapshotError::Invalid(format!(
                    "VM `{}`: {} is a group address",
                    v.name, v.mac
                )));
            }
            if v.port == 0 || v.port >= openflow::port::MAX {
                return Err(SnapshotError::Invalid(format!(
                    "VM `{}`: port {} is not a physical port",
                    v.name, v.port
                )));
            }
            if !names.insert(v.name.as_str()) {
                return Err(SnapshotError::Invalid(format!(
                    "VM name `{}` appears twice",
                    v.name
                )));
            }
            if !macs.insert(v.mac) {
                return Err(SnapshotError::Invalid(format!(
                    "MAC {} appears twice",
                    v.mac
                )));
            }
            if !ports.insert((v.dpid, v.port)) {
                return Err(SnapshotError::Invalid(format!(
                    "access port {}:{} appears twice",
                    v.dpid, v.port
                )));
            }
            if let Some(m) = self.ports.get(&(v.dpid, v.port)) {
                let other = self
                    .services
                    .get(&m.service)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                return Err(SnapshotError::Conflict(format!(
                    "access port {}:{} of VM `{}` already belongs to service `{other}`",
                    v.dpid, v.port, v.name
                )));
            }
        }
        let id = self.free_id();
        for (i, v) in vms.iter().enumerate() {
            self.ports
                .insert((v.dpid, v.port), Member { service: id, vm: i });
        }
        self.names.insert(name.to_string(), id);
        self.services.insert(
            id,
            ServiceState::new(id, name.to_string(), policy, limits, auto_reinject, vms),
        );
        Ok(id)
    }

    /// An id not in use (ids are reused only after 65534 registrations).
    fn free_id(&mut self) -> u16 {
        loop {
            let id = self.next_id;
            self.next_id = if self.next_id == u16::MAX {
                1
            } else {
                self.next_id + 1
            };
            if !self.services.contains_key(&id) {
                return id;
            }
        }
    }

    /// Removes a service, dropping what it held; returns it and how many packets it held.
    pub fn unregister(&mut self, name: &str) -> Result<(ServiceState, usize), SnapshotError> {
        let id = self.id(name)?;
        self.names.remove(name);
        self.ports.retain(|_, m| m.service != id);
        let mut s = self
            .services
            .remove(&id)
            .ok_or_else(|| SnapshotError::UnknownService(name.to_string()))?;
        let dropped = s.drop_all(&mut self.totals);
        Ok((s, dropped))
    }

    fn id(&self, name: &str) -> Result<u16, SnapshotError> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| SnapshotError::UnknownService(name.to_string()))
    }

    /// The member whose access port this is.
    pub fn member_at(&self, dpid: Dpid, port: u32) -> Option<Member> {
        self.ports.get(&(dpid, port)).copied()
    }

    /// Members whose access switch is `dpid`.
    pub fn members_at_switch(&self, dpid: Dpid) -> Vec<Member> {
        let mut v: Vec<Member> = self
            .ports
            .iter()
            .filter(|((d, _), _)| *d == dpid)
            .map(|(_, m)| *m)
            .collect();
        v.sort_by_key(|m| (m.service, m.vm));
        v
    }

    pub fn service(&self, name: &str) -> Result<&ServiceState, SnapshotError> {
        let id = self.id(name)?;
        self.services
            .get(&id)
            .ok_or_else(|| SnapshotError::UnknownService(name.to_string()))
    }

    /// A service and the totals (to hold or release packets).
    pub fn service_mut(
        &mut self,
        name: &str,
    ) -> Result<(&mut ServiceState, &mut Totals), SnapshotError> {
        let id = self.id(name)?;
        self.by_id_mut(id)
            .ok_or_else(|| SnapshotError::UnknownService(name.to_string()))
    }

    pub fn by_id(&self, id: u16) -> Option<&ServiceState> {
        self.services.get(&id)
    }

    pub fn by_id_mut(&mut self, id: u16) -> Option<(&mut ServiceState, &mut Totals)> {
        let totals = &mut self.totals;
        self.services.get_mut(&id).map(|s| (s, totals))
    }

    /// Services in name order.
    pub fn services(&self) -> impl Iterator<Item = &ServiceState> {
        self.names.values().filter_map(|id| self.services.get(id))
    }

    /// Drops every expired held packet; returns (service id, dropped) for services that
    /// dropped some.
    pub fn sweep(&mut self, now: Instant) -> Vec<(u16, usize)> {
        let totals = &mut self.totals;
        let mut out: Vec<(u16, usize)> = self
            .services
            .iter_mut()
            .map(|(id, s)| (*id, s.sweep(totals, now)))
            .filter(|(_, n)| *n > 0)
            .collect();
        out.sort_unstable();
        out
    }
}
