//! The state file `RUNDIR/state.json`: what `lab up` made, so `pingall`, `exec` and `down`
//! (other processes) can find it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ovs::Ovs;
use super::LabError;

/// Format tag of the state file.
pub const STATE_FORMAT: &str = "viola.lab-state/1";

/// File name of the state file inside the run directory.
pub const STATE_FILE: &str = "state.json";

/// A host of a running lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostState {
    /// Topology name (`h1`).
    pub name: String,
    /// Network namespace (`vl-h1`).
    pub netns: String,
    /// Interface inside the namespace (`h1-eth0`).
    pub ifname: String,
    /// Address without prefix (`10.0.0.1`).
    pub ip: String,
    pub prefix: u8,
    pub mac: String,
    /// Bridge and OpenFlow port the host is attached to.
    pub bridge: String,
    pub port: u32,
}

/// A switch of a running lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchState {
    /// Topology name (`s1`).
    pub name: String,
    /// Bridge name (`vl-s1`).
    pub bridge: String,
    /// Datapath id as 16 hex digits.
    pub dpid: String,
}

/// Everything `lab up` created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabState {
    pub format: String,
    /// Topology SPEC the lab was built from.
    pub topo: String,
    /// Name prefix of everything created.
    pub prefix: String,
    /// The Open vSwitch instance holding the bridges.
    pub ovs: Ovs,
    /// Whether `lab up` started that instance (then `down` stops it).
    pub started_daemons: bool,
    /// Controller target as given to OVS (`tcp:127.0.0.1:6653`).
    pub controller: String,
    /// OVS `protocols` value (`OpenFlow10,OpenFlow13`).
    pub protocols: String,
    pub switches: Vec<SwitchState>,
    pub hosts: Vec<HostState>,
    /// Switch-side veths (host links and both ends of switch links).
    pub veths: Vec<String>,
}

impl LabState {
    /// Path of the state file in `run_dir`.
    pub fn path(run_dir: &Path) -> PathBuf {
        run_dir.join(STATE_FILE)
    }

    /// Reads the state file of `run_dir`; `Ok(None)` if there is none.
    pub fn load(run_dir: &Path) -> Result<Option<LabState>, LabError> {
        let path = Self::path(run_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LabError::io(path, e)),
        };
        let state: LabState = serde_json::from_str(&text).map_err(|e| LabError::State {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if state.format != STATE_FORMAT {
            return Err(LabError::State {
                path,
                reason: format!("format `{}`, expected `{STATE_FORMAT}`", state.format),
            });
        }
        Ok(Some(state))
    }

    /// Writes the state file atomically (temp file + rename).
    pub fn save(&self, run_dir: &Path) -> Result<(), LabError> {
        std::fs::create_dir_all(run_dir).map_err(|e| LabError::io(run_dir, e))?;
        let path = Self::path(run_dir);
        let tmp = run_dir.join(format!("{STATE_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(|e| LabError::State {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        std::fs::write(&tmp, text + "\n").map_err(|e| LabError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| LabError::io(&path, e))
    }

    /// Removes the state file of `run_dir` if present.
    pub fn remove(run_dir: &Path) -> Result<(), LabError> {
        let path = Self::path(run_dir);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LabError::io(path, e)),
            _ => Ok(()),
        }
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&HostState> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LabState {
        LabState {
            format: STATE_FORMAT.into(),
            topo: "single,1".into(),
            prefix: "vl-".into(),
            ovs: Ovs::at(Path::new("/run/x")),
            started_daemons: true,
            controller: "tcp:127.0.0.1:6653".into(),
            protocols: "OpenFlow13".into(),
            switches: vec![SwitchState {
                name: "s1".into(),
                bridge: "vl-s1".into(),
                dpid: "0000000000000001".into(),
            }],
            hosts: vec![HostState {
                name: "h1".into(),
                netns: "vl-h1".into(),
                ifname: "h1-eth0".into(),
                ip: "10.0.0.1".into(),
                prefix: 8,
                mac: "00:00:00:00:00:01".into(),
                bridge: "vl-s1".into(),
                port: 1,
            }],
            veths: vec!["vl-s1-eth1".into()],
        }
    }

    #[test]
    fn save_load_remove() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(LabState::load(dir.path()).unwrap(), None);
        let s = sample();
        s.save(dir.path()).unwrap();
        assert_eq!(LabState::load(dir.path()).unwrap(), Some(s.clone()));
        assert_eq!(s.host("h1").map(|h| h.port), Some(1));
        std::fs::write(LabState::path(dir.path()), "{\"format\": 1}").unwrap();
        assert!(matches!(
            LabState::load(dir.path()),
            Err(LabError::State { .. })
        ));
        LabState::remove(dir.path()).unwrap();
        LabState::remove(dir.path()).unwrap();
        assert_eq!(LabState::load(dir.path()).unwrap(), None);
    }
}
