//! Labs on real Open vSwitch (userspace datapath) with hosts in network namespaces.
//!
//! Needs root, Open vSwitch, `ovs-testcontroller`, iproute2, ping, ethtool and iperf3; each
//! test FAILS with the reason when one is missing (scripts/install-deps.sh installs them).
//! Tests share one mutex (they start OVS daemons and namespaces) and each uses its own name
//! prefix and run directory, so even a crashed test does not disturb the next.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use viola_lab as lab;
use viola_lab::isolate::{self, free_port, leftovers};
use viola_lab::{DaemonPolicy, Lab, LabConfig, OfVersions, OvsDaemons};
use viola_topo_spec::Topology;

/// Runs `body` in a fresh network namespace (see `viola_lab::isolate`); these
/// tests also need `ovs-testcontroller` and `iperf3`.
fn isolated(name: &str, body: fn()) {
    isolate::isolated_with(name, &["ovs-testcontroller", "iperf3"], body);
}

/// `ovs-testcontroller` (a learning switch) listening on 127.0.0.1:PORT, killed on drop.
struct TestController {
    child: Child,
    port: u16,
}

impl TestController {
    fn start(dir: &Path) -> TestController {
        let port = free_port();
        let child = Command::new("ovs-testcontroller")
            .arg(format!("ptcp:{port}:127.0.0.1"))
            .arg(format!(
                "--unixctl={}",
                dir.join("testcontroller.ctl").display()
            ))
            .arg(format!(
                "--log-file={}",
                dir.join("testcontroller.log").display()
            ))
            .env("OVS_RUNDIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ovs-testcontroller");
        // It listens right after start; give it a moment so the bridges' first try succeeds.
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        TestController { child, port }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TestController {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(dir: &Path, prefix: &str, controller: &TestController) -> LabConfig {
    LabConfig {
        run_dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
        controller: controller.addr(),
        daemons: DaemonPolicy::Private,
        ..LabConfig::default()
    }
}

/// The last lines of the OVS and controller logs in `dir`, for failure messages.
fn diag(dir: &Path) -> String {
    let mut out = String::new();
    for f in [
        "ovs-vswitchd.log",
        "ovsdb-server.log",
        "testcontroller.log",
        "ovs-vswitchd.err",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        out.push_str(&format!("\n--- {f} (last lines)\n{tail}"));
    }
    out
}

fn tempdir() -> tempfile::TempDir {
    // Under /run when possible: short socket paths, and `mn -c` never touches it.
    let base = PathBuf::from("/run");
    tempfile::Builder::new()
        .prefix("viola-lab-test-")
        .tempdir_in(&base)
        .expect("temp dir under /run")
}

fn tree_2_2_pingall_and_clean_down_body() {
    let dir = tempdir();
    let daemons = OvsDaemons::start(dir.path()).expect("start private OVS daemons");
    let db = daemons.ovs().db.clone();
    let ctl = TestController::start(dir.path());
    let topo = Topology::parse("tree,2,2").expect("tree,2,2");

    let lab = Lab::up(&topo, &config(dir.path(), "vt1-", &ctl))
        .unwrap_or_else(|e| panic!("lab up tree,2,2: {e}{}", diag(dir.path())));
    assert!(
        !lab.state().started_daemons,
        "the lab must use the running private daemons"
    );

    // Bridges as the topology says: dpid, secure fail mode, userspace datapath, port numbers.
    let ovs = lab.ovs().clone();
    for s in &lab.state().switches {
        let get = |col: &str| {
            ovs.vsctl(&["get", "Bridge", &s.bridge, col])
                .expect("vsctl get")
                .trim()
                .to_string()
        };
        assert_eq!(get("datapath_type"), "netdev");
        assert_eq!(get("fail_mode"), "secure");
        assert_eq!(get("other_config:datapath-id"), format!("\"{}\"", s.dpid));
    }
    assert_eq!(lab.state().switches[0].dpid, "0000000000000001");
    let show = ovs
        .ofctl(&["-O", "OpenFlow13"], "show", "vt1-s2", &[])
        .unwrap_or_else(|e| panic!("ofctl show s2: {e}{}", diag(dir.path())));
    // s1 is the root, s2 holds h1, h2 on ports 1, 2 and its uplink on port 3.
    assert!(show.contains("dpid:0000000000000002"), "{show}");
    for p in [" 1(vt1-s2-eth1)", " 2(vt1-s2-eth2)", " 3(vt1-s2-eth3)"] {
        assert!(show.contains(p), "missing port {p} in:\n{show}");
    }
    let h1 = lab
        .exec_output("h1", &["ip".into(), "-o".into(), "addr".into()])
        .expect("exec in h1");
    let h1 = String::from_utf8_lossy(&h1.stdout);
    assert!(h1.contains("10.0.0.1/8"), "{h1}");
    let link = lab
        .exec_output("h3", &["ip".into(), "-o".into(), "link".into()])
        .expect("exec in h3");
    assert!(String::from_utf8_lossy(&link.stdout).contains("00:00:00:00:00:03"));

    lab.wait_connected(Duration::from_secs(20))
        .unwrap_or_else(|e| {
            panic!(
                "bridges connect to ovs-testcontroller: {e}{}",
                diag(dir.path())
            )
        });
    let report = lab.pingall().expect("pingall");
    let rendered = report.render();
    assert!(
        report.all_ok(),
        "pingall lost packets:\n{rendered}{}",
        diag(dir.path())
    );
    assert_eq!(report.sent, 12);
    assert!(
        rendered.contains("*** Results: 0% dropped (12/12 received)"),
        "{rendered}"
    );

    let down = lab.down().expect("lab down");
    assert_eq!(down.bridges.len(), 3, "{down:?}");
    assert_eq!(down.namespaces.len(), 4, "{down:?}");
    assert!(
        !down.stopped_daemons,
        "daemons the lab did not start must keep running"
    );
    let left = leftovers("vt1-", Some(&db));
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!dir.path().join(lab::STATE_FILE).exists());
    daemons.stop().expect("stop OVS");
}

fn linear_3_of10_carries_tcp_body() {
    let dir = tempdir();
    let ctl = TestController::start(dir.path());
    let topo = Topology::parse("linear,3").expect("linear,3");
    let cfg = LabConfig {
        of: OfVersions::V10,
        ..config(dir.path(), "vt2-", &ctl)
    };
    let lab =
        Lab::up(&topo, &cfg).unwrap_or_else(|e| panic!("lab up linear,3: {e}{}", diag(dir.path())));
    assert!(
        lab.state().started_daemons,
        "no daemons ran in the run dir: the lab starts them"
    );
    let protocols = lab
        .ovs()
        .vsctl(&["get", "Bridge", "vt2-s2", "protocols"])
        .expect("protocols");
    assert_eq!(protocols.trim(), "[OpenFlow10]");

    lab.wait_connected(Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("bridges connect: {e}{}", diag(dir.path())));
    let report = lab.pingall().expect("pingall");
    assert!(report.all_ok(), "{}{}", report.render(), diag(dir.path()));
    assert_eq!(report.sent, 6);

    // TCP through two hops of the userspace datapath (broken checksums would stall it).
    let argv = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let mut server = lab
        .exec_command("h3", &argv("iperf3 -s -1"))
        .expect("server command");
    let mut server = server
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start iperf3 -s");
    std::thread::sleep(Duration::from_millis(500));
    let client = lab
        .exec_output(
            "h1",
            &argv("iperf3 -c 10.0.0.3 -t 1 --connect-timeout 3000"),
        )
        .expect("iperf3 -c");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        client.status.success(),
        "TCP h1 -> h3 failed: {}{}",
        String::from_utf8_lossy(&client.stdout),
        String::from_utf8_lossy(&client.stderr)
    );

    let down = lab.down().expect("lab down");
    assert!(
        down.stopped_daemons,
        "daemons the lab started must stop on down"
    );
    let left = leftovers("vt2-", None);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!Path::new(&dir.path().join("ovs-vswitchd.pid")).exists());
}

fn down_cleans_up_after_a_crash_body() {
    let dir = tempdir();
    let ctl = TestController::start(dir.path());
    let topo = Topology::parse("linear,2").expect("linear,2");
    let lab = Lab::up(&topo, &config(dir.path(), "vt3-", &ctl)).expect("lab up");
    let db = lab.ovs().db.clone();
    // A crash: the process goes away without `down`, and the state file is lost too.
    lab.detach();
    std::fs::remove_file(dir.path().join(lab::STATE_FILE)).expect("remove state");
    assert!(!leftovers("vt3-", Some(&db)).is_empty());

    // A new lab with the same prefix refuses to start over the leftovers.
    let again = Lab::up(&topo, &config(dir.path(), "vt3-", &ctl));
    assert!(again.is_err(), "lab up over leftovers must fail");

    let report = lab::down(dir.path(), "vt3-").expect("down after crash");
    assert!(report.removed_anything());
    assert!(
        report.stopped_daemons,
        "the crashed lab's private daemons must be stopped"
    );
    let left = leftovers("vt3-", None);
    assert!(left.is_empty(), "left behind: {left:?}");
    // A second down finds nothing and succeeds.
    let second = lab::down(dir.path(), "vt3-").expect("second down");
    assert!(!second.removed_anything(), "{second:?}");
}

fn open_exec_and_errors_body() {
    let dir = tempdir();
    assert!(matches!(
        Lab::open(dir.path()),
        Err(lab::LabError::NoLab(_))
    ));
    let ctl = TestController::start(dir.path());
    let topo = Topology::parse("single,2").expect("single,2");
    let lab = Lab::up(&topo, &config(dir.path(), "vt4-", &ctl)).expect("lab up");
    // A second `up` in the same run dir is refused.
    assert!(matches!(
        Lab::up(&topo, &config(dir.path(), "vt4-", &ctl)),
        Err(lab::LabError::AlreadyUp(_))
    ));
    // Another process would open it from the state file.
    let opened = Lab::open(dir.path()).expect("open from state file");
    assert_eq!(opened.state(), lab.state());
    let st = opened.exec("h2", &["true".into()]).expect("exec true");
    assert!(st.success());
    let st = opened.exec("h2", &["false".into()]).expect("exec false");
    assert_eq!(st.code(), Some(1));
    assert!(matches!(
        opened.exec("h9", &["true".into()]),
        Err(lab::LabError::NoHost(_))
    ));
    drop(opened); // an opened lab stays up when dropped
    assert!(dir.path().join(lab::STATE_FILE).exists());
    drop(lab); // the lab that was brought up here is torn down on drop
    let left = leftovers("vt4-", None);
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn without_a_controller_nothing_is_forwarded_body() {
    let dir = tempdir();
    // Nothing listens on this port: the bridges stay in secure fail mode and drop all.
    let port = free_port();
    let cfg = LabConfig {
        run_dir: dir.path().to_path_buf(),
        prefix: "vt5-".into(),
        controller: format!("127.0.0.1:{port}"),
        daemons: DaemonPolicy::Private,
        ..LabConfig::default()
    };
    let lab = Lab::up(&Topology::parse("single,2").expect("single,2"), &cfg).expect("lab up");
    assert!(matches!(
        lab.wait_connected(Duration::from_millis(500)),
        Err(lab::LabError::NotConnected { .. })
    ));
    let report = lab.pingall().expect("pingall");
    assert_eq!(
        (report.sent, report.received),
        (2, 0),
        "{}",
        report.render()
    );
    assert!(report
        .render()
        .contains("*** Results: 100% dropped (0/2 received)"));
    lab.down().expect("down");
    assert!(leftovers("vt5-", None).is_empty());
}

#[test]
fn tree_2_2_pingall_and_clean_down() {
    isolated(
        "tree_2_2_pingall_and_clean_down",
        tree_2_2_pingall_and_clean_down_body,
    );
}

#[test]
fn linear_3_of10_carries_tcp() {
    isolated("linear_3_of10_carries_tcp", linear_3_of10_carries_tcp_body);
}

#[test]
fn down_cleans_up_after_a_crash() {
    isolated(
        "down_cleans_up_after_a_crash",
        down_cleans_up_after_a_crash_body,
    );
}

#[test]
fn open_exec_and_errors() {
    isolated("open_exec_and_errors", open_exec_and_errors_body);
}

#[test]
fn without_a_controller_nothing_is_forwarded() {
    isolated(
        "without_a_controller_nothing_is_forwarded",
        without_a_controller_nothing_is_forwarded_body,
    );
}
