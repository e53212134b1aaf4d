//! Finding an `ovs-vswitchd` already running in this network namespace.
//!
//! The userspace datapath opens a tap device named `ovs-netdev`, and Linux lets only one
//! process hold it: a second `ovs-vswitchd` with netdev bridges in the same network namespace
//! fails to create any bridge ("creating tap device failed: Device or resource busy"). So a
//! lab must use the instance that runs, or run in its own network namespace.

use std::path::{Path, PathBuf};

use super::ovs::{Ovs, SYSTEM_RUN_DIR};

/// An `ovs-vswitchd` process of this network namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningVswitchd {
    pub pid: u32,
    /// Its database and run directory, when its command line and environment tell.
    pub ovs: Option<Ovs>,
}

fn netns_of(pid: &str) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()
}

/// Every live `ovs-vswitchd` in the caller's network namespace.
pub fn running_vswitchd() -> Vec<RunningVswitchd> {
    let Some(mine) = netns_of("self") else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str() else { continue };
        let Ok(pid_n) = pid.parse::<u32>() else {
            continue;
        };
        if !super::ovs::process_is(pid_n, "ovs-vswitchd") || netns_of(pid).as_ref() != Some(&mine) {
            continue;
        }
        found.push(RunningVswitchd {
            pid: pid_n,
            ovs: instance_of(pid),
        });
    }
    found
}

/// Database socket from the command line (`unix:PATH`), run directory from `OVS_RUNDIR` or
/// Debian's default.
fn instance_of(pid: &str) -> Option<Ovs> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let db = args
        .iter()
        .skip(1)
        .find_map(|a| a.strip_prefix("unix:"))
        .map(PathBuf::from)?;
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let run_dir = environ
        .split(|b| *b == 0)
        .find_map(|kv| kv.strip_prefix(b"OVS_RUNDIR="))
        .map(|v| PathBuf::from(String::from_utf8_lossy(v).into_owned()))
        .unwrap_or_else(|| Path::new(SYSTEM_RUN_DIR).to_path_buf());
    Some(Ovs { run_dir, db })
}
