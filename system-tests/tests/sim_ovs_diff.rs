//! Differential test: the simulated flow table against real Open vSwitch. The same flows go
//! into a private OVS bridge (through `ovs-ofctl`) and into a [`FlowTable`]; the same frames
//! are traced through both (`ovs-appctl ofproto/trace` with the packet's bytes) and the
//! output ports must agree.
//!
//! Needs root and Open vSwitch; it FAILS (never skips) when they are missing. The private
//! `ovs-vswitchd` runs inside its own network namespace, so its userspace datapath (the
//! `ovs-netdev` tap device) cannot clash with any other OVS instance on the machine.
//! OVS's LOCAL port (the bridge's own interface) has no counterpart in the simulator and is
//! left out of the comparison.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use openflow::{port, Action, FlowMod, Instruction, MacAddr, Match, OxmField, Version};
use viola_sim::{build, frame, FlowTable, Output, PortFlags};

const SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

fn run(c: &mut Command) -> Result<String, String> {
    let what = format!("{c:?}");
    let out = c.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A private ovsdb-server + ovs-vswitchd (the latter in a network namespace of its own),
/// stopped and removed on drop.
struct PrivateOvs {
    dir: PathBuf,
    netns: String,
}

impl PrivateOvs {
    fn start() -> Result<PrivateOvs, String> {
        let uid = run(Command::new("id").arg("-u"))?;
        if uid.trim() != "0" {
            return Err("needs root (network namespace and OVS daemons)".into());
        }
        if !Path::new(SCHEMA).exists() {
            return Err(format!("{SCHEMA} missing: install openvswitch-switch"));
        }
        let dir = std::env::temp_dir().join(format!("viola-simdiff-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let netns = format!("vsimdiff{}", std::process::id());
        let ovs = PrivateOvs {
            dir: dir.clone(),
            netns: netns.clone(),
        };
        let d = dir.display().to_string();
        run(Command::new("ovsdb-tool").args(["create", &format!("{d}/conf.db"), SCHEMA]))?;
        run(Command::new("ovsdb-server").args([
            format!("{d}/conf.db"),
            format!("--remote=punix:{d}/db.sock"),
            format!("--pidfile={d}/ovsdb-server.pid"),
            format!("--unixctl={d}/ovsdb-server.ctl"),
            format!("--log-file={d}/ovsdb-server.log"),
            "--detach".into(),
            "--no-chdir".into(),
        ]))?;
        ovs.vsctl(&["--no-wait", "init"])?;
        run(Command::new("ip").args(["netns", "add", &netns]))?;
        run(Command::new("ip")
            .args(["netns", "exec", &netns, "env"])
            .arg(format!("OVS_RUNDIR={d}"))
            .args([
                "ovs-vswitchd".to_string(),
                format!("unix:{d}/db.sock"),
                format!("--pidfile={d}/ovs-vswitchd.pid"),
                format!("--unixctl={d}/ovs-vswitchd.ctl"),
                format!("--log-file={d}/ovs-vswitchd.log"),
                "--detach".into(),
                "--no-chdir".into(),
            ]))?;
        Ok(ovs)
    }

    fn vsctl(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new("ovs-vsctl")
            .arg(format!("--db=unix:{}/db.sock", self.dir.display()))
            .arg("--timeout=20")
            .args(args))
    }

    fn ofctl(
        &self,
        version: &str,
        bridge: &str,
        command: &str,
        arg: &str,
    ) -> Result<String, String> {
        run(Command::new("ovs-ofctl")
            .args(["-O", version, command])
            .arg(format!("unix:{}/{bridge}.mgmt", self.dir.display()))
            .arg(arg))
    }

    fn appctl(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new("ovs-appctl")
            .arg("-t")
            .arg(self.dir.join("ovs-vswitchd.ctl"))
            .args(args))
    }

    /// A bridge with internal ports 1..=n (ofport = n), speaking `protocols`.
    fn bridge(&self, name: &str, protocols: &str, n: u32) -> Result<(), String> {
        let mut args: Vec<String> = vec![
            "add-br".into(),
            name.into(),
            "--".into(),
            "set".into(),
            "bridge".into(),
            name.into(),
            "datapath_type=netdev".into(),
            "fail-mode=secure".into(),
            format!("protocols={protocols}"),
        ];
        for p in 1..=n {
            let ifname = format!("{name}p{p}");
            args.extend(
                [
                    "--",
                    "add-port",
                    name,
                    &ifname,
                    "--",
                    "set",
                    "interface",
                    &ifname,
                ]
                .map(String::from),
            );
            args.push("type=internal".into());
            args.push(format!("ofport_request={p}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.vsctl(&refs)?;
        // Wait until the bridge's management socket answers.
        let start = Instant::now();
        while !self.dir.join(format!("{name}.mgmt")).exists() {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(format!(
                    "bridge {name} did not come up; see {}/ovs-vswitchd.log",
                    self.dir.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Datapath port number → OpenFlow port number of `bridge` (from `dpif/show`).
    fn odp_map(&self, bridge: &str) -> Result<HashMap<u32, u32>, String> {
        let text = self.appctl(&["dpif/show"])?;
        let mut map = HashMap::new();
        let mut in_bridge = false;
        for line in text.lines() {
            let t = line.trim();
            if t.ends_with(':') && !t.contains(' ') {
                in_bridge = t.trim_end_matches(':') == bridge;
                continue;
            }
            if !in_bridge {
                continue;
            }
            // "NAME OFPORT/ODPPORT: (type)"
            let Some(nums) = t.split_whitespace().nth(1) else {
                continue;
            };
            let nums = nums.trim_end_matches(':');
            if let Some((of, odp)) = nums.split_once('/') {
                if let (Ok(of), Ok(odp)) = (of.parse(), odp.parse()) {
                    map.insert(odp, of);
                }
            }
        }
        Ok(map)
    }

    /// Output ports OVS chooses for `frame` arriving on `in_port` ("CONTROLLER" for a
    /// packet-in), sorted, LOCAL left out.
    fn trace(
        &self,
        bridge: &str,
        odp: &HashMap<u32, u32>,
        in_port: u32,
        frame: &[u8],
    ) -> Result<Vec<String>, String> {
        let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
        let text = self.appctl(&["ofproto/trace", bridge, &format!("in_port={in_port}"), &hex])?;
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("Datapath actions: "))
            .ok_or_else(|| format!("no datapath actions in trace:\n{text}"))?;
        let mut out = Vec::new();
        if line.trim() == "drop" {
            return Ok(out);
        }
        // Split on commas outside parentheses.
        let mut depth = 0;
        let mut cur = String::new();
        let mut parts = Vec::new();
        for ch in line.chars() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(ch);
        }
        parts.push(cur);
        for p in parts {
            let p = p.trim();
            if p.starts_with("userspace(") && p.contains("controller(") {
                out.push("CONTROLLER".to_string());
            } else if let Ok(n) = p.parse::<u32>() {
                match odp.get(&n) {
                    Some(&0xfffe) => {} // LOCAL
                    Some(&of) => out.push(of.to_string()),
                    None => return Err(format!("unknown datapath port {n} in `{line}`")),
                }
            }
            // Header rewrites (set(...), push_vlan(...), pop_vlan) are not outputs.
        }
        out.sort();
        Ok(out)
    }
}

/// A minimal OpenFlow 1.0 controller on a Unix socket: HELLO, then echo replies. OVS
/// sends 1.0 table misses to the controller only while a pre-1.3 controller is connected,
/// which is the behaviour the simulated switch models.
fn unix_controller(path: &Path) -> Result<(), String> {
    use std::io::{Read, Write};
    let l = std::os::unix::net::UnixListener::bind(path)
        .map_err(|e| format!("bind {}: {e}", path.display()))?;
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        let _ = s.write_all(&[0x01, 0x00, 0x00, 0x08, 0, 0, 0, 1]);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let Ok(n) = s.read(&mut chunk) else { return };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            while buf.len() >= 8 {
                let len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
                if len < 8 || buf.len() < len {
                    break;
                }
                let msg: Vec<u8> = buf.drain(..len).collect();
                if msg[1] == 0x02 {
                    let mut reply = msg.clone();
                    reply[1] = 0x03;
                    let _ = s.write_all(&reply);
                }
            }
        }
    });
    Ok(())
}

impl Drop for PrivateOvs {
    fn drop(&mut self) {
        for daemon in ["ovs-vswitchd", "ovsdb-server"] {
            if let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("{daemon}.pid"))) {
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn mac(n: u64) -> MacAddr {
    MacAddr::from_u64(n)
}

/// Frames to trace: (description, frame).
fn frames() -> Vec<(&'static str, Vec<u8>)> {
    let udp = |d: u64, src: &str, dst: &str, dport: u16| {
        build::udp(mac(1), mac(d), ip(src), ip(dst), 1000, dport, b"data")
    };
    let mut tagged = udp(2, "10.0.0.1", "10.0.0.2", 5000);
    frame::push_vlan(&mut tagged, 0x8100);
    frame::set_field(&mut tagged, &OxmField::VlanVid(0x1000 | 10, None));
    let mut tagged20 = udp(2, "10.0.0.1", "10.0.0.2", 5000);
    frame::push_vlan(&mut tagged20, 0x8100);
    frame::set_field(&mut tagged20, &OxmField::VlanVid(0x1000 | 20, None));
    let mut from_13 = udp(3, "10.0.0.1", "10.9.0.2", 5000);
    frame::set_field(&mut from_13, &OxmField::EthSrc(mac(0x13), None));
    let mut lldp = vec![0x01, 0x80, 0xc2, 0, 0, 0x0e, 0, 0, 0, 0, 0, 1, 0x88, 0xcc];
    lldp.resize(60, 0);
    vec![
        ("udp to mac 2", udp(2, "10.0.0.1", "10.0.0.2", 5000)),
        ("udp to 10.0.0.7", udp(3, "10.0.0.1", "10.0.0.7", 5000)),
        ("udp to 10.0.0.99", udp(3, "10.0.0.1", "10.0.0.99", 5000)),
        ("udp to 10.2.0.1", udp(3, "10.0.0.1", "10.2.0.1", 5000)),
        ("dns from 10.1/16", udp(3, "10.1.2.3", "10.2.0.1", 53)),
        ("dns from elsewhere", udp(3, "10.3.2.3", "10.2.0.1", 53)),
        (
            "tcp 80",
            build::tcp_syn(mac(1), mac(3), ip("10.5.0.1"), ip("10.6.0.1"), 40000, 80),
        ),
        (
            "tcp 22",
            build::tcp_syn(mac(1), mac(3), ip("10.5.0.1"), ip("10.6.0.1"), 40000, 22),
        ),
        (
            "tcp 443",
            build::tcp_syn(mac(1), mac(3), ip("10.5.0.1"), ip("10.6.0.1"), 40000, 443),
        ),
        (
            "arp request",
            build::arp(
                build::ARP_REQUEST,
                mac(1),
                ip("10.0.0.1"),
                MacAddr::ZERO,
                ip("10.0.0.2"),
            ),
        ),
        (
            "icmp echo",
            build::icmp_echo(
                mac(1),
                mac(3),
                ip("10.0.0.1"),
                ip("10.8.0.1"),
                8,
                1,
                1,
                b"x",
            ),
        ),
        ("vlan 10", tagged),
        ("vlan 20", tagged20),
        ("src mac 0x13", from_13),
        ("lldp", lldp),
    ]
}

/// (ovs-ofctl flow, the same flow as a FlowMod) for OpenFlow 1.3.
fn flows_13() -> Vec<(&'static str, FlowMod)> {
    let out = |p: u32| Action::output(p);
    let ipm = || Match::new().eth_type(0x0800);
    vec![
        (
            "priority=100,in_port=1,dl_dst=00:00:00:00:00:02,actions=output:2",
            FlowMod::add(Match::new().in_port(1).eth_dst(mac(2)))
                .priority(100)
                .actions(vec![out(2)]),
        ),
        (
            "priority=95,ip,nw_dst=10.0.0.7,actions=output:4",
            FlowMod::add(ipm().ipv4_dst(ip("10.0.0.7")))
                .priority(95)
                .actions(vec![out(4)]),
        ),
        (
            "priority=90,ip,nw_dst=10.0.0.0/24,actions=output:3",
            FlowMod::add(ipm().ipv4_dst_masked(ip("10.0.0.0"), ip("255.255.255.0")))
                .priority(90)
                .actions(vec![out(3)]),
        ),
        (
            "priority=99,tcp,tp_dst=22,actions=mod_dl_dst:00:00:00:00:00:09,output:3",
            FlowMod::add(ipm().ip_proto(6).tcp_dst(22))
                .priority(99)
                .actions(vec![
                    Action::SetField(OxmField::EthDst(mac(9), None)),
                    out(3),
                ]),
        ),
        (
            "priority=80,tcp,tp_dst=80,actions=output:1,output:2",
            FlowMod::add(ipm().ip_proto(6).tcp_dst(80))
                .priority(80)
                .actions(vec![out(1), out(2)]),
        ),
        (
            "priority=85,udp,nw_src=10.1.0.0/16,tp_dst=53,actions=IN_PORT",
            FlowMod::add(
                ipm()
                    .ipv4_src_masked(ip("10.1.0.0"), ip("255.255.0.0"))
                    .ip_proto(17)
                    .udp_dst(53),
            )
            .priority(85)
            .actions(vec![out(port::IN_PORT)]),
        ),
        (
            "priority=70,arp,actions=FLOOD",
            FlowMod::add(Match::new().eth_type(0x0806))
                .priority(70)
                .actions(vec![out(port::FLOOD)]),
        ),
        (
            "priority=65,icmp,icmp_type=8,actions=output:2,output:4",
            FlowMod::add(ipm().ip_proto(1).icmpv4_type(8))
                .priority(65)
                .actions(vec![out(2), out(4)]),
        ),
        (
            "priority=60,dl_src=00:00:00:00:00:10/ff:ff:ff:ff:ff:f0,actions=output:4",
            FlowMod::add(
                Match::new()
                    .eth_src_masked(mac(0x10), MacAddr([0xff, 0xff, 0xff, 0xff, 0xff, 0xf0])),
            )
            .priority(60)
            .actions(vec![out(4)]),
        ),
        (
            "priority=97,dl_vlan=10,actions=pop_vlan,output:3",
            FlowMod::add(Match::new().vlan_vid(0x1000 | 10))
                .priority(97)
                .actions(vec![Action::PopVlan, out(3)]),
        ),
        (
            "priority=40,in_port=2,actions=ALL",
            FlowMod::add(Match::new().in_port(2))
                .priority(40)
                .actions(vec![out(port::ALL)]),
        ),
        (
            "priority=45,in_port=4,actions=goto_table:1",
            FlowMod::add(Match::new().in_port(4))
                .priority(45)
                .instructions(vec![Instruction::GotoTable(1)]),
        ),
        (
            "table=1,priority=10,ip,actions=output:2",
            FlowMod::add(ipm())
                .table(1)
                .priority(10)
                .actions(vec![out(2)]),
        ),
        (
            "table=1,priority=5,actions=CONTROLLER:65535",
            FlowMod::add(Match::new())
                .table(1)
                .priority(5)
                .actions(vec![out(port::CONTROLLER)]),
        ),
        (
            "priority=30,in_port=3,actions=drop",
            FlowMod::add(Match::new().in_port(3)).priority(30),
        ),
        (
            "priority=20,dl_type=0x88cc,actions=CONTROLLER:65535",
            FlowMod::add(Match::new().eth_type(0x88cc))
                .priority(20)
                .actions(vec![out(port::CONTROLLER)]),
        ),
    ]
}

/// The 1.0 flows (no goto, no masked MAC in 1.0's match) and no catch-all: misses go to
/// the controller.
fn flows_10() -> Vec<(&'static str, FlowMod)> {
    flows_13()
        .into_iter()
        .filter(|(s, _)| !s.contains("goto") && !s.contains("table=1") && !s.contains("ff:f0"))
        .collect()
}

fn sim_ports(out: &[Output]) -> Vec<String> {
    let mut v: Vec<String> = out
        .iter()
        .map(|o| match o {
            Output::Port { port, .. } => port.to_string(),
            Output::Controller { .. } => "CONTROLLER".to_string(),
        })
        .collect();
    v.sort();
    v
}

fn differential(
    ovs: &PrivateOvs,
    bridge: &str,
    protocols: &str,
    ofver: &str,
    v: Version,
    flows: Vec<(&str, FlowMod)>,
) {
    const PORTS: u32 = 4;
    ovs.bridge(bridge, protocols, PORTS)
        .unwrap_or_else(|e| panic!("cannot create OVS bridge: {e}"));
    let odp = ovs.odp_map(bridge).unwrap();
    if v == Version::V1_0 {
        let sock = ovs.dir.join(format!("{bridge}-controller.sock"));
        unix_controller(&sock).unwrap();
        ovs.vsctl(&[
            "set-controller",
            bridge,
            &format!("unix:{}", sock.display()),
        ])
        .unwrap();
        // Wait until OVS treats misses as packet-ins (the controller connection is up).
        // No 1.0 flow matches this UDP datagram from port 1: a table miss.
        let miss = frames()
            .into_iter()
            .find(|(n, _)| *n == "udp to 10.2.0.1")
            .map(|(_, f)| f)
            .unwrap();
        let start = Instant::now();
        while ovs.trace(bridge, &odp, 1, &miss).unwrap() != vec!["CONTROLLER".to_string()] {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "OVS never connected to the test controller"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let mut table = FlowTable::new(v);
    for p in 1..=PORTS {
        table.set_port(
            p,
            PortFlags {
                live: true,
                no_flood: false,
            },
        );
    }
    for (text, fm) in &flows {
        ovs.ofctl(ofver, bridge, "add-flow", text)
            .unwrap_or_else(|e| panic!("ovs-ofctl add-flow {text}: {e}"));
        table
            .flow_mod(fm)
            .unwrap_or_else(|e| panic!("sim refused {text}: {e}"));
    }
    let mut mismatches = Vec::new();
    let mut outcomes = std::collections::BTreeSet::new();
    let mut cases = 0;
    for (name, f) in frames() {
        for in_port in 1..=PORTS {
            let want = ovs
                .trace(bridge, &odp, in_port, &f)
                .unwrap_or_else(|e| panic!("trace: {e}"));
            let got = sim_ports(&table.apply(in_port, &f));
            cases += 1;
            outcomes.insert(want.clone());
            if want != got {
                mismatches.push(format!(
                    "{name} in_port={in_port}: ovs {want:?} sim {got:?}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The comparison must have covered distinct behaviours, not only drops.
    assert!(
        outcomes.len() >= 6,
        "too few distinct outcomes: {outcomes:?}"
    );
}

#[test]
fn flow_table_agrees_with_open_vswitch() {
    let ovs =
        PrivateOvs::start().unwrap_or_else(|e| panic!("cannot start a private Open vSwitch: {e}"));
    differential(
        &ovs,
        "vsd13",
        "OpenFlow13",
        "OpenFlow13",
        Version::V1_3,
        flows_13(),
    );
    differential(
        &ovs,
        "vsd10",
        "OpenFlow10",
        "OpenFlow10",
        Version::V1_0,
        flows_10(),
    );
}
