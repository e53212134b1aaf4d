//! The transaction controller end to end with real components: two snapshot servers and
//! two VM agents (sites a and b) in-process, a real QEMU guest, and a small fake
//! controller speaking the REST API over HTTP. Fails — never skips — without QEMU or the
//! guest.

use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use viola_orchestrator::agent::{self, Agent, AgentClient, AgentConfig};
use viola_orchestrator::guest::{build, GuestSpec};
use viola_orchestrator::snapshot_server::{self, store::StoreConfig, SnapshotServerClient, Store};
use viola_orchestrator::tc::{self, Phase, RealCluster, ServiceFile, SnapshotOptions, TcError};

#[path = "orchestrator_support/crash_points.rs"]
mod crash_points;
#[path = "e2e_support/hooked.rs"]
mod hooked;
use crash_points::{Crash, CrashPoint};
use hooked::Hooked;
use viola_orchestrator::tc::{catalog, Journal};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[derive(Default)]
struct FakeController {
    calls: Mutex<Vec<(String, String, Value)>>,
    fail_advance: AtomicBool,
}

impl FakeController {
    fn answer(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        self.calls
            .lock()
            .unwrap()
            .push((method.into(), path.into(), body.clone()));
        match (method, path) {
            ("POST", "/api/v1/snapshot/services") => (201, json!({"name": "demo"})),
            ("GET", "/api/v1/flows/state") => {
                (200, json!({"format": "viola.flow-state/1", "switches": []}))
            }
            ("POST", "/api/v1/flows/state") => (200, json!({"restored": 0})),
            ("POST", "/api/v1/snapshot/demo/epochs") => {
                (200, json!({"service": "demo", "epoch": 7}))
            }
            ("POST", "/api/v1/snapshot/demo/vms/vm1/advance")
                if self.fail_advance.load(Ordering::SeqCst) =>
            {
                (503, json!({"error": "switch 1 disconnected"}))
            }
            ("POST", p)
                if p.starts_with("/api/v1/snapshot/demo/vms/") && p.ends_with("/advance") =>
            {
                (
                    200,
                    json!({"epoch": 7, "deleted_rules": 1, "switch_connected": true}),
                )
            }
            ("POST", p)
                if p.starts_with("/api/v1/snapshot/demo/vms/") && p.ends_with("/reinject") =>
            {
                (200, json!({"reinjected": 0}))
            }
            ("DELETE", "/api/v1/snapshot/demo") => (200, json!({"unregistered": "demo"})),
            ("POST", "/api/v1/snapshot/demo/abort") => (200, json!({"aborted": true})),
            ("GET", "/api/v1/snapshot/demo") => (200, json!({"name": "demo"})),
            // Restore asks which switches are connected before it pushes flow tables.
            ("GET", "/api/v1/switches") => (200, json!([])),
            _ => (404, json!({"error": "no route"})),
        }
    }

    fn paths(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }
}

async fn serve_controller(l: TcpListener, ctl: Arc<FakeController>) {
    loop {
        let Ok((s, _)) = l.accept().await else { return };
        let ctl = ctl.clone();
        tokio::spawn(async move {
            let (rd, mut wr) = s.into_split();
            let mut rd = BufReader::new(rd);
            loop {
                let mut line = String::new();
                if rd.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").to_string();
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if rd.read_line(&mut h).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if h == "\r\n" {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; len];
                if rd.read_exact(&mut body).await.is_err() {
                    return;
                }
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (code, reply) = ctl.answer(&method, &path, &body);
                let text = reply.to_string();
                let resp = format!(
                    "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
                    text.len()
                );
                if wr.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

async fn start_server(dir: &Path) -> String {
    serve_store(dir, (LOCAL, 0)).await.0
}

/// A snapshot server on `dir` listening at `at` (port 0: any); its address and task (abort
/// it to kill the server).
async fn serve_store(
    dir: &Path,
    at: impl tokio::net::ToSocketAddrs,
) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let config = StoreConfig {
        credentials: test_credentials(),
        ..StoreConfig::default()
    };
    let store = Store::open(dir, LOCAL, config).expect("store");
    let l = TcpListener::bind(at).await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    let task = tokio::spawn(snapshot_server::serve(
        l,
        store,
        viola_orchestrator::wire::ServeLimits::new(viola_orchestrator::wire::MAX_COMMIT_LINE),
    ));
    (addr, task)
}

async fn start_agent(dir: &Path) -> (String, Arc<Agent>) {
    let mut cfg = AgentConfig::new(dir);
    cfg.credentials = test_credentials();
    cfg.policy = test_policy();
    let a = Agent::new(cfg).expect("agent");
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    tokio::spawn(agent::serve(
        l,
        a.clone(),
        viola_orchestrator::wire::ServeLimits::new(viola_orchestrator::wire::MAX_CONTROL_LINE),
    ));
    (addr, a)
}

fn ticks(log: &Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("viola-guest: tick ")
                .and_then(|n| n.trim().parse().ok())
        })
        .collect()
}

async fn wait_ticks(log: &Path, at_least: u64) -> u64 {
    let t0 = Instant::now();
    loop {
        if let Some(&t) = ticks(log).last() {
            if t >= at_least {
                return t;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "no tick {at_least} in {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tc_snapshots_aborts_and_restores_at_another_site() {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    let guest =
        build(&GuestSpec::debian(&cache)).unwrap_or_else(|e| panic!("cannot build the guest: {e}"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let ss_a = start_server(&tmp.path().join("ss-a")).await;
    let ss_b = start_server(&tmp.path().join("ss-b")).await;
    let (ag_a, agent_a) = start_agent(&tmp.path().join("run-a")).await;
    let (ag_b, agent_b) = start_agent(&tmp.path().join("run-b")).await;
    let ctl = Arc::new(FakeController::default());
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let ctl_url = format!("http://{}", l.local_addr().expect("addr"));
    tokio::spawn(serve_controller(l, ctl.clone()));

    let file = tmp.path().join("svc.toml");
    std::fs::write(
        &file,
        format!(
            r#"
name = "demo"
controller = "{ctl_url}"
[timeouts]
pause_s = 20
[sites.b]
dpid_map = {{ "0000000000000001" = "0000000000000002" }}
[[snapshot_servers]]
name = "ss-a"
address = "{ss_a}"
site = "a"
[[snapshot_servers]]
name = "ss-b"
address = "{ss_b}"
site = "b"
[[vm_servers]]
name = "vms-a1"
agent = "{ag_a}"
site = "a"
[[vm_servers]]
name = "vms-b1"
agent = "{ag_b}"
site = "b"
[[vms]]
name = "vm1"
server = "vms-a1"
snapshot_server = "ss-a"
memory_mb = 128
kernel = "{}"
initrd = "{}"
append = "console=ttyS0 quiet viola.ip=10.0.0.1/8"
mac = "52:54:00:00:00:01"
ip = "10.0.0.1"
dpid = "0000000000000001"
port = 1
"#,
            guest.kernel.display(),
            guest.initrd.display()
        ),
    )
    .expect("write service file");
    let svc = ServiceFile::load(&file).expect("service file");
    let c = RealCluster::new(&svc.controller, Duration::from_secs(10), test_credentials())
        .expect("cluster");

    let up = tc::ops::up(&c, &svc).await.expect("up");
    assert!(ctl
        .paths()
        .contains(&"POST /api/v1/snapshot/services".to_string()));
    let serial = PathBuf::from(&up.vms[0].serial_log);
    wait_ticks(&serial, 1).await;

    // 1. The controller fails ADVANCE_EPOCH: everything is aborted and the guest runs on.
    ctl.fail_advance.store(true, Ordering::SeqCst);
    let e = tc::snapshot(
        &c,
        &svc,
        &SnapshotOptions {
            snapshot_id: Some("bad".into()),
        },
    )
    .await
    .expect_err("must abort");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Advance,
                ..
            }
        ),
        "{e}"
    );
    assert!(ctl
        .paths()
        .contains(&"POST /api/v1/snapshot/demo/abort".to_string()));
    let a = AgentClient::new(ag_a.clone(), test_credentials());
    let t0 = Instant::now();
    loop {
        let st = a.status().await.expect("status");
        if st.iter().any(|s| s.vm == "vm1" && s.status == "running") {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "guest left paused after abort: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = ticks(&serial).last().copied().unwrap_or(0);
    wait_ticks(&serial, before + 2).await;
    let listing = SnapshotServerClient::new(ss_a.clone(), test_credentials())
        .list()
        .await
        .expect("list");
    assert!(
        listing.committed.is_empty() && listing.pending.is_empty(),
        "{listing:?}"
    );

    // 2. A good snapshot.
    ctl.fail_advance.store(false, Ordering::SeqCst);
    let at_snapshot = ticks(&serial).last().copied().unwrap_or(0);
    let rec = tc::snapshot(
        &c,
        &svc,
        &SnapshotOptions {
            snapshot_id: Some("good".into()),
        },
    )
    .await
    .expect("snapshot");
    assert_eq!(rec.epoch, Some(7));
    let v = &rec.vms["vm1"];
    assert!(v.size > 1_000_000 && v.sha256.len() == 64, "{v:?}");
    assert!(v.downtime_ms.is_some());
    assert!(v
        .command_line
        .iter()
        .any(|a| a.contains("mac=52:54:00:00:00:01")));
    let p = ctl.paths();
    let adv = p
        .iter()
        .rposition(|x| x.ends_with("/vms/vm1/advance"))
        .expect("advance");
    let rei = p
        .iter()
        .rposition(|x| x.ends_with("/vms/vm1/reinject"))
        .expect("reinject");
    assert!(adv < rei);
    println!(
        "tc snapshot: total {} ms (snapshot {} ms, commit {} ms); vm1 paused {} ms, QEMU downtime {:?} ms, advance answered {} ms after VM_PAUSED",
        rec.timings.total_ms, rec.timings.snapshot_ms, rec.timings.commit_ms, v.paused_ms, v.downtime_ms, v.advance_ms
    );

    // 3. Restore at site b (the original keeps running at a).
    let r = tc::restore(&c, &svc, &rec, "b").await.expect("restore");
    assert_eq!(r.placement["vm1"], "vms-b1");
    let flows = ctl
        .calls
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(m, p, _)| m == "POST" && p == "/api/v1/flows/state")
        .cloned();
    let (_, _, body) = flows.expect("flow state restored");
    assert_eq!(body["map"]["0000000000000001"], "0000000000000002");
    assert_eq!(body["document"]["format"], "viola.flow-state/1");
    let b = AgentClient::new(ag_b.clone(), test_credentials());
    let st = b.status().await.expect("status b");
    let restored = st.iter().find(|s| s.vm == "vm1").expect("vm1 at b");
    assert_eq!(restored.status, "running");
    let rlog = PathBuf::from(&restored.serial_log);
    let t = wait_ticks(&rlog, 0).await;
    let first = ticks(&rlog).first().copied().expect("tick");
    assert!(
        first >= at_snapshot,
        "restored guest restarted: first tick {first} < {at_snapshot}"
    );
    wait_ticks(&rlog, t + 1).await;
    println!(
        "tc restore at b: copy {} ms, start {} ms, resume {} ms, total {} ms",
        r.copy_ms, r.start_ms, r.resume_ms, r.total_ms
    );
    // Copied to b under its own id (never as "good", which could name b's own part).
    assert!(SnapshotServerClient::new(ss_b, test_credentials())
        .manifest("good.from-ss-a")
        .await
        .is_ok());

    assert!(tc::ops::down(&c, &svc).await.errors.is_empty());
    assert!(a.status().await.expect("status").is_empty());
    assert!(b.status().await.expect("status").is_empty());
    agent_a.stop_all().await;
    agent_b.stop_all().await;
}

/// Where snapshot `id` is on the disk of the snapshot server whose data directory is `dir`.
fn on_disk(dir: &Path, id: &str) -> &'static str {
    if dir
        .join("committed")
        .join(id)
        .join("manifest.json")
        .exists()
    {
        "committed"
    } else if dir.join("pending").join(id).join("vote.json").exists() {
        "voted"
    } else if dir.join("pending").join(id).exists() {
        "pending"
    } else {
        "none"
    }
}

/// Runs `snap` until `reached()` holds, then drops it: the transaction controller dies
/// there (its lock goes with it, as with a killed process).
async fn kill_when<T: std::fmt::Debug>(
    snap: impl std::future::Future<Output = T>,
    reached: impl Fn() -> bool,
) {
    tokio::pin!(snap);
    let t0 = Instant::now();
    loop {
        tokio::select! {
            r = &mut snap => panic!("the snapshot ended instead of stopping at its crash point: {r:?}"),
            _ = tokio::time::sleep(Duration::from_millis(50)) => {
                if reached() {
                    return;
                }
                assert!(t0.elapsed() < Duration::from_secs(180), "crash point never reached");
            }
        }
    }
}

fn id(s: &str) -> SnapshotOptions {
    SnapshotOptions {
        snapshot_id: Some(s.into()),
    }
}

/// Waits until every guest of `vms` on agent `a` runs and ticks past what its log showed.
async fn all_tick_on(a: &AgentClient, vms: &[&str]) -> Vec<PathBuf> {
    let st = a.status().await.expect("status");
    let mut logs = Vec::new();
    for vm in vms {
        let s = st
            .iter()
            .find(|s| s.vm == *vm)
            .unwrap_or_else(|| panic!("{vm} not on the agent: {st:?}"));
        assert_eq!(s.status, "running", "{s:?}");
        let log = PathBuf::from(&s.serial_log);
        let t = ticks(&log).last().copied().unwrap_or(0);
        wait_ticks(&log, t + 1).await;
        logs.push(log);
    }
    logs
}

/// Two guests whose images go to two snapshot servers at site a, a third server at site b:
/// the transaction controller killed before its decision and after it, a server killed
/// before its vote — each ends all or nothing on every server's disk; then restores at a
/// and at b from the split placement, a schedule at b (keep 2, three runs) and a restore
/// of its last snapshot back at a.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tc_commits_all_or_nothing_over_servers_and_restores_anywhere() {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    let guest =
        build(&GuestSpec::debian(&cache)).unwrap_or_else(|e| panic!("cannot build the guest: {e}"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let (d_a1, d_a2, d_b) = (
        tmp.path().join("ss-a1"),
        tmp.path().join("ss-a2"),
        tmp.path().join("ss-b"),
    );
    let (ss_a1, _t_a1) = serve_store(&d_a1, (LOCAL, 0)).await;
    let (ss_a2, t_a2) = serve_store(&d_a2, (LOCAL, 0)).await;
    let (ss_b, _t_b) = serve_store(&d_b, (LOCAL, 0)).await;
    let disks = [&d_a1, &d_a2, &d_b];
    let (ag_a, agent_a) = start_agent(&tmp.path().join("run-a")).await;
    let (ag_b, agent_b) = start_agent(&tmp.path().join("run-b")).await;
    let ctl = Arc::new(FakeController::default());
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let ctl_url = format!("http://{}", l.local_addr().expect("addr"));
    tokio::spawn(serve_controller(l, ctl.clone()));
    let vm = |name: &str, ss: &str, n: u8| {
        format!(
            r#"
[[vms]]
name = "{name}"
server = "vms-a1"
snapshot_server = "{ss}"
memory_mb = 128
kernel = "{}"
initrd = "{}"
append = "console=ttyS0 quiet viola.ip=10.0.0.{n}/8"
mac = "52:54:00:00:00:0{n}"
ip = "10.0.0.{n}"
dpid = "0000000000000001"
port = {n}
"#,
            guest.kernel.display(),
            guest.initrd.display()
        )
    };
    let file = tmp.path().join("svc.toml");
    std::fs::write(
        &file,
        format!(
            r#"
name = "demo"
controller = "{ctl_url}"
[timeouts]
pause_s = 30
[sites.b]
dpid_map = {{ "0000000000000001" = "0000000000000002" }}
[[snapshot_servers]]
name = "ss-a1"
address = "{ss_a1}"
site = "a"
[[snapshot_servers]]
name = "ss-a2"
address = "{ss_a2}"
site = "a"
[[snapshot_servers]]
name = "ss-b"
address = "{ss_b}"
site = "b"
[[vm_servers]]
name = "vms-a1"
agent = "{ag_a}"
site = "a"
[[vm_servers]]
name = "vms-b1"
agent = "{ag_b}"
site = "b"
{}{}"#,
            vm("vm1", "ss-a1", 1),
            vm("vm2", "ss-a2", 2)
        ),
    )
    .expect("write service file");
    let svc = ServiceFile::load(&file).expect("service file");
    let journal = Journal::of(&svc).expect("journal");
    let c = RealCluster::new(&svc.controller, Duration::from_secs(10), test_credentials())
        .expect("cluster");
    let a = AgentClient::new(ag_a.clone(), test_credentials());
    let b = AgentClient::new(ag_b.clone(), test_credentials());
    tc::ops::up(&c, &svc).await.expect("up");
    all_tick_on(&a, &["vm1", "vm2"]).await;
    let nowhere = |id: &str| {
        for d in disks {
            assert_eq!(on_disk(d, id), "none", "{id} in {}", d.display());
        }
        assert!(!journal.committed(id).expect("journal"), "{id} recorded");
    };

    // 1. ss-a2 is killed just before its vote: everything aborts; restarted, it deletes
    //    what it never voted for.
    let t_a2 = Mutex::new(Some(t_a2));
    let kill: Box<dyn FnOnce() + Send> = Box::new(move || {
        if let Some(t) = t_a2.lock().unwrap().take() {
            t.abort();
        }
    });
    let crash = Hooked {
        inner: &c,
        hooks: Crash::at(CrashPoint::KillBeforeVote("ss-a2".into(), kill)),
    };
    let e = tc::snapshot(&crash, &svc, &id("k1"))
        .await
        .expect_err("no vote from a dead server");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Vote, ref target, .. } if target == "ss-a2"),
        "{e}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (again, _t_a2) = serve_store(&d_a2, ss_a2.as_str()).await;
    assert_eq!(again, ss_a2);
    let r = tc::recover(&c, &svc, &journal).await;
    assert!(r.errors.is_empty(), "{r:?}");
    nowhere("k1");

    // 2. The transaction controller dies after both votes, before its decision: abort.
    let crash = Hooked {
        inner: &c,
        hooks: Crash::at(CrashPoint::AfterVote("ss-a2".into())),
    };
    kill_when(tc::snapshot(&crash, &svc, &id("k2")), || {
        on_disk(&d_a1, "k2") == "voted" && on_disk(&d_a2, "k2") == "voted"
    })
    .await;
    let r = tc::recover(&c, &svc, &journal).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert!(r.resolved.iter().all(|x| x.outcome == "aborted"), "{r:?}");
    nowhere("k2");
    let logs = all_tick_on(&a, &["vm1", "vm2"]).await;

    // 3. It dies after its decision, between the server commits: commit everywhere.
    let before: Vec<u64> = logs
        .iter()
        .map(|l| ticks(l).last().copied().unwrap_or(0))
        .collect();
    let crash = Hooked {
        inner: &c,
        hooks: Crash::at(CrashPoint::AtCommit("ss-a2".into())),
    };
    kill_when(tc::snapshot(&crash, &svc, &id("k3")), || {
        on_disk(&d_a1, "k3") == "committed"
    })
    .await;
    assert_eq!(on_disk(&d_a2, "k3"), "voted");
    assert!(journal.committed("k3").expect("journal"));
    let r = tc::recover(&c, &svc, &journal).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert_eq!(on_disk(&d_a1, "k3"), "committed");
    assert_eq!(on_disk(&d_a2, "k3"), "committed");
    assert!(journal.open_transactions().expect("open").is_empty());

    // 4. Restore k3 at a: ss-a1 holds vm1's part, vm2's is copied from ss-a2.
    assert!(tc::ops::down(&c, &svc).await.errors.is_empty());
    let rec = catalog::find_record(&c, &svc, &journal, Some("k3"))
        .await
        .expect("record");
    let r = tc::restore(&c, &svc, &rec, "a")
        .await
        .expect("restore at a");
    assert_eq!(r.images["vm1"], "k3");
    assert_eq!(r.images["vm2"], "k3.from-ss-a2");
    let logs = all_tick_on(&a, &["vm1", "vm2"]).await;
    for (log, at) in logs.iter().zip(&before) {
        let first = ticks(log).first().copied().expect("tick");
        assert!(first >= *at, "{}: restarted, not resumed", log.display());
    }
    println!(
        "restore at a: copy {} ms, start {} ms, total {} ms",
        r.copy_ms, r.start_ms, r.total_ms
    );

    // 5. Site a fails; restore k3 at b: both parts copied to ss-b, the service registered
    //    at b's switch.
    assert!(tc::ops::down(&c, &svc).await.errors.is_empty());
    let r = tc::restore(&c, &svc, &rec, "b")
        .await
        .expect("restore at b");
    assert_eq!(r.images["vm1"], "k3.from-ss-a1");
    assert_eq!(r.images["vm2"], "k3.from-ss-a2");
    assert_eq!(on_disk(&d_b, "k3.from-ss-a1"), "committed");
    all_tick_on(&b, &["vm1", "vm2"]).await;
    let registered = ctl
        .calls
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(m, p, _)| m == "POST" && p == "/api/v1/snapshot/services")
        .map(|(_, _, body)| body.clone())
        .expect("registered");
    assert_eq!(registered["vms"][0]["dpid"], "0000000000000002");

    // 6. A schedule at b (the VMs run there now), keep 2, three snapshots.
    let sched =
        tc::schedule::Schedule::new(&svc, Duration::from_secs(2), Some(2)).expect("schedule");
    sched
        .run(&c, &svc, Some(3), |_| {})
        .await
        .expect("schedule");
    let st = sched.status();
    assert_eq!((st.successes, st.failures), (3, 0), "{st:?}");
    let last = st.last_success.expect("last").snapshot_id;
    let committed = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.join("committed"))
            .expect("committed dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    };
    assert_eq!(committed(&d_b).len(), 2, "{:?}", committed(&d_b));
    assert!(committed(&d_b).contains(&last));
    assert!(committed(&d_a1).is_empty(), "{:?}", committed(&d_a1));
    assert!(committed(&d_a2).is_empty(), "{:?}", committed(&d_a2));
    assert!(sched
        .metrics
        .text()
        .contains("viola_tc_snapshots_total{result=\"success\",service=\"demo\"} 3"));

    // 7. The last one, taken at b, restores at a.
    assert!(tc::ops::down(&c, &svc).await.errors.is_empty());
    let rec = catalog::find_record(&c, &svc, &journal, None)
        .await
        .expect("latest");
    assert_eq!(rec.snapshot_id, last);
    assert_eq!(rec.vms["vm1"].snapshot_server, "ss-b");
    tc::restore(&c, &svc, &rec, "a").await.expect("back at a");
    all_tick_on(&a, &["vm1", "vm2"]).await;
    assert!(tc::ops::down(&c, &svc).await.errors.is_empty());
    agent_a.stop_all().await;
    agent_b.stop_all().await;
}

/// The token every system-test daemon and client shares.
fn test_credentials() -> viola_orchestrator::auth::Credentials {
    viola_orchestrator::auth::Credentials::from_secret("viola-system-test-token-0123456789")
        .expect("token")
}

/// Agents accept kernels and initramfs images from the guest build cache only.
fn test_policy() -> viola_orchestrator::agent::RequestPolicy {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    std::fs::create_dir_all(&dir).expect("guest cache dir");
    viola_orchestrator::agent::RequestPolicy::new(&[dir], 4096).expect("image policy")
}
