//! Failures of a snapshot transaction with real QEMU guests (user networking), real
//! snapshot servers and agents, and the real controller in-process (the snapshot and
//! flow-state apps; no switch needed):
//!
//! - a snapshot server killed while it receives an image: the transaction aborts, the
//!   guest keeps running, and no server has a committed (or pending) image;
//! - an agent killed mid-snapshot: the transaction aborts everywhere (controller, servers,
//!   the other agent's guest running);
//! - a committed image corrupted on disk: a restore refuses it (hash mismatch) with a
//!   one-line reason, both from the same server and when copied to another site.
//!
//! "Killed" components run on a tokio runtime of their own that is shut down at once: every
//! socket closes as if the process had died. The tests run one at a time (one guest or two
//! under TCG each). Fails — never skips — without QEMU or the guest's inputs.

mod e2e_support;

use e2e_support::net::Ctl;
use e2e_support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use viola_orchestrator::agent::AgentClient;
use viola_orchestrator::guest::Guest;
use viola_orchestrator::snapshot_server::SnapshotServerClient;
use viola_orchestrator::tc::{self, Phase, RealCluster, ServiceFile, SnapshotOptions, TcError};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A service of `vms` (name, VM server), two sites, each with one snapshot server.
fn service(
    dir: &Path,
    guest: &Guest,
    ctl: &str,
    mode: &str,
    ss: [&str; 2],
    agents: [&str; 2],
    vms: &[(&str, &str)],
) -> ServiceFile {
    let mut s = format!(
        r#"
name = "fail"
controller = "{ctl}"
mode = "{mode}"
[timeouts]
snapshot_s = 180
pause_s = 60
controller_s = 20
[[snapshot_servers]]
name = "ss-a"
address = "{}"
site = "a"
[[snapshot_servers]]
name = "ss-b"
address = "{}"
site = "b"
[[vm_servers]]
name = "vms-a"
agent = "{}"
site = "a"
[[vm_servers]]
name = "vms-a2"
agent = "{}"
site = "a"
"#,
        ss[0], ss[1], agents[0], agents[1]
    );
    for (i, (vm, server)) in vms.iter().enumerate() {
        s.push_str(&format!(
            r#"
[[vms]]
name = "{vm}"
server = "{server}"
snapshot_server = "ss-a"
memory_mb = 128
kernel = "{}"
initrd = "{}"
append = "console=ttyS0 quiet"
mac = "52:54:00:00:01:{:02x}"
dpid = "{}"
port = {}
"#,
            guest.kernel.display(),
            guest.initrd.display(),
            i + 1,
            openflow::Dpid(1),
            i + 1
        ));
    }
    let path = dir.join("fail.toml");
    std::fs::write(&path, s).expect("write the service file");
    ServiceFile::load(&path).expect("service file")
}

/// The VMs' access switch (dpid 1), simulated, connected to the controller: a snapshot
/// refuses to run while a VM's switch is not connected (it could not gate the VM).
async fn access_switch(ctl: &Ctl) -> viola_sim::Network {
    let topo = viola_topo_spec::Topology::parse("single,1").expect("topology");
    let net = viola_sim::Network::start(&topo, viola_sim::NetworkOptions::new(Some(ctl.of_addr)))
        .await
        .expect("simulated switch");
    net.wait_connected(Duration::from_secs(20))
        .await
        .expect("switch connected");
    net
}

/// Size of the image being received for `vm` of snapshot `id` under server dir `dir`.
fn pending_size(dir: &Path, id: &str, vm: &str) -> Option<u64> {
    std::fs::metadata(dir.join("pending").join(id).join(format!("{vm}.img")))
        .ok()
        .map(|m| m.len())
}

/// Files under `DIR/committed` (must stay empty after an abort).
fn committed_entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("committed"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

async fn controller_status(ctl: &str) -> Value {
    let url = format!("{ctl}/api/v1/snapshot/fail");
    let r = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    r.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Waits until `vm` answers `running` at `agent` (QMP query-status).
async fn wait_running(agent: &str, vm: &str) {
    let a = AgentClient::new(agent.to_string(), test_credentials());
    let t0 = Instant::now();
    loop {
        let st = a.status().await.expect("agent status");
        if st.iter().any(|s| s.vm == vm && s.status == "running") {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{vm} not running after the abort: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Boots the service and waits for every guest's first tick; returns the serial logs.
async fn boot(c: &RealCluster, svc: &ServiceFile) -> Vec<PathBuf> {
    let up = tc::ops::up(c, svc).await.expect("tc up");
    let logs: Vec<PathBuf> = up
        .vms
        .iter()
        .map(|s| PathBuf::from(&s.serial_log))
        .collect();
    for l in &logs {
        wait_ticks(l, 1, Duration::from_secs(180)).await;
    }
    logs
}

/// Runs `tc::snapshot` and calls `kill` once `vm`'s image has `at_bytes` on the server
/// storing under `ss_dir`; returns the transaction's error.
async fn snapshot_killing(
    c: &RealCluster,
    svc: &ServiceFile,
    id: &str,
    ss_dir: &Path,
    vm: &str,
    at_bytes: u64,
    kill: &mut Killable,
) -> (TcError, u64) {
    let opts = SnapshotOptions {
        snapshot_id: Some(id.into()),
    };
    let snap = tc::snapshot(c, svc, &opts);
    tokio::pin!(snap);
    let t0 = Instant::now();
    let mut killed_at = None;
    loop {
        tokio::select! {
            r = &mut snap => {
                let e = r.expect_err("the snapshot must fail");
                let at = killed_at.unwrap_or_else(|| panic!("the snapshot failed before the kill: {e}"));
                return (e, at);
            }
            _ = tokio::time::sleep(Duration::from_millis(20)), if killed_at.is_none() => {
                if let Some(n) = pending_size(ss_dir, id, vm).filter(|n| *n >= at_bytes) {
                    kill.kill();
                    killed_at = Some(n);
                }
                assert!(t0.elapsed() < Duration::from_secs(120), "{vm}'s image never reached {at_bytes} bytes");
            }
        }
    }
}

#[test]
fn fail_snapshot_server_killed_mid_stream_aborts() {
    let _one = one_at_a_time();
    let guest = guest();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ss_dir = tmp.path().join("ss-a");
    let ss_b_dir = tmp.path().join("ss-b");
    let mut ss_a = killable_server(&ss_dir);
    let ss_b = killable_server(&ss_b_dir);
    let ctl = Ctl::start(&["snapshot", "flow-state"]);
    let rt = runtime(2);
    rt.block_on(async {
        let _switch = access_switch(&ctl).await;
        let (ag, agent) = start_agent(&tmp.path().join("run")).await;
        let svc = service(
            tmp.path(),
            &guest,
            &ctl.url(),
            "precopy",
            [&ss_a.addr, &ss_b.addr],
            [&ag, &ag],
            &[("vm1", "vms-a")],
        );
        let c = RealCluster::new(&svc.controller, Duration::from_secs(20), test_credentials())
            .expect("cluster");
        let logs = boot(&c, &svc).await;

        let (e, at) = snapshot_killing(&c, &svc, "cut", &ss_dir, "vm1", 8 << 20, &mut ss_a).await;
        println!("FIGURE fail: snapshot server killed after {at} bytes of vm1's image → {e}");
        assert!(
            matches!(
                e,
                TcError::Failed {
                    phase: Phase::Snapshot,
                    ..
                }
            ),
            "{e}"
        );
        // The guest runs on.
        wait_running(&ag, "vm1").await;
        let t = ticks(&logs[0]).last().copied().unwrap_or(0);
        wait_ticks(&logs[0], t + 2, Duration::from_secs(30)).await;
        // The controller's snapshot was aborted.
        let st = controller_status(&ctl.url()).await;
        assert_eq!(st["status"], "aborted", "{st}");
        // No committed image anywhere: the killed server comes back with nothing (its
        // pending images are deleted at start-up), the other never had one.
        assert!(committed_entries(&ss_dir).is_empty());
        let again = start_server(&ss_dir).await;
        for addr in [again.as_str(), ss_b.addr.as_str()] {
            let l = SnapshotServerClient::new(addr, test_credentials())
                .list()
                .await
                .expect("list");
            assert!(
                l.committed.is_empty() && l.pending.is_empty(),
                "{addr}: {l:?}"
            );
        }
        assert!(!ss_dir.join("pending").join("cut").exists());
        agent.stop_all().await;
    });
    drop(rt);
    ctl.shutdown();
}

#[test]
fn fail_agent_killed_mid_snapshot_aborts_everywhere() {
    let _one = one_at_a_time();
    let guest = guest();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ss_dir = tmp.path().join("ss-a");
    let ss_a = killable_server(&ss_dir);
    let ss_b = killable_server(&tmp.path().join("ss-b"));
    let mut ag_a = killable_agent(&tmp.path().join("run-a"));
    let ctl = Ctl::start(&["snapshot", "flow-state"]);
    let rt = runtime(2);
    rt.block_on(async {
        let _switch = access_switch(&ctl).await;
        let (ag_b, agent_b) = start_agent(&tmp.path().join("run-b")).await;
        let svc = service(
            tmp.path(),
            &guest,
            &ctl.url(),
            "precopy",
            [&ss_a.addr, &ss_b.addr],
            [&ag_a.addr, &ag_b],
            &[("vm1", "vms-a"), ("vm2", "vms-a2")],
        );
        let c = RealCluster::new(&svc.controller, Duration::from_secs(20), test_credentials()).expect("cluster");
        let logs = boot(&c, &svc).await;

        let (e, at) =
            snapshot_killing(&c, &svc, "gone", &ss_dir, "vm1", 8 << 20, &mut ag_a).await;
        println!("FIGURE fail: agent of vm1 killed after {at} bytes of its image → {e}");
        assert!(
            matches!(e, TcError::Failed { phase: Phase::Snapshot, ref target, .. } if target == "vm1"),
            "{e}"
        );
        // Everywhere aborted: the other agent's guest runs, the controller's snapshot is
        // aborted, the server keeps nothing.
        wait_running(&ag_b, "vm2").await;
        let t = ticks(&logs[1]).last().copied().unwrap_or(0);
        wait_ticks(&logs[1], t + 2, Duration::from_secs(30)).await;
        let st = controller_status(&ctl.url()).await;
        assert_eq!(st["status"], "aborted", "{st}");
        let l = SnapshotServerClient::new(ss_a.addr.clone(), test_credentials())
            .list()
            .await
            .expect("list");
        assert!(l.committed.is_empty() && l.pending.is_empty(), "{l:?}");
        assert!(committed_entries(&ss_dir).is_empty());
        // A later snapshot of vm2 alone is not blocked by the aborted one.
        agent_b.stop_all().await;
    });
    drop(rt);
    ctl.shutdown();
}

#[test]
fn fail_corrupted_image_is_refused_at_restore() {
    let _one = one_at_a_time();
    let guest = guest();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ss_dir = tmp.path().join("ss-a");
    let ss_a = killable_server(&ss_dir);
    let ss_b = killable_server(&tmp.path().join("ss-b"));
    let ctl = Ctl::start(&["snapshot", "flow-state"]);
    let rt = runtime(2);
    rt.block_on(async {
        let _switch = access_switch(&ctl).await;
        let (ag, agent) = start_agent(&tmp.path().join("run-a")).await;
        let (ag_b, agent_b) = start_agent(&tmp.path().join("run-b")).await;
        let mut svc = service(
            tmp.path(),
            &guest,
            &ctl.url(),
            "background",
            [&ss_a.addr, &ss_b.addr],
            [&ag, &ag],
            &[("vm1", "vms-a")],
        );
        // Site b's VM server.
        svc.vm_servers
            .push(viola_orchestrator::tc::service::VmServerEntry {
                name: "vms-b".into(),
                agent: ag_b.clone(),
                site: "b".into(),
            });
        let c = RealCluster::new(&svc.controller, Duration::from_secs(20), test_credentials())
            .expect("cluster");
        boot(&c, &svc).await;
        let rec = tc::snapshot(
            &c,
            &svc,
            &SnapshotOptions {
                snapshot_id: Some("good".into()),
            },
        )
        .await
        .expect("snapshot");
        agent.stop_all().await;

        // Flip bytes in the middle of the committed image.
        let img = ss_dir.join("committed").join("good").join("vm1.img");
        let mut bytes = std::fs::read(&img).expect("read the image");
        let mid = bytes.len() / 2;
        for b in bytes.iter_mut().skip(mid).take(16) {
            *b ^= 0xff;
        }
        std::fs::write(&img, &bytes).expect("write the image");

        // Restore from the same server: refused before QEMU gets a byte.
        let e = tc::restore(&c, &svc, &rec, "a")
            .await
            .expect_err("a corrupted image must be refused");
        let msg = e.to_string();
        println!("FIGURE fail: restore of a corrupted image at site a → {msg}");
        assert!(
            matches!(
                e,
                TcError::Failed {
                    phase: Phase::Start,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("does not match its manifest"), "{msg}");
        assert!(!msg.contains('\n'), "not one line: {msg}");
        assert!(
            AgentClient::new(ag.clone(), test_credentials())
                .status()
                .await
                .expect("status")
                .is_empty(),
            "the refused VM was left behind"
        );

        // Restore at site b: the copy is refused by the receiving server's hash check.
        let e = tc::restore(&c, &svc, &rec, "b")
            .await
            .expect_err("a corrupted image must not be copied");
        let msg = e.to_string();
        println!("FIGURE fail: restore of a corrupted image at site b → {msg}");
        assert!(
            matches!(
                e,
                TcError::Failed {
                    phase: Phase::Copy,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("sha256"), "{msg}");
        assert!(!msg.contains('\n'), "not one line: {msg}");
        let l = SnapshotServerClient::new(ss_b.addr.clone(), test_credentials())
            .list()
            .await
            .expect("list b");
        assert!(l.committed.is_empty() && l.pending.is_empty(), "{l:?}");
        assert!(agent_b.status().await.is_empty());
    });
    drop(rt);
    ctl.shutdown();
}
