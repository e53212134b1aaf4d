//! Captures golden OpenFlow vectors from real Open vSwitch.
//!
//! Starts a private ovsdb-server + ovs-vswitchd (userspace datapath), makes a bridge listen
//! for OpenFlow on 127.0.0.1, and records, frame by frame and in both directions, what
//! `ovs-ofctl -O OpenFlow10|13|14|15 …` and the bridge say to each other through a
//! recording proxy. A recording controller the bridge connects to captures what OVS sends
//! on its own (PACKET_IN, FLOW_REMOVED, PORT_STATUS). Each capture becomes one text file:
//! one frame per line as hex, each preceded by a comment naming version, direction and
//! command. `openflow/tests/golden.rs` reads them.
//!
//! Needs root and must run inside a network namespace of its own, with a second one for
//! the host end of a veth pair: `scripts/capture-golden.sh` sets that up and runs this.
//!
//! ```text
//! capture_golden --out openflow/tests/golden --host-netns vgolden-h1
//! ```

mod commands;
mod controller;
mod ovs;
mod proxy;
mod record;

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use commands::Cmd;
use controller::Controller;
use ovs::Ovs;
use record::{Frame, Log};

/// Errors are reported as text: this is a tool, not a library.
pub type Fail = String;

const BRIDGE: &str = "vgolden0";
const SWITCH_PORT: &str = "vg-s1";
const HOST_PORT: &str = "vg-h1";
/// Frames of one capture beyond this many bytes are left out (table features replies
/// run to a megabyte); the file says how many.
const BYTES_PER_CAPTURE: usize = 160 * 1024;
/// Frames over this size are stored at most [`LARGE_REPEATS`] times per version and kind
/// (message type, stats type): ovs-ofctl asks for the table features (1.3) or table stats
/// (1.0) before every flow command, and the answer is much the same each time.
const DEDUP_OVER: usize = 1024;
const LARGE_REPEATS: usize = 2;
const TIMEOUT: Duration = Duration::from_secs(20);

/// Runs a command; its stdout on success, a description of the failure otherwise.
pub fn run(c: &mut Command) -> Result<String, Fail> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{c:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

struct Args {
    out: PathBuf,
    host_netns: String,
}

fn args() -> Result<Args, Fail> {
    let mut a = Args {
        out: PathBuf::from("openflow/tests/golden"),
        host_netns: "vgolden-h1".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--out" => a.out = it.next().ok_or("--out needs a directory")?.into(),
            "--host-netns" => a.host_netns = it.next().ok_or("--host-netns needs a name")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("capture_golden: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), Fail> {
    let a = args()?;
    let run_dir = std::env::temp_dir().join(format!("viola-golden-{}", std::process::id()));
    let ovs = Ovs::start(&run_dir)?;
    let version = Ovs::version();
    eprintln!("{version} running in {}", run_dir.display());
    setup_bridge(&ovs, &a.host_netns)?;
    for (of, wire, sub) in [
        ("OpenFlow10", 0x01u8, "of10"),
        ("OpenFlow13", 0x04, "of13"),
        ("OpenFlow14", 0x05, "of14"),
        ("OpenFlow15", 0x06, "of15"),
    ] {
        let dir = a.out.join(sub);
        clear_dir(&dir)?;
        let mut session = Session {
            ovs: &ovs,
            of,
            wire,
            dir,
            version: version.clone(),
            n: 0,
            seen: Default::default(),
        };
        session.capture_all(&a.host_netns)?;
    }
    drop(ovs);
    let _ = Command::new("ip")
        .args(["link", "del", SWITCH_PORT])
        .status();
    let _ = std::fs::remove_dir_all(&run_dir);
    Ok(())
}

fn setup_bridge(ovs: &Ovs, host_ns: &str) -> Result<(), Fail> {
    ovs.vsctl(&[
        "add-br",
        BRIDGE,
        "--",
        "set",
        "bridge",
        BRIDGE,
        "datapath_type=netdev",
        "fail-mode=secure",
        "protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15",
        "other-config:datapath-id=0000000000000abc",
    ])?;
    let ip = |args: &[&str]| run(Command::new("ip").args(args));
    let in_host = |args: &[&str]| {
        run(Command::new("ip")
            .args(["netns", "exec", host_ns])
            .args(args))
    };
    ip(&[
        "link",
        "add",
        SWITCH_PORT,
        "type",
        "veth",
        "peer",
        "name",
        HOST_PORT,
        "netns",
        host_ns,
    ])?;
    // No IPv6 on the test link: router solicitations would add packet-ins at random times.
    in_host(&["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"])?;
    run(Command::new("sysctl").args([
        "-q",
        "-w",
        &format!("net.ipv6.conf.{SWITCH_PORT}.disable_ipv6=1"),
    ]))?;
    in_host(&[
        "ip",
        "link",
        "set",
        HOST_PORT,
        "address",
        "00:00:00:00:00:01",
    ])?;
    in_host(&["ip", "addr", "add", "10.0.0.1/8", "dev", HOST_PORT])?;
    in_host(&["ip", "link", "set", HOST_PORT, "up"])?;
    ip(&["link", "set", SWITCH_PORT, "up"])?;
    ovs.vsctl(&[
        "add-port",
        BRIDGE,
        SWITCH_PORT,
        "--",
        "set",
        "interface",
        SWITCH_PORT,
        "ofport_request=1",
    ])?;
    ovs.vsctl(&[
        "add-port",
        BRIDGE,
        "vg-p2",
        "--",
        "set",
        "interface",
        "vg-p2",
        "type=internal",
        "ofport_request=2",
    ])?;
    Ok(())
}

fn clear_dir(dir: &Path) -> Result<(), Fail> {
    std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    for e in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        if e.path().extension().is_some_and(|x| x == "txt") {
            std::fs::remove_file(e.path()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn free_port() -> Result<u16, Fail> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// The captures of one OpenFlow version.
struct Session<'a> {
    ovs: &'a Ovs,
    of: &'static str,
    wire: u8,
    dir: PathBuf,
    version: String,
    n: usize,
    /// How many large frames of each kind (version, type, stats type) are stored.
    seen: std::collections::HashMap<[u8; 4], usize>,
}

impl Session<'_> {
    fn capture_all(&mut self, host_ns: &str) -> Result<(), Fail> {
        let switch_port = free_port()?;
        let ctl_listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let ctl_port = ctl_listener.local_addr().map_err(|e| e.to_string())?.port();
        let ctl_log = Log::default();
        let ctl = Controller::start(ctl_listener, self.wire, ctl_log.clone());
        self.ovs.vsctl(&[
            "set-controller",
            BRIDGE,
            &format!("ptcp:{switch_port}:127.0.0.1"),
            &format!("tcp:127.0.0.1:{ctl_port}"),
        ])?;
        ctl.wait_ready(TIMEOUT)?;
        let upstream: SocketAddr = format!("127.0.0.1:{switch_port}")
            .parse()
            .map_err(|e| format!("{e}"))?;
        // The bridge opens its listener asynchronously: wait until it accepts.
        drop(proxy::connect_retrying(
            upstream,
            std::time::Instant::now() + TIMEOUT,
        )?);
        self.controller_requests(&ctl)?;

        let list = if self.wire == 1 {
            commands::of10()
        } else {
            commands::of13()
        };
        for cmd in &list {
            self.ofctl(cmd, upstream)?;
        }
        self.async_events(&ctl, upstream, host_ns)?;
        sleep(Duration::from_millis(500));
        ctl.stop();
        self.ovs.vsctl(&["del-controller", BRIDGE])?;
        self.write(
            "controller-session",
            "the bridge as switch, connected to this tool's recording controller \
             (capture-tool frames are hand-built requests, not OVS output)",
            ctl_log.take(),
        )
    }

    /// Requests no ovs-ofctl command sends; the replies are OVS's.
    fn controller_requests(&self, ctl: &Controller) -> Result<(), Fail> {
        let pause = || sleep(Duration::from_millis(200));
        // SET_CONFIG: flags 0, miss_send_len 0xffff (whole packets).
        ctl.send(0x09, 10, &[0x00, 0x00, 0xff, 0xff])?;
        ctl.send(0x07, 11, &[])?; // GET_CONFIG_REQUEST
        if self.wire == 1 {
            ctl.send(0x10, 12, &[0x00, 0x00, 0x00, 0x00])?; // STATS_REQUEST desc
            ctl.send(0x10, 13, &[0x77, 0x77, 0x00, 0x00])?; // undefined stats type: ERROR
            ctl.send(0x12, 14, &[])?; // BARRIER_REQUEST
        } else {
            // ROLE_REQUEST: EQUAL, generation 0.
            ctl.send(0x18, 12, &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])?;
            ctl.send(0x1a, 13, &[])?; // GET_ASYNC_REQUEST
                                      // SET_ASYNC: packet-in master NO_MATCH|ACTION, slave none; port-status all/all;
                                      // flow-removed master all, slave none.
            let mut body = Vec::new();
            if self.wire == 4 {
                for w in [0x3u32, 0x0, 0x7, 0x7, 0xf, 0x0] {
                    body.extend_from_slice(&w.to_be_bytes());
                }
            } else {
                // 1.4+: the same masks as properties (type, length 8, mask): packet-in
                // master 1 / slave 0, port-status master 3 / slave 2, flow-removed 5 / 4.
                for (t, w) in [
                    (1u16, 0x3u32),
                    (0, 0x0),
                    (3, 0x7),
                    (2, 0x7),
                    (5, 0xf),
                    (4, 0x0),
                ] {
                    body.extend_from_slice(&t.to_be_bytes());
                    body.extend_from_slice(&8u16.to_be_bytes());
                    body.extend_from_slice(&w.to_be_bytes());
                }
            }
            ctl.send(0x1c, 14, &body)?;
            ctl.send(0x1a, 15, &[])?; // GET_ASYNC_REQUEST again
            ctl.send(0x12, 16, &[0x00, 0x00, 0, 0, 0, 0, 0, 0])?; // MULTIPART desc
            if self.wire <= 5 {
                ctl.send(0x12, 17, &[0x00, 0x0d, 0, 0, 0, 0, 0, 0])?; // MULTIPART port desc
            } else {
                // 1.5's port desc request names a port: ANY.
                let body = [
                    0x00, 0x0d, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
                ];
                ctl.send(0x12, 17, &body)?;
            }
            ctl.send(0x12, 18, &[0x77, 0x77, 0, 0, 0, 0, 0, 0])?; // undefined type: ERROR
            ctl.send(0x14, 19, &[])?; // BARRIER_REQUEST
        }
        ctl.send(0x30, 20, &[0xde, 0xad])?; // undefined message type: ERROR BAD_TYPE
        pause();
        Ok(())
    }

    /// Traffic and table changes that make OVS speak first.
    fn async_events(
        &mut self,
        ctl: &Controller,
        upstream: SocketAddr,
        host_ns: &str,
    ) -> Result<(), Fail> {
        let add = |f: &str| Cmd {
            cmd: "add-flow",
            args: vec![f.to_string()],
            opts: vec![],
            expect_error: false,
        };
        if self.wire >= 4 {
            // OpenFlow 1.3 and later drop table misses: a table-miss entry sends them up instead.
            self.ofctl(&add("priority=0,actions=CONTROLLER:65535"), upstream)?;
        }
        let ping = |n: &str| {
            let _ = Command::new("ip")
                .args([
                    "netns", "exec", host_ns, "ping", "-c", n, "-i", "0.3", "-W", "1", "10.0.0.2",
                ])
                .output();
        };
        ping("1"); // ARP request for 10.0.0.2: a table miss.
        run(Command::new("ip").args([
            "netns",
            "exec",
            host_ns,
            "ip",
            "neigh",
            "replace",
            "10.0.0.2",
            "lladdr",
            "00:00:00:00:00:02",
            "dev",
            HOST_PORT,
        ]))?;
        ping("2"); // ICMP echo requests: table misses.
                   // PACKET_OUT to the controller: reason ACTION.
        let po = format!(
            "in_port=LOCAL,packet={},actions=controller",
            commands::ARP_FRAME
        );
        self.ofctl(
            &Cmd {
                cmd: "packet-out",
                args: vec![po],
                opts: vec![],
                expect_error: false,
            },
            upstream,
        )?;
        // A rule sending 64 bytes of each IPv4 packet: PACKET_IN with data shorter than
        // total_len.
        self.ofctl(
            &add("priority=65000,in_port=1,ip,actions=controller:64"),
            upstream,
        )?;
        ping("1");
        // `ip neigh flush` keeps permanent entries: delete it by name.
        run(Command::new("ip").args([
            "netns", "exec", host_ns, "ip", "neigh", "del", "10.0.0.2", "dev", HOST_PORT,
        ]))?;
        // FLOW_REMOVED: one hard timeout, one deletion.
        self.ofctl(
            &add("priority=9,in_port=9,hard_timeout=1,send_flow_rem,actions=drop"),
            upstream,
        )?;
        self.ofctl(
            &add("cookie=0x77,priority=8,in_port=9,tcp,send_flow_rem,actions=output:1"),
            upstream,
        )?;
        sleep(Duration::from_millis(2500));
        let del = Cmd {
            cmd: "del-flows",
            args: vec![],
            opts: vec![],
            expect_error: false,
        };
        self.ofctl(&del, upstream)?;
        // PORT_STATUS: a port comes and goes.
        self.ovs.vsctl(&[
            "add-port",
            BRIDGE,
            "vg-p9",
            "--",
            "set",
            "interface",
            "vg-p9",
            "type=internal",
            "ofport_request=9",
        ])?;
        sleep(Duration::from_millis(700));
        self.ovs.vsctl(&["del-port", BRIDGE, "vg-p9"])?;
        sleep(Duration::from_millis(700));
        let _ = ctl;
        Ok(())
    }

    /// Runs one ovs-ofctl command through a recording proxy and stores the conversation.
    fn ofctl(&mut self, cmd: &Cmd, upstream: SocketAddr) -> Result<(), Fail> {
        let proxy = proxy::Proxy::bind(upstream)?;
        let target = format!("tcp:127.0.0.1:{}", proxy.port()?);
        let mut c = Command::new("ovs-ofctl");
        c.args(["-O", self.of, "--timeout=20"]);
        for o in &cmd.opts {
            c.args(o.split_whitespace());
        }
        c.arg(cmd.cmd).arg(&target).args(&cmd.args);
        let child = c
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = child.spawn().map_err(|e| format!("ovs-ofctl: {e}"))?;
        let log = Log::default();
        let session = proxy.serve(log.clone())?;
        let out = child
            .wait_with_output()
            .map_err(|e| format!("ovs-ofctl: {e}"))?;
        let line = cmd.describe(self.of);
        let outcome = session.finish();
        if let Some(e) = outcome.errors.first() {
            return Err(format!("{line}: proxy: {e}"));
        }
        if outcome.connections == 0 {
            return Err(format!("{line}: ovs-ofctl never connected"));
        }
        let leftover = outcome.leftover;
        if out.status.success() == cmd.expect_error {
            return Err(format!(
                "{line}: exit {} (expected {}): {}",
                out.status,
                if cmd.expect_error {
                    "failure"
                } else {
                    "success"
                },
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if leftover != 0 {
            return Err(format!("{line}: {leftover} bytes of an incomplete frame"));
        }
        self.write(&cmd.slug(), &line, log.take())
    }

    fn write(&mut self, slug: &str, what: &str, frames: Vec<Frame>) -> Result<(), Fail> {
        self.n += 1;
        let ver = match self.wire {
            1 => "1.0",
            4 => "1.3",
            5 => "1.4",
            _ => "1.5",
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Golden OpenFlow {ver} vectors captured from {}.",
            self.version
        );
        let _ = writeln!(
            s,
            "# Regenerate with scripts/capture-golden.sh; do not edit by hand."
        );
        let _ = writeln!(s, "# capture: {what}");
        let mut budget = BYTES_PER_CAPTURE;
        let (mut left_out, mut left_bytes) = (0usize, 0usize);
        let mut repeated = 0usize;
        for f in &frames {
            if f.bytes.len() > DEDUP_OVER {
                let b = |i: usize| f.bytes.get(i).copied().unwrap_or(0);
                let stored = self.seen.entry([b(0), b(1), b(8), b(9)]).or_default();
                if *stored >= LARGE_REPEATS {
                    repeated += 1;
                    continue;
                }
                *stored += 1;
            }
            if f.bytes.len() > budget {
                left_out += 1;
                left_bytes += f.bytes.len();
                continue;
            }
            budget -= f.bytes.len();
            let fv = match f.bytes.first() {
                Some(1) => "of1.0".to_string(),
                Some(4) => "of1.3".to_string(),
                Some(v) => format!("ofp-version-0x{v:02x}"),
                None => "empty".to_string(),
            };
            let _ = writeln!(s, "# {fv} {} {what}", f.direction);
            for b in &f.bytes {
                let _ = write!(s, "{b:02x}");
            }
            s.push('\n');
        }
        if repeated > 0 {
            let _ = writeln!(
                s,
                "# {repeated} large frames of a kind stored by earlier captures left out"
            );
        }
        if left_out > 0 {
            let _ = writeln!(
                s,
                "# {left_out} further frames ({left_bytes} bytes) not stored"
            );
        }
        let path = self.dir.join(format!("{:03}-{slug}.txt", self.n));
        std::fs::write(&path, s).map_err(|e| format!("write {}: {e}", path.display()))?;
        eprintln!(
            "{} ({} frames)",
            path.display(),
            frames.len() - left_out - repeated
        );
        Ok(())
    }
}
