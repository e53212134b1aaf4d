//! Mininet as a user runs it, against Viola: `mn --switch ovs,datapath=user,protocols=P
//! --controller remote,ip=127.0.0.1,port=PORT --topo T --test pingall` with the controller
//! in-process (the registry's `topology,l2-learning`, as `viola run` builds it), for
//! tree,depth=2,fanout=2 and tree,depth=2,fanout=3 over OpenFlow 1.3, linear,4 over OpenFlow
//! 1.0, and torus,3,3 (loops) over both. Mininet must
//! print "0% dropped", and the packet-ins prove Viola did the forwarding (the bridges are in
//! secure fail mode). scripts/suites/20-mininet-viola.sh does the same with the `viola run`
//! binary.
//!
//! Needs root, Mininet and Open vSwitch; FAILS with the reason when one is missing. Mininet
//! wants the OVS daemons on Debian's default paths: if they run already (the machine's own
//! OVS), the test uses them in this namespace; if not, it runs in a fresh network namespace
//! (one userspace-datapath ovs-vswitchd per namespace) where it starts them with
//! scripts/ovs-default.sh and stops them afterwards. `mn -c` (run only after a failure)
//! deletes /tmp/*.log and /tmp/*.out, so nothing of ours lives there.

mod net_support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use net_support::{figure, Viola};
use viola_lab::isolate::{self, in_isolated_netns, require_environment};
use viola_lab::Ovs;

const MN_TOOLS: &[&str] = &["mn", "ovs-vsctl", "ovs-vswitchd", "ovsdb-server", "ip"];

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/ovs-default.sh")
}

/// OVS daemons on the default paths for the test's lifetime; stopped on drop only if we
/// started them.
struct DefaultOvs {
    started: bool,
}

impl DefaultOvs {
    fn ensure() -> DefaultOvs {
        if Ovs::system().is_up() {
            return DefaultOvs { started: false };
        }
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .output()
            .expect("run scripts/ovs-default.sh");
        assert!(
            out.status.success(),
            "scripts/ovs-default.sh start failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            Ovs::system().is_up(),
            "OVS daemons on the default paths do not answer after start"
        );
        DefaultOvs { started: true }
    }
}

impl Drop for DefaultOvs {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new("bash").arg(script()).arg("stop").output();
        }
    }
}

fn mn_clean() {
    let _ = Command::new("mn")
        .arg("-c")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The percentage on Mininet's `*** Results: N% dropped (R/S received)` line.
fn dropped_percent(output: &str) -> Option<u32> {
    let line = output.lines().find(|l| l.contains("*** Results:"))?;
    let after = line.split("*** Results:").nth(1)?.trim_start();
    after.split('%').next()?.trim().parse().ok()
}

/// Runs `body` where Mininet can use default-path OVS daemons: here if the machine's own
/// OVS runs, else in a fresh network namespace.
fn with_default_ovs(name: &str, body: fn()) {
    if in_isolated_netns() {
        body();
        return;
    }
    if Ovs::system().is_up() {
        let _g = isolate::serial();
        // `mn` kills controllers it does not know and the lab tests share the machine.
        let lock = std::fs::File::create(isolate::LOCK_FILE).expect("create the lock file");
        lock.lock().expect("lock the lab tests' lock file");
        require_environment(MN_TOOLS);
        body();
        return;
    }
    isolate::isolated_with(name, MN_TOOLS, body);
}

fn run_mininet(topo: &str, protocols: &str, pairs: usize) {
    let _ovs = DefaultOvs::ensure();
    let viola = Viola::start("topology,l2-learning");
    let port = viola.of_addr.port();
    let t = Instant::now();
    let out = Command::new("timeout")
        .args(["300", "mn", "--switch"])
        .arg(format!("ovs,datapath=user,protocols={protocols}"))
        .arg("--controller")
        .arg(format!("remote,ip=127.0.0.1,port={port}"))
        .args(["--topo", topo, "--test", "pingall"])
        .stdin(Stdio::null())
        .output()
        .expect("run mn");
    let took = t.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        mn_clean();
    }
    assert!(out.status.success(), "mn failed ({}):\n{text}", out.status);
    assert_eq!(
        dropped_percent(&text),
        Some(0),
        "Mininet pingall against Viola did not get 0% dropped:\n{text}"
    );
    assert!(
        text.contains(&format!("({pairs}/{pairs} received)")),
        "{text}"
    );
    let pis = viola.data_packet_ins();
    assert!(
        pis > 0,
        "Viola saw no packet-in: something else forwarded Mininet's pings:\n{text}"
    );
    figure(format_args!(
        "mn --topo {topo} {protocols} against Viola: 0% dropped ({pairs}/{pairs}), \
         mn ran {:.1}s, {pis} packet-ins (LLDP aside), {} LLDP",
        took.as_secs_f64(),
        viola.lldp_received()
    ));
}

fn tree_body() {
    run_mininet("tree,depth=2,fanout=2", "OpenFlow13", 12);
}

fn linear_body() {
    run_mininet("linear,4", "OpenFlow10", 12);
}

fn tree_2_3_body() {
    run_mininet("tree,depth=2,fanout=3", "OpenFlow13", 72);
}

/// A topology with loops: a plain learning switch storms here; the spanning tree must hold.
fn torus_of13_body() {
    run_mininet("torus,3,3", "OpenFlow13", 72);
}

fn torus_of10_body() {
    run_mininet("torus,3,3", "OpenFlow10", 72);
}

#[test]
fn mininet_tree_2_3_of13_pingall_against_viola() {
    with_default_ovs("mininet_tree_2_3_of13_pingall_against_viola", tree_2_3_body);
}

#[test]
fn mininet_torus_3_3_of13_pingall_against_viola() {
    with_default_ovs(
        "mininet_torus_3_3_of13_pingall_against_viola",
        torus_of13_body,
    );
}

#[test]
fn mininet_torus_3_3_of10_pingall_against_viola() {
    with_default_ovs(
        "mininet_torus_3_3_of10_pingall_against_viola",
        torus_of10_body,
    );
}

#[test]
fn mininet_tree_2_2_of13_pingall_against_viola() {
    with_default_ovs("mininet_tree_2_2_of13_pingall_against_viola", tree_body);
}

#[test]
fn mininet_linear_4_of10_pingall_against_viola() {
    with_default_ovs("mininet_linear_4_of10_pingall_against_viola", linear_body);
}

#[test]
fn results_line_parsing() {
    assert_eq!(
        dropped_percent("*** Results: 0% dropped (12/12 received)\n"),
        Some(0)
    );
    assert_eq!(
        dropped_percent("x\n*** Results: 100% dropped (0/12 received)\n"),
        Some(100)
    );
    assert_eq!(dropped_percent("no results"), None);
}
