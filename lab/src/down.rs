//! Tearing a lab down: everything named with the prefix goes, whether or not a state file
//! survived (a crashed `lab up` or test leaves no trace after `down`).

use std::path::Path;

use serde::Serialize;

use super::command::{cmd, output, run};
use super::daemons::stop_private;
use super::discover::running_vswitchd;
use super::names::Names;
use super::ovs::Ovs;
use super::state::LabState;
use super::LabError;

/// What `down` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DownReport {
    pub bridges: Vec<String>,
    pub namespaces: Vec<String>,
    pub links: Vec<String>,
    /// Whether private OVS daemons of the run directory were stopped.
    pub stopped_daemons: bool,
}

impl DownReport {
    /// Whether anything at all was found.
    pub fn removed_anything(&self) -> bool {
        self.stopped_daemons
            || !(self.bridges.is_empty() && self.namespaces.is_empty() && self.links.is_empty())
    }
}

/// Removes the lab of `run_dir`: bridges with the prefix (in the lab's OVS instance, the
/// run dir's private one, the system one and any other of this network namespace, whichever
/// answer), the private daemons of
/// `run_dir` if the lab started them (or if no state file is left), namespaces and links
/// with the prefix, and the state file. `prefix` is used
/// when there is no state file (after a crash); the state file's prefix wins otherwise.
pub fn down(run_dir: &Path, prefix: &str) -> Result<DownReport, LabError> {
    let state = match LabState::load(run_dir) {
        Ok(s) => s,
        // A damaged state file must not block the cleanup.
        Err(LabError::State { .. }) => None,
        Err(e) => return Err(e),
    };
    let prefix = state.as_ref().map(|s| s.prefix.as_str()).unwrap_or(prefix);
    let names = Names::new(prefix)?;
    let mut report = DownReport::default();

    // Best effort: every step runs even if an earlier one failed; the first error is
    // returned at the end.
    let mut first_error: Option<LabError> = None;
    let mut note = |r: Result<(), LabError>| {
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    };

    let mut instances: Vec<Ovs> = state.iter().map(|s| s.ovs.clone()).collect();
    let discovered = running_vswitchd().into_iter().filter_map(|r| r.ovs);
    for o in [Ovs::at(run_dir), Ovs::system()]
        .into_iter()
        .chain(discovered)
    {
        if !instances.contains(&o) {
            instances.push(o);
        }
    }
    for ovs in instances.iter().filter(|o| o.is_up()) {
        note(delete_bridges(ovs, &names, &mut report));
    }
    // Daemons a lab found running are left alone; without a state file (a crash) the run
    // directory's private daemons are leftovers of ours.
    if state.as_ref().is_none_or(|s| s.started_daemons) {
        note(stop_private(run_dir).map(|stopped| report.stopped_daemons = stopped));
    }
    note(delete_netns(&names, &mut report));
    note(delete_links(&names, &mut report));
    let left: Vec<String> = list_links()?
        .into_iter()
        .chain(list_netns()?)
        .filter(|l| names.owns(l))
        .collect();
    if !left.is_empty() {
        note(Err(LabError::Config(format!(
            "could not remove: {}",
            left.join(" ")
        ))));
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    LabState::remove(run_dir)?;
    Ok(report)
}

fn delete_bridges(ovs: &Ovs, names: &Names, report: &mut DownReport) -> Result<(), LabError> {
    let ours: Vec<String> = ovs
        .list_bridges()?
        .into_iter()
        .filter(|b| names.owns(b))
        .collect();
    if ours.is_empty() {
        return Ok(());
    }
    let mut args = Vec::new();
    for b in &ours {
        args.extend([
            "--".to_string(),
            "--if-exists".into(),
            "del-br".into(),
            b.clone(),
        ]);
    }
    ovs.vsctl(&args)?;
    report.bridges.extend(ours);
    Ok(())
}

fn delete_netns(names: &Names, report: &mut DownReport) -> Result<(), LabError> {
    let mut result = Ok(());
    for ns in list_netns()?.into_iter().filter(|n| names.owns(n)) {
        match run(&mut cmd("ip", ["netns", "del", &ns])) {
            Ok(_) => report.namespaces.push(ns),
            Err(e) => result = Err(e),
        }
    }
    result
}

fn delete_links(names: &Names, report: &mut DownReport) -> Result<(), LabError> {
    for link in list_links()?.into_iter().filter(|l| names.owns(l)) {
        // Deleting one end of a veth removes its peer too: a second delete may find nothing.
        let out = output(&mut cmd("ip", ["link", "del", "dev", &link]))?;
        if out.status.success() {
            report.links.push(link);
        }
    }
    Ok(())
}

/// Names of the network namespaces (`ip netns list` prints `NAME (id: N)`).
pub fn list_netns() -> Result<Vec<String>, LabError> {
    let text = run(&mut cmd("ip", ["netns", "list"]))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

/// Names of the root namespace's links (`ip -o link` prints `N: NAME[@PEER]: …`).
pub fn list_links() -> Result<Vec<String>, LabError> {
    let text = run(&mut cmd("ip", ["-o", "link", "show"]))?;
    Ok(text.lines().filter_map(parse_link_name).collect())
}

fn parse_link_name(line: &str) -> Option<String> {
    let mut parts = line.splitn(3, ": ");
    parts.next()?;
    let name = parts.next()?;
    let name = name.split('@').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names() {
        assert_eq!(
            parse_link_name("7: vl-s1-eth1@if6: <BROADCAST,MULTICAST,UP> mtu 1500").as_deref(),
            Some("vl-s1-eth1")
        );
        assert_eq!(
            parse_link_name("1: lo: <LOOPBACK,UP> mtu 65536").as_deref(),
            Some("lo")
        );
        assert_eq!(parse_link_name("garbage"), None);
    }
}
