//! The transaction logic against an in-memory cluster, over every failure path.

use super::cluster::{CResult, Cluster, ClusterError, DataPort};
use super::service::{ServiceFile, SnapshotServerEntry, VmServerEntry};
use super::snapshot::{snapshot, Phase, SnapshotOptions, TcError};
use crate::agent::{AgentEvent, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus};
use crate::snapshot_server::protocol::Listing;
use crate::snapshot_server::{ImageInfo, Manifest};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

const SERVICE: &str = r#"
name = "svc"
controller = "http://ctl"
[sites.b]
dpid_map = { "0000000000000001" = "0000000000000011" }
[[snapshot_servers]]
name = "ss-a"
address = "a:1"
site = "a"
[[snapshot_servers]]
name = "ss-a2"
address = "a2:1"
site = "a"
[[snapshot_servers]]
name = "ss-b"
address = "b:1"
site = "b"
[[vm_servers]]
name = "vms-a1"
agent = "a:2"
site = "a"
[[vm_servers]]
name = "vms-b1"
agent = "b:2"
site = "b"
[[vms]]
name = "vm1"
server = "vms-a1"
snapshot_server = "ss-a"
memory_mb = 512
kernel = "k"
initrd = "i"
mac = "52:54:00:00:00:01"
dpid = "1"
port = 1
[[vms]]
name = "vm2"
server = "vms-a1"
snapshot_server = "ss-a2"
memory_mb = 128
kernel = "k"
initrd = "i"
mac = "52:54:00:00:00:02"
dpid = "1"
port = 2
"#;

fn service() -> ServiceFile {
    ServiceFile::parse(SERVICE).expect("service")
}

#[derive(Default)]
struct Fake {
    log: Mutex<Vec<String>>,
    fail: Mutex<HashSet<String>>,
    held: Mutex<HashMap<String, oneshot::Sender<()>>>,
    prepared: Mutex<Vec<(String, String, String)>>,
    committed: Mutex<HashSet<(String, String)>>,
    /// Switches the fake controller does not have (of 0x1 and 0x11).
    offline: Mutex<HashSet<u64>>,
}

impl Fake {
    fn failing(keys: &[&str]) -> Self {
        let f = Fake::default();
        f.fail
            .lock()
            .unwrap()
            .extend(keys.iter().map(|k| k.to_string()));
        f
    }
    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
    fn fails(&self, key: &str) -> bool {
        self.fail.lock().unwrap().contains(key)
    }
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    fn pos(&self, entry: &str) -> Option<usize> {
        self.log().iter().position(|l| l == entry)
    }
    fn has(&self, entry: &str) -> bool {
        self.pos(entry).is_some()
    }
    fn err<T>(&self, what: &str) -> CResult<T> {
        Err(ClusterError(format!("{what} unreachable")))
    }
}

impl Cluster for Fake {
    async fn prepare(&self, s: &SnapshotServerEntry, id: &str, vm: &str) -> CResult<DataPort> {
        self.note(format!("prepare {} {vm}", s.name));
        if self.fails(&format!("prepare:{vm}")) {
            return self.err(&s.name);
        }
        self.prepared
            .lock()
            .unwrap()
            .push((s.name.clone(), id.into(), vm.into()));
        Ok(DataPort {
            addr: format!("{}:9", s.name),
            ticket: format!("ticket-{vm}"),
        })
    }
    async fn commit(&self, s: &SnapshotServerEntry, id: &str, meta: Value) -> CResult<Manifest> {
        self.note(format!("commit {}", s.name));
        if self.fails(&format!("commit:{}", s.name)) {
            return self.err(&s.name);
        }
        self.committed
            .lock()
            .unwrap()
            .insert((s.name.clone(), id.into()));
        let images = self
            .prepared
            .lock()
            .unwrap()
            .iter()
            .filter(|(srv, i, _)| srv == &s.name && i == id)
            .map(|(_, _, vm)| {
                (
                    vm.clone(),
                    ImageInfo {
                        size: 100,
                        sha256: format!("sha-{vm}"),
                    },
                )
            })
            .collect();
        Ok(Manifest {
            format: "f".into(),
            snapshot_id: id.into(),
            committed_at: 0,
            images,
            meta,
        })
    }
    async fn abort_server(&self, s: &SnapshotServerEntry, _id: &str) -> CResult<()> {
        self.note(format!("abort {}", s.name));
        Ok(())
    }
    async fn copy(
        &self,
        from: &SnapshotServerEntry,
        _id: &str,
        to: &SnapshotServerEntry,
        as_id: &str,
    ) -> CResult<Manifest> {
        self.note(format!("copy {} {} {as_id}", from.name, to.name));
        if self.fails("copy") {
            return self.err("copy");
        }
        Ok(Manifest {
            format: "f".into(),
            snapshot_id: as_id.into(),
            committed_at: 0,
            images: BTreeMap::new(),
            meta: Value::Null,
        })
    }
    async fn manifest(&self, s: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        if self
            .committed
            .lock()
            .unwrap()
            .contains(&(s.name.clone(), id.to_string()))
        {
            Ok(Manifest {
                format: "f".into(),
                snapshot_id: id.into(),
                committed_at: 0,
                images: BTreeMap::new(),
                meta: Value::Null,
            })
        } else {
            self.err("manifest")
        }
    }
    async fn list(&self, _s: &SnapshotServerEntry) -> CResult<Listing> {
        Ok(Listing {
            committed: vec![],
            pending: vec![],
        })
    }
    async fn start_vm(&self, a: &VmServerEntry, cfg: VmConfig) -> CResult<VmStatus> {
        self.note(format!("start {} {}", a.name, cfg.vm));
        if self.fails(&format!("start:{}", cfg.vm)) {
            return self.err(&a.name);
        }
        Ok(status(&cfg.vm, "running"))
    }
    async fn snapshot(
        &self,
        _a: &VmServerEntry,
        vm: &str,
        _target: &DataPort,
        mode: SnapshotMode,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> CResult<SnapshotReport> {
        self.note(format!("snapshot {vm}"));
        if self.fails(&format!("snapshot:{vm}")) {
            return self.err("agent");
        }
        if self.fails(&format!("no-pause:{vm}")) {
            return Ok(SnapshotReport::default());
        }
        let (tx, rx) = oneshot::channel();
        self.held.lock().unwrap().insert(vm.into(), tx);
        let _ = events.send(AgentEvent::VmPaused {
            vm: vm.into(),
            ms: 1,
        });
        if self.fails(&format!("crash-after-pause:{vm}")) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            return Err(ClusterError("QEMU exited".into()));
        }
        match tokio::time::timeout(Duration::from_secs(5), rx).await {
            Ok(Ok(())) => Ok(SnapshotReport {
                vm: vm.into(),
                mode,
                downtime_ms: Some(9),
                total_time_ms: Some(500),
                migration_ms: 500,
                paused_ms: 20,
                to_stop_ms: 400,
                transferred_bytes: Some(100),
                qemu_version: "7.2.0".into(),
                command_line: vec!["qemu".into()],
                ..SnapshotReport::default()
            }),
            _ => Err(ClusterError("never unpaused".into())),
        }
    }
    async fn unpause(&self, _a: &VmServerEntry, vm: &str) -> CResult<()> {
        self.note(format!("unpause {vm}"));
        if self.fails(&format!("unpause:{vm}")) {
            return self.err("agent");
        }
        match self.held.lock().unwrap().remove(vm) {
            Some(tx) => {
                let _ = tx.send(());
                Ok(())
            }
            None => Err(ClusterError("not held".into())),
        }
    }
    async fn restore_vm(
        &self,
        a: &VmServerEntry,
        cfg: VmConfig,
        from: RestoreFrom,
    ) -> CResult<VmStatus> {
        self.note(format!(
            "restore {} {} from {} {}",
            a.name, cfg.vm, from.server, from.snapshot_id
        ));
        if self.fails(&format!("restore:{}", cfg.vm)) {
            return self.err(&a.name);
        }
        Ok(status(&cfg.vm, "paused"))
    }
    async fn cont(&self, a: &VmServerEntry, vm: &str) -> CResult<VmStatus> {
        self.note(format!("cont {} {vm}", a.name));
        Ok(status(vm, "running"))
    }
    async fn stop_vm(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        self.note(format!("stop {} {vm}", a.name));
        Ok(())
    }
    async fn vm_status(&self, _a: &VmServerEntry) -> CResult<Vec<VmStatus>> {
        Ok(vec![])
    }
    async fn register(&self, body: Value) -> CResult<Value> {
        self.note(format!(
            "register {}",
            body["vms"].as_array().map(Vec::len).unwrap_or(0)
        ));
        Ok(json!({}))
    }
    async fn start_epoch(&self, _service: &str) -> CResult<Value> {
        self.note("epoch".into());
        if self.fails("epoch") {
            return self.err("controller");
        }
        Ok(json!({"epoch": 7}))
    }
    async fn advance(&self, _service: &str, vm: &str) -> CResult<Value> {
        self.note(format!("advance {vm}"));
        if self.fails(&format!("hang-advance:{vm}")) {
            futures::future::pending::<()>().await;
        }
        if self.fails(&format!("advance:{vm}")) {
            return self.err("controller");
        }
        Ok(json!({"epoch": 7, "deleted_rules": 2}))
    }
    async fn reinject(&self, _service: &str, vm: &str) -> CResult<Value> {
        self.note(format!("reinject {vm}"));
        Ok(json!({"reinjected": 0}))
    }
    async fn abort_controller(&self, _service: &str) -> CResult<Value> {
        self.note("abort controller".into());
        Ok(json!({}))
    }
    async fn flows_state(&self) -> CResult<Value> {
        self.note("flows".into());
        if self.fails("flows") {
            return self.err("controller");
        }
        Ok(json!({"format": "viola.flow-state/1", "switches": [
            {"dpid": "0000000000000001", "version": "1.3", "flows": []}
        ]}))
    }
    async fn restore_flows(
        &self,
        _document: Value,
        map: BTreeMap<String, String>,
    ) -> CResult<Value> {
        self.note(format!("restore flows {}", map.len()));
        // Once: the switch drops just as the controller plans the push.
        if self.fail.lock().unwrap().remove("flows-not-connected-once") {
            return Err(ClusterError(
                "HTTP 404: switch 0000000000000011 is not connected; nothing was pushed".into(),
            ));
        }
        Ok(json!({}))
    }
    async fn controller_status(&self, _service: &str) -> CResult<Value> {
        Ok(json!({}))
    }
    async fn switches(&self) -> CResult<Value> {
        self.note("switches".into());
        let offline = self.offline.lock().unwrap().clone();
        Ok(Value::Array(
            [0x1u64, 0x11]
                .iter()
                .filter(|d| !offline.contains(d))
                .map(|d| json!({"dpid": openflow::Dpid(*d)}))
                .collect(),
        ))
    }
}

fn status(vm: &str, s: &str) -> VmStatus {
    VmStatus {
        vm: vm.into(),
        pid: Some(1),
        status: s.into(),
        accel: "tcg".into(),
        serial_log: String::new(),
        qemu_version: String::new(),
        command_line: vec![],
    }
}

fn opts() -> SnapshotOptions {
    SnapshotOptions {
        snapshot_id: Some("s1".into()),
    }
}

/// After a failed snapshot: nothing committed, every server and the controller aborted,
/// no VM left paused.
fn assert_aborted(f: &Fake) {
    let log = f.log();
    assert!(!log.iter().any(|l| l.starts_with("commit")), "{log:?}");
    assert!(f.has("abort ss-a") && f.has("abort ss-a2"), "{log:?}");
    assert!(f.has("abort controller"), "{log:?}");
    assert!(
        f.held.lock().unwrap().is_empty(),
        "a VM stayed paused: {log:?}"
    );
}

#[tokio::test]
async fn snapshot_commits_after_advance_unpause_reinject() {
    let f = Fake::default();
    let r = snapshot(&f, &service(), &opts()).await.expect("snapshot");
    assert_eq!(r.epoch, Some(7));
    assert_eq!(r.vms["vm1"].sha256, "sha-vm1");
    assert_eq!(r.vms["vm2"].sha256, "sha-vm2");
    assert_eq!(r.vms["vm2"].snapshot_server, "ss-a2");
    assert_eq!(r.vms["vm1"].downtime_ms, Some(9));
    assert_eq!(r.flow_state["format"], "viola.flow-state/1");
    for vm in ["vm1", "vm2"] {
        let adv = f.pos(&format!("advance {vm}")).expect("advance");
        let unp = f.pos(&format!("unpause {vm}")).expect("unpause");
        let rei = f.pos(&format!("reinject {vm}")).expect("reinject");
        assert!(adv < unp && unp < rei, "{:?}", f.log());
    }
    let flows = f.pos("flows").expect("flows");
    let epoch = f.pos("epoch").expect("epoch");
    let first_snapshot = f
        .log()
        .iter()
        .position(|l| l.starts_with("snapshot"))
        .expect("snapshot");
    let first_commit = f
        .log()
        .iter()
        .position(|l| l.starts_with("commit"))
        .expect("commit");
    let last_reinject = f
        .log()
        .iter()
        .rposition(|l| l.starts_with("reinject"))
        .expect("reinject");
    assert!(
        flows < epoch && epoch < first_snapshot && last_reinject < first_commit,
        "{:?}",
        f.log()
    );
    assert!(f.has("commit ss-a") && f.has("commit ss-a2"));
    assert!(!f.log().iter().any(|l| l.starts_with("abort")));
}

#[tokio::test]
async fn agent_gone_aborts_everything() {
    let f = Fake::failing(&["snapshot:vm2"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Snapshot, ref target, .. } if target == "vm2"),
        "{e}"
    );
    assert_aborted(&f);
}

#[tokio::test]
async fn server_gone_mid_stream_aborts() {
    let f = Fake::failing(&["crash-after-pause:vm1"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Snapshot,
                ..
            } | TcError::Failed {
                phase: Phase::Unpause,
                ..
            }
        ),
        "{e}"
    );
    assert_aborted(&f);
}

#[tokio::test]
async fn controller_unreachable_before_the_cut_aborts_without_snapshotting() {
    for key in ["epoch", "flows"] {
        let f = Fake::failing(&[key]);
        let e = snapshot(&f, &service(), &opts())
            .await
            .expect_err("must fail");
        assert!(
            matches!(
                e,
                TcError::Failed {
                    phase: Phase::Epoch | Phase::Flows,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            !f.log().iter().any(|l| l.starts_with("snapshot")),
            "{:?}",
            f.log()
        );
        assert_aborted(&f);
    }
}

#[tokio::test]
async fn advance_failure_unpauses_and_aborts() {
    let f = Fake::failing(&["advance:vm1"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
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
    assert!(f.has("unpause vm1"), "{:?}", f.log());
    assert_aborted(&f);
}

#[tokio::test]
async fn advance_timeout_unpauses_and_aborts() {
    let f = Fake::failing(&["hang-advance:vm2"]);
    let mut svc = service();
    svc.timeouts.pause_s = 1;
    let e = snapshot(&f, &svc, &opts())
        .await
        .expect_err("must time out");
    assert!(
        matches!(
            e,
            TcError::Timeout {
                phase: Phase::Advance,
                ..
            } | TcError::Timeout {
                phase: Phase::Reinject,
                ..
            }
        ),
        "{e}"
    );
    assert!(f.has("unpause vm2"), "{:?}", f.log());
    assert_aborted(&f);
}

#[tokio::test]
async fn prepare_and_commit_failures_abort() {
    let f = Fake::failing(&["prepare:vm2"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Prepare,
                ..
            }
        ),
        "{e}"
    );
    assert!(!f.log().iter().any(|l| l.starts_with("snapshot")));
    assert_aborted(&f);

    let f = Fake::failing(&["commit:ss-a2"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Commit, ref target, .. } if target == "ss-a2"),
        "{e}"
    );
    assert!(f.has("abort ss-a2"));
}

#[tokio::test]
async fn a_snapshot_without_vm_paused_is_refused() {
    let f = Fake::failing(&["no-pause:vm1"]);
    let e = snapshot(&f, &service(), &opts())
        .await
        .expect_err("must fail");
    assert!(e.to_string().contains("VM_PAUSED"), "{e}");
    assert_aborted(&f);
}

#[tokio::test]
async fn without_a_controller_there_is_no_epoch() {
    let f = Fake::default();
    let mut svc = service();
    svc.controller.clear();
    let r = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    assert_eq!(r.epoch, None);
    assert!(!f
        .log()
        .iter()
        .any(|l| l.starts_with("advance") || l == "epoch" || l == "flows"));
    assert!(f.has("unpause vm1") && f.has("unpause vm2"));
}

#[tokio::test]
async fn stagger_starts_bigger_vms_first() {
    let f = Fake::default();
    let mut svc = service();
    svc.stagger_ms_per_mb = 1; // vm2 (128 MB) waits 384 ms behind vm1 (512 MB)
    let r = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    let v1 = f.pos("snapshot vm1").expect("vm1");
    let v2 = f.pos("snapshot vm2").expect("vm2");
    assert!(v1 < v2, "{:?}", f.log());
    assert!(
        r.timings.pause_skew_ms >= 300,
        "skew {}",
        r.timings.pause_skew_ms
    );
}

#[tokio::test]
async fn restore_copies_maps_flows_starts_paused_and_resumes_together() {
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    let rep = super::restore(&f, &svc, &rec, "b").await.expect("restore");
    // Two source servers → two copies under distinct ids.
    assert!(
        f.has("copy ss-a ss-b s1.from-ss-a") && f.has("copy ss-a2 ss-b s1.from-ss-a2"),
        "{:?}",
        f.log()
    );
    assert!(f.has("restore flows 1"));
    assert_eq!(rep.placement["vm1"], "vms-b1");
    assert!(
        f.has("restore vms-b1 vm1 from b:1 s1.from-ss-a"),
        "{:?}",
        f.log()
    );
    let last_restore = f
        .log()
        .iter()
        .rposition(|l| l.starts_with("restore vms"))
        .expect("restore");
    let first_cont = f
        .log()
        .iter()
        .position(|l| l.starts_with("cont"))
        .expect("cont");
    assert!(
        last_restore < first_cont,
        "resume before every VM was loaded: {:?}",
        f.log()
    );

    // Same site: no copy, servers kept.
    let f2 = Fake::default();
    let rec2 = snapshot(&f2, &svc, &opts()).await.expect("snapshot");
    super::restore(&f2, &svc, &rec2, "a")
        .await
        .expect("restore at a");
    assert!(!f2.log().iter().any(|l| l.starts_with("copy")));
}

#[tokio::test]
async fn restore_failure_stops_what_started() {
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    f.fail.lock().unwrap().insert("restore:vm2".into());
    let e = super::restore(&f, &svc, &rec, "b")
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Start,
                ..
            }
        ),
        "{e}"
    );
    assert!(f.has("stop vms-b1 vm1"), "{:?}", f.log());
    assert!(!f.log().iter().any(|l| l.starts_with("cont")));
    f.fail.lock().unwrap().insert("copy".into());
    let f3 = Fake::failing(&["copy"]);
    let e = super::restore(&f3, &svc, &rec, "b")
        .await
        .expect_err("copy fails");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Copy,
                ..
            }
        ),
        "{e}"
    );
    assert!(!f3.log().iter().any(|l| l.starts_with("restore vms")));
}

#[tokio::test]
async fn up_registers_and_boots_and_rolls_back() {
    let f = Fake::default();
    let r = super::ops::up(&f, &service()).await.expect("up");
    assert_eq!(r.vms.len(), 2);
    assert!(f.has("register 2"));
    let f = Fake::failing(&["start:vm2"]);
    assert!(super::ops::up(&f, &service()).await.is_err());
    assert!(f.has("stop vms-a1 vm1"), "{:?}", f.log());
}

#[tokio::test]
async fn restore_waits_for_the_mapped_switches() {
    let f = std::sync::Arc::new(Fake::default());
    let svc = service();
    let rec = snapshot(&*f, &svc, &opts()).await.expect("snapshot");
    // Site b's switch 0x11 (mapped from 0x1) connects 300 ms into the restore.
    f.offline.lock().unwrap().insert(0x11);
    let f2 = f.clone();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        f2.offline.lock().unwrap().clear();
    });
    let t0 = std::time::Instant::now();
    super::restore(&*f, &svc, &rec, "b").await.expect("restore");
    late.await.expect("task");
    assert!(t0.elapsed() >= Duration::from_millis(300));
    let first_push = f.pos("restore flows 1").expect("flows pushed");
    let polls = f.log()[..first_push]
        .iter()
        .filter(|l| *l == "switches")
        .count();
    assert!(polls >= 2, "pushed without waiting: {:?}", f.log());

    // The switch drops as the push is planned: the push is retried, not failed.
    let f = Fake::failing(&["flows-not-connected-once"]);
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    super::restore(&f, &svc, &rec, "b")
        .await
        .expect("restore after a retry");
    let pushes = f.log().iter().filter(|l| *l == "restore flows 1").count();
    assert_eq!(pushes, 2, "{:?}", f.log());
}

#[tokio::test]
async fn restore_fails_clearly_when_a_switch_never_connects() {
    let f = Fake::default();
    let mut svc = service();
    svc.timeouts.switches_s = 1;
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    f.offline.lock().unwrap().insert(0x11);
    let e = super::restore(&f, &svc, &rec, "b")
        .await
        .expect_err("switch missing");
    assert!(
        matches!(
            e,
            TcError::Timeout {
                phase: Phase::Flows,
                ..
            }
        ) && e.to_string().contains("0000000000000011"),
        "{e}"
    );
    assert!(!f.log().iter().any(|l| l.starts_with("restore flows")));
    assert!(!f.log().iter().any(|l| l.starts_with("restore vms")));
}

#[test]
fn flow_state_targets_are_mapped() {
    let doc =
        json!({"switches": [{"dpid": "0000000000000001"}, {"dpid": "00:00:00:00:00:00:00:02"}]});
    let map: BTreeMap<String, String> = [(
        "0000000000000001".to_string(),
        "0000000000000011".to_string(),
    )]
    .into();
    assert_eq!(
        super::restore::target_switches(&doc, &map),
        vec![openflow::Dpid(0x2), openflow::Dpid(0x11)]
    );
}
