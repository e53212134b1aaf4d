//! The service file (TOML, docs/src/orchestrator.md "The service file"): the VMs of a
//! service, the VM servers (agents) and snapshot servers they use, grouped by site, and the
//! controller.

use crate::agent::{SnapshotMode, VmConfig};
use crate::snapshot_server::protocol::valid_name;
use openflow::Dpid;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Errors reading or checking a service file.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not a `#[source]`: the message is printed once, not again as its cause.
    #[error("{path}: {message}")]
    Parse {
        path: PathBuf,
        message: Box<toml::de::Error>,
    },
    #[error("service file: {0}")]
    Invalid(String),
    #[error("service file [auth]: {0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("service file: no [auth] token_file (or `insecure = true` for daemons on loopback started with --insecure)")]
    NoAuth,
}

/// How `viola tc` authenticates to the agents and snapshot servers (`[auth]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthEntry {
    /// The cluster's token file (relative: to the service file's directory).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Talk to daemons started with `--insecure` (loopback only).
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotServerEntry {
    pub name: String,
    /// Control address `HOST:PORT`.
    pub address: String,
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmServerEntry {
    pub name: String,
    /// Agent control address `HOST:PORT`.
    pub agent: String,
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmEntry {
    pub name: String,
    /// A `vm_servers` name.
    pub server: String,
    /// A `snapshot_servers` name.
    pub snapshot_server: String,
    pub memory_mb: u32,
    pub kernel: String,
    pub initrd: String,
    #[serde(default)]
    pub append: String,
    pub mac: String,
    #[serde(default)]
    pub ip: Option<String>,
    /// Access switch (16 hex digits, `0x` hex or decimal; a string or a number).
    #[serde(default)]
    pub dpid: Option<Dpid>,
    /// Access port.
    #[serde(default)]
    pub port: Option<u32>,
    /// Host tap device (user networking when absent).
    #[serde(default)]
    pub tap: Option<String>,
    /// User networking port forwards (QEMU `hostfwd` syntax).
    #[serde(default)]
    pub hostfwd: Vec<String>,
}

/// Per-site settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    /// Datapath ids of the saved flow state → this site's switches.
    #[serde(default)]
    pub dpid_map: BTreeMap<String, String>,
    /// VM name → the access port (the tap's ofport) it gets at this site, when it differs
    /// from the VM's `port`.
    #[serde(default)]
    pub ports: BTreeMap<String, u32>,
}

/// Limits of a transaction (seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// Whole snapshot (prepare → commit).
    pub snapshot_s: u64,
    /// VM_PAUSED → epoch advanced, VM unpaused and packets reinjected, per VM.
    pub pause_s: u64,
    /// One request to the controller.
    pub controller_s: u64,
    /// Restore: how long to wait for the site's switches (the flow state's, dpids mapped)
    /// to be connected to the controller before pushing the flow tables.
    pub switches_s: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            snapshot_s: 600,
            pause_s: 30,
            controller_s: 10,
            switches_s: 60,
        }
    }
}

fn default_policy() -> String {
    "buffer".into()
}

/// A whole service file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    pub name: String,
    /// Base URL of `viola run --api`; empty: no controller (no epochs, no flow state).
    #[serde(default)]
    pub controller: String,
    #[serde(default)]
    pub mode: SnapshotMode,
    /// Type-3 packets: `buffer` or `drop`.
    #[serde(default = "default_policy")]
    pub policy: String,
    /// Delay snapshot starts so bigger VMs start first: a VM waits
    /// `(largest memory_mb − its memory_mb) × stagger_ms_per_mb` ms. 0: all at once.
    #[serde(default)]
    pub stagger_ms_per_mb: u64,
    /// Where `viola tc` keeps snapshot records (default: `.viola-tc/<name>` beside the file).
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    #[serde(default)]
    pub timeouts: Timeouts,
    #[serde(default)]
    pub auth: AuthEntry,
    #[serde(default)]
    pub sites: BTreeMap<String, SiteEntry>,
    #[serde(default)]
    pub snapshot_servers: Vec<SnapshotServerEntry>,
    #[serde(default)]
    pub vm_servers: Vec<VmServerEntry>,
    #[serde(default)]
    pub vms: Vec<VmEntry>,
    /// Default of `viola tc schedule`.
    #[serde(default)]
    pub schedule: Option<super::schedule::ScheduleEntry>,
}

impl ServiceFile {
    /// Reads, checks and resolves relative kernel/initrd/state paths against the file's
    /// directory.
    pub fn load(path: &Path) -> Result<Self, ServiceError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServiceError::Read {
            path: path.into(),
            source,
        })?;
        let mut s = Self::parse(&text).map_err(|e| match e {
            ServiceError::Parse { message, .. } => ServiceError::Parse {
                path: path.into(),
                message,
            },
            other => other,
        })?;
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
        let base = base.as_path();
        let resolve = |p: &str| -> String {
            if Path::new(p).is_absolute() {
                p.to_string()
            } else {
                base.join(p).display().to_string()
            }
        };
        for vm in &mut s.vms {
            vm.kernel = resolve(&vm.kernel);
            vm.initrd = resolve(&vm.initrd);
        }
        let state = match &s.state_dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => base.join(d),
            None => base.join(".viola-tc").join(&s.name),
        };
        s.state_dir = Some(state);
        if let Some(t) = &s.auth.token_file {
            if t.is_relative() {
                s.auth.token_file = Some(base.join(t));
            }
        }
        Ok(s)
    }

    /// Parses and checks (paths left as written).
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        let s: ServiceFile = toml::from_str(text).map_err(|e| ServiceError::Parse {
            path: PathBuf::new(),
            message: Box::new(e),
        })?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ServiceError> {
        let bad = |m: String| Err(ServiceError::Invalid(m));
        if !valid_name(&self.name) {
            return bad(format!("bad service name {:?}", self.name));
        }
        if self.policy != "buffer" && self.policy != "drop" {
            return bad(format!(
                "policy must be buffer or drop, not {:?}",
                self.policy
            ));
        }
        if self.vms.is_empty() {
            return bad("no [[vms]]".into());
        }
        if let Some(sch) = &self.schedule {
            super::schedule::parse_every(&sch.every)
                .map_err(|e| ServiceError::Invalid(format!("[schedule] every: {e}")))?;
        }
        let mut seen = BTreeSet::new();
        for n in self
            .snapshot_servers
            .iter()
            .map(|s| &s.name)
            .chain(self.vm_servers.iter().map(|s| &s.name))
        {
            if !seen.insert(n) {
                return bad(format!("server name {n:?} used twice"));
            }
        }
        let mut vms = BTreeSet::new();
        for vm in &self.vms {
            if !valid_name(&vm.name) {
                return bad(format!("bad VM name {:?}", vm.name));
            }
            if !vms.insert(&vm.name) {
                return bad(format!("VM {:?} listed twice", vm.name));
            }
            if self.vm_server(&vm.server).is_none() {
                return bad(format!(
                    "VM {}: no vm_servers entry {:?}",
                    vm.name, vm.server
                ));
            }
            if self.snapshot_server(&vm.snapshot_server).is_none() {
                return bad(format!(
                    "VM {}: no snapshot_servers entry {:?}",
                    vm.name, vm.snapshot_server
                ));
            }
            if vm.memory_mb == 0 {
                return bad(format!("VM {}: memory_mb must be > 0", vm.name));
            }
        }
        Ok(())
    }

    /// The credentials `[auth]` names; refuses a file that names none.
    pub fn credentials(&self) -> Result<crate::auth::Credentials, ServiceError> {
        match (&self.auth.token_file, self.auth.insecure) {
            (Some(path), _) => Ok(crate::auth::Credentials::from_token_file(path)?),
            (None, true) => Ok(crate::auth::Credentials::Insecure),
            (None, false) => Err(ServiceError::NoAuth),
        }
    }

    pub fn vm_server(&self, name: &str) -> Option<&VmServerEntry> {
        self.vm_servers.iter().find(|s| s.name == name)
    }

    pub fn snapshot_server(&self, name: &str) -> Option<&SnapshotServerEntry> {
        self.snapshot_servers.iter().find(|s| s.name == name)
    }

    /// The snapshot server of `site` (the first listed).
    pub fn site_snapshot_server(&self, site: &str) -> Option<&SnapshotServerEntry> {
        self.snapshot_servers.iter().find(|s| s.site == site)
    }

    pub fn site_vm_servers(&self, site: &str) -> Vec<&VmServerEntry> {
        self.vm_servers.iter().filter(|s| s.site == site).collect()
    }

    /// Where `vm` runs (checked by `validate`).
    pub fn agent_of(&self, vm: &VmEntry) -> Option<&VmServerEntry> {
        self.vm_server(&vm.server)
    }

    /// The QEMU device configuration of `vm`.
    pub fn vm_config(&self, vm: &VmEntry) -> VmConfig {
        VmConfig {
            vm: vm.name.clone(),
            memory_mb: vm.memory_mb,
            kernel: vm.kernel.clone(),
            initrd: vm.initrd.clone(),
            append: vm.append.clone(),
            mac: vm.mac.clone(),
            tap: vm.tap.clone(),
            hostfwd: vm.hostfwd.clone(),
        }
    }

    /// The `POST /api/v1/snapshot/services` body, if every VM has an access switch and port.
    pub fn registration(&self) -> Option<serde_json::Value> {
        self.registration_with(&BTreeMap::new(), &BTreeMap::new())
    }

    /// The registration once the VMs run at `site`: access switches through the site's
    /// `dpid_map`, access ports through its `ports` (VM → the ofport its tap got there).
    pub fn registration_at(&self, site: &str) -> Option<serde_json::Value> {
        let empty = SiteEntry::default();
        let s = self.sites.get(site).unwrap_or(&empty);
        let dpids: BTreeMap<Dpid, Dpid> = s
            .dpid_map
            .iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v.parse().ok()?)))
            .collect();
        self.registration_with(&dpids, &s.ports)
    }

    fn registration_with(
        &self,
        dpids: &BTreeMap<Dpid, Dpid>,
        ports: &BTreeMap<String, u32>,
    ) -> Option<serde_json::Value> {
        let mut vms = Vec::new();
        for vm in &self.vms {
            let (Some(dpid), Some(port)) = (&vm.dpid, vm.port) else {
                return None;
            };
            let dpid = dpids.get(dpid).unwrap_or(dpid);
            let port = ports.get(&vm.name).copied().unwrap_or(port);
            let mut v =
                serde_json::json!({"name": vm.name, "mac": vm.mac, "dpid": dpid, "port": port});
            if let (Some(ip), Some(o)) = (&vm.ip, v.as_object_mut()) {
                o.insert("ip".into(), ip.clone().into());
            }
            vms.push(v);
        }
        Some(serde_json::json!({"name": self.name, "policy": self.policy, "vms": vms}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const EXAMPLE: &str = r#"
name = "povray"
controller = "http://127.0.0.1:8080"
mode = "precopy"
policy = "buffer"

[auth]
token_file = "secrets/token"

[sites.b]
dpid_map = { "0000000000000001" = "0000000000000011" }

[[snapshot_servers]]
name = "ss-a"
address = "127.0.0.1:7700"
site = "a"

[[vm_servers]]
name = "vms-a1"
agent = "127.0.0.1:7800"
site = "a"

[[vms]]
name = "vm1"
server = "vms-a1"
snapshot_server = "ss-a"
memory_mb = 128
kernel = "guest/vmlinuz"
initrd = "guest/initrd.gz"
append = "console=ttyS0"
mac = "52:54:00:00:00:01"
ip = "10.0.0.1"
dpid = "0000000000000001"
port = 1
"#;

    #[test]
    fn spec_example_parses() {
        let s = ServiceFile::parse(EXAMPLE).expect("parse");
        assert_eq!(s.mode, SnapshotMode::Precopy);
        assert_eq!(s.vms[0].port, Some(1));
        assert_eq!(
            s.sites["b"].dpid_map["0000000000000001"],
            "0000000000000011"
        );
        let r = s.registration().expect("registration");
        assert_eq!(r["vms"][0]["ip"], "10.0.0.1");
        assert_eq!(r["policy"], "buffer");
    }

    #[test]
    fn bad_references_are_refused() {
        let broken = EXAMPLE.replace("server = \"vms-a1\"", "server = \"nope\"");
        assert!(matches!(
            ServiceFile::parse(&broken),
            Err(ServiceError::Invalid(_))
        ));
        let broken = EXAMPLE.replace("policy = \"buffer\"", "policy = \"keep\"");
        assert!(ServiceFile::parse(&broken).is_err());
        let broken = EXAMPLE.replace("memory_mb = 128", "memory_mb = 128\nbogus = 1");
        let e = ServiceFile::parse(&broken).expect_err("typo");
        // The message once: no `source()` that would print it again in an error chain.
        assert!(e.to_string().contains("bogus"), "{e}");
        assert!(std::error::Error::source(&e).is_none());
    }

    #[test]
    fn registration_at_a_site_maps_switches_and_ports() {
        let text = EXAMPLE.replace(
            "dpid_map = { \"0000000000000001\" = \"0000000000000011\" }",
            "dpid_map = { \"0000000000000001\" = \"0000000000000011\" }\nports = { vm1 = 7 }",
        );
        let s = ServiceFile::parse(&text).expect("parse");
        let b = s.registration_at("b").expect("registration");
        assert_eq!(b["vms"][0]["dpid"], "0000000000000011");
        assert_eq!(b["vms"][0]["port"], 7);
        let a = s.registration_at("a").expect("registration");
        assert_eq!(a["vms"][0]["dpid"], "0000000000000001");
        assert_eq!(a["vms"][0]["port"], 1);
    }

    #[test]
    fn load_resolves_relative_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("svc.toml");
        std::fs::write(&p, EXAMPLE).expect("write");
        let s = ServiceFile::load(&p).expect("load");
        assert_eq!(
            s.vms[0].kernel,
            dir.path().join("guest/vmlinuz").display().to_string()
        );
        assert_eq!(s.state_dir, Some(dir.path().join(".viola-tc/povray")));
        assert_eq!(s.auth.token_file, Some(dir.path().join("secrets/token")));
        assert!(matches!(
            s.credentials(),
            Err(ServiceError::Auth(crate::auth::AuthError::TokenRead { .. }))
        ));
        let none = ServiceFile::parse(&EXAMPLE.replace("token_file = \"secrets/token\"", ""))
            .expect("parse");
        assert!(matches!(none.credentials(), Err(ServiceError::NoAuth)));
    }
}
