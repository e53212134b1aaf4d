//! Mininet as a user runs it: `mn --switch ovs,datapath=user,protocols=OpenFlow13
//! --controller remote,… --topo tree,depth=2,fanout=2 --test pingall` against a controller on
//! 127.0.0.1. For now the controller is `ovs-testcontroller` (a learning switch); the lead
//! swaps in `viola run` once it exists.
//!
//! Needs root, Mininet, Open vSwitch and ovs-testcontroller; FAILS with the reason when one
//! is missing. Mininet wants the OVS daemons on Debian's default paths: if they run, the test
//! uses them; if not, it starts them with scripts/ovs-default.sh inside a fresh network
//! namespace (one userspace-datapath ovs-vswitchd per namespace) and stops them afterwards.
//! `mn -c` (run only after a failure) deletes /tmp/*.log and /tmp/*.out, so nothing of ours
//! lives there.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use viola_testbed::lab::{self, Ovs};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/ovs-default.sh")
}

/// System OVS daemons for the test's lifetime; stopped on drop only if we started them.
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

struct Controller(Child);

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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

/// Set in the child process that runs the test inside its own network namespace.
const IN_NETNS: &str = "VIOLA_MN_TEST_NETNS";
const TEST_NAME: &str = "mininet_tree_2_2_pingall_against_a_remote_controller";

#[test]
fn mininet_tree_2_2_pingall_against_a_remote_controller() {
    if std::env::var_os(IN_NETNS).is_some() {
        run_mininet();
        return;
    }
    assert!(lab::is_root(), "the Mininet test needs root; run as root");
    for tool in [
        "mn",
        "ovs-vsctl",
        "ovs-vswitchd",
        "ovsdb-server",
        "ovs-testcontroller",
        "ip",
    ] {
        assert!(
            lab::have_tool(tool),
            "`{tool}` is missing: run scripts/install-deps.sh"
        );
    }
    // The lab tests take the same lock: `mn` kills every ovs-testcontroller it sees.
    let lock = std::fs::File::create("/run/viola-lab-tests.lock").expect("create lock file");
    lock.lock().expect("lock /run/viola-lab-tests.lock");
    if Ovs::system().is_up() {
        // The machine's own OVS runs: use it, as a user would.
        run_mininet();
        return;
    }
    // Otherwise run daemons and Mininet in a fresh network namespace: only one ovs-vswitchd
    // with userspace bridges can run per namespace, and another may run on this machine.
    let ns = format!("vtns-{}-mininet", std::process::id());
    let ip = |args: &[&str]| {
        let st = Command::new("ip").args(args).status().expect("run ip");
        assert!(st.success(), "ip {args:?} failed");
    };
    ip(&["netns", "add", &ns]);
    ip(&["-n", &ns, "link", "set", "lo", "up"]);
    let out = Command::new("ip")
        .args(["netns", "exec", &ns])
        .arg(std::env::current_exe().expect("test binary path"))
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_NETNS, &ns)
        .stdin(Stdio::null())
        .output()
        .expect("re-run the test in its namespace");
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && log.contains("1 passed"),
        "Mininet test failed in namespace {ns}:\n{log}"
    );
}

fn run_mininet() {
    let _ovs = DefaultOvs::ensure();
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::Builder::new()
        .prefix("viola-mn-test-")
        .tempdir_in("/run")
        .expect("temp dir");
    let child = Command::new("ovs-testcontroller")
        .arg(format!("ptcp:{port}:127.0.0.1"))
        .arg(format!("--unixctl={}", dir.path().join("tc.ctl").display()))
        .arg(format!(
            "--log-file={}",
            dir.path().join("tc.log").display()
        ))
        .env("OVS_RUNDIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ovs-testcontroller");
    let _controller = Controller(child);
    std::thread::sleep(Duration::from_millis(300));

    let out = Command::new("timeout")
        .args([
            "300",
            "mn",
            "--switch",
            "ovs,datapath=user,protocols=OpenFlow13",
        ])
        .arg("--controller")
        .arg(format!("remote,ip=127.0.0.1,port={port}"))
        .args(["--topo", "tree,depth=2,fanout=2", "--test", "pingall"])
        .stdin(Stdio::null())
        .output()
        .expect("run mn");
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
        "Mininet pingall did not get 0% dropped:\n{text}"
    );
    assert!(text.contains("(12/12 received)"), "{text}");
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
