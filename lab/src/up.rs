//! Building a lab from a topology: bridges, switch-to-switch veths, host namespaces.

use std::path::Path;

use viola_topo_spec::Topology;

use super::command::{cmd, have_tool, run};
use super::config::{controller_target, LabConfig};
use super::names::Names;
use super::ovs::Ovs;
use super::state::{HostState, LabState, SwitchState, STATE_FORMAT};
use super::LabError;

/// Seconds a controller connection waits at most between reconnect attempts (OVS's default
/// of 8 s makes a lab slow to notice a controller that starts after it).
const MAX_BACKOFF_MS: u32 = 1000;

/// Works out every name and address first, so nothing is created for a topology that
/// cannot be built.
pub(crate) fn plan(
    topo: &Topology,
    config: &LabConfig,
    ovs: &Ovs,
    started: bool,
) -> Result<LabState, LabError> {
    let names = Names::new(&config.prefix)?;
    let controller = controller_target(&config.controller)?;
    let mut switches = Vec::with_capacity(topo.switches.len());
    for s in &topo.switches {
        switches.push(SwitchState {
            name: s.name.clone(),
            bridge: names.bridge(&s.name)?,
            dpid: s.dpid.to_string(),
        });
    }
    let bridge_of = |i: usize| -> Result<&SwitchState, LabError> {
        switches.get(i).ok_or_else(|| {
            LabError::Config(format!(
                "topology refers to switch #{i} that does not exist"
            ))
        })
    };
    let mut hosts = Vec::with_capacity(topo.hosts.len());
    let mut veths = Vec::new();
    for h in &topo.hosts {
        let sw = bridge_of(h.switch)?;
        let veth = names.switch_port(&sw.name, h.port)?;
        veths.push(veth);
        hosts.push(HostState {
            name: h.name.clone(),
            netns: names.netns(&h.name)?,
            ifname: Names::host_if(&h.name),
            ip: h.ip.to_string(),
            prefix: h.prefix,
            mac: h.mac.to_string(),
            bridge: sw.bridge.clone(),
            port: h.port,
        });
    }
    for l in &topo.links {
        veths.push(names.switch_port(&bridge_of(l.a.switch)?.name, l.a.port)?);
        veths.push(names.switch_port(&bridge_of(l.b.switch)?.name, l.b.port)?);
    }
    let mut seen = std::collections::HashSet::new();
    for v in veths
        .iter()
        .chain(hosts.iter().map(|h| &h.netns))
        .chain(switches.iter().map(|s| &s.bridge))
    {
        if !seen.insert(v.as_str()) {
            return Err(LabError::Name {
                name: v.clone(),
                reason: "used twice in this topology".into(),
            });
        }
    }
    Ok(LabState {
        format: STATE_FORMAT.to_string(),
        topo: topo.spec.clone(),
        prefix: config.prefix.clone(),
        ovs: ovs.clone(),
        started_daemons: started,
        controller,
        protocols: config.of.protocols().to_string(),
        switches,
        hosts,
        veths,
    })
}

/// Creates the bridges, each with its own controller record, in one OVS transaction.
pub(crate) fn create_bridges(state: &LabState) -> Result<(), LabError> {
    let mut args: Vec<String> = Vec::new();
    for (i, s) in state.switches.iter().enumerate() {
        let id = format!("@c{i}");
        args.extend([
            "--".into(),
            format!("--id={id}"),
            "create".into(),
            "Controller".into(),
            format!("target=\"{}\"", state.controller),
            format!("max_backoff={MAX_BACKOFF_MS}"),
            "--".into(),
            "add-br".into(),
            s.bridge.clone(),
            "--".into(),
            "set".into(),
            "Bridge".into(),
            s.bridge.clone(),
            "datapath_type=netdev".into(),
            "fail-mode=secure".into(),
            format!("protocols={}", state.protocols),
            format!("other-config:datapath-id={}", s.dpid),
            "other-config:disable-in-band=true".into(),
            format!("controller={id}"),
        ]);
    }
    if args.is_empty() {
        return Ok(());
    }
    state.ovs.vsctl(&args).map(drop)
}

/// Attaches OVS ports with fixed OpenFlow port numbers, in one transaction.
fn add_ports(ovs: &Ovs, ports: &[(String, String, u32)]) -> Result<(), LabError> {
    let mut args: Vec<String> = Vec::new();
    for (bridge, port, ofport) in ports {
        args.extend([
            "--".into(),
            "add-port".into(),
            bridge.clone(),
            port.clone(),
            "--".into(),
            "set".into(),
            "Interface".into(),
            port.clone(),
            format!("ofport_request={ofport}"),
        ]);
    }
    if args.is_empty() {
        return Ok(());
    }
    ovs.vsctl(&args).map(drop)
}

fn ip<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> Result<(), LabError> {
    run(&mut cmd("ip", args)).map(drop)
}

/// Root-namespace interface tuning: no IPv6 (no stray router solicitations), link up.
fn tune_root_if(name: &str, config: &LabConfig) -> Result<(), LabError> {
    if !config.ipv6 {
        let p = Path::new("/proc/sys/net/ipv6/conf")
            .join(name)
            .join("disable_ipv6");
        if p.exists() {
            std::fs::write(&p, "1").map_err(|e| LabError::io(&p, e))?;
        }
    }
    if config.disable_offload {
        run(&mut cmd("ethtool", ["-K", name, "tx", "off"]))?;
    }
    ip(["link", "set", "dev", name, "up"])
}

/// Creates the namespaces, veths and addresses of the hosts and the switch-to-switch veths,
/// then adds the switch ends to their bridges.
pub(crate) fn create_links(
    topo: &Topology,
    state: &LabState,
    config: &LabConfig,
) -> Result<(), LabError> {
    if config.disable_offload && !have_tool("ethtool") {
        return Err(LabError::ToolMissing {
            tool: "ethtool".into(),
            package: "ethtool".into(),
        });
    }
    let mut ports: Vec<(String, String, u32)> = Vec::new();
    let names = Names::new(&state.prefix)?;
    for h in &state.hosts {
        let veth = names.switch_port(bridge_switch(state, &h.bridge)?, h.port)?;
        ip(["netns", "add", &h.netns])?;
        let mut sysctl = vec!["netns", "exec", &h.netns, "sysctl", "-q", "-w"];
        if !config.ipv6 {
            sysctl.extend([
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ]);
            ip(&sysctl)?;
        }
        ip([
            "link", "add", &veth, "type", "veth", "peer", "name", &h.ifname, "netns", &h.netns,
        ])?;
        let addr = format!("{}/{}", h.ip, h.prefix);
        ip([
            "-n", &h.netns, "link", "set", "dev", &h.ifname, "address", &h.mac,
        ])?;
        ip(["-n", &h.netns, "addr", "add", &addr, "dev", &h.ifname])?;
        if config.disable_offload {
            ip([
                "netns", "exec", &h.netns, "ethtool", "-K", &h.ifname, "tx", "off",
            ])?;
        }
        ip(["-n", &h.netns, "link", "set", "dev", &h.ifname, "up"])?;
        ip(["-n", &h.netns, "link", "set", "dev", "lo", "up"])?;
        tune_root_if(&veth, config)?;
        ports.push((h.bridge.clone(), veth, h.port));
    }
    for l in &topo.links {
        let (sa, sb) = (switch_at(state, l.a.switch)?, switch_at(state, l.b.switch)?);
        let a = names.switch_port(&sa.name, l.a.port)?;
        let b = names.switch_port(&sb.name, l.b.port)?;
        ip(["link", "add", &a, "type", "veth", "peer", "name", &b])?;
        tune_root_if(&a, config)?;
        tune_root_if(&b, config)?;
        ports.push((sa.bridge.clone(), a, l.a.port));
        ports.push((sb.bridge.clone(), b, l.b.port));
    }
    add_ports(&state.ovs, &ports)
}

fn switch_at(state: &LabState, i: usize) -> Result<&SwitchState, LabError> {
    state
        .switches
        .get(i)
        .ok_or_else(|| LabError::Config(format!("no switch #{i}")))
}

fn bridge_switch<'a>(state: &'a LabState, bridge: &str) -> Result<&'a str, LabError> {
    state
        .switches
        .iter()
        .find(|s| s.bridge == bridge)
        .map(|s| s.name.as_str())
        .ok_or_else(|| LabError::Config(format!("no switch for bridge {bridge}")))
}
