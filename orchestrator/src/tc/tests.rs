//! The transaction logic against an in-memory cluster, over every failure path.

use super::cluster::{CResult, Cluster, ClusterError, DataPort};
use super::journal::Journal;
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

/// A service file whose state directory lives as long as the value.
struct Svc {
    svc: ServiceFile,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Svc {
    type Target = ServiceFile;
    fn deref(&self) -> &ServiceFile {
        &self.svc
    }
}

impl std::ops::DerefMut for Svc {
    fn deref_mut(&mut self) -> &mut ServiceFile {
        &mut self.svc
    }
}

fn service() -> Svc {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut svc = ServiceFile::parse(SERVICE).expect("service");
    svc.state_dir = Some(dir.path().to_path_buf());
    Svc { svc, _dir: dir }
}

fn journal(svc: &ServiceFile) -> Journal {
    Journal::of(svc).expect("journal")
}

/// Where one snapshot is on one fake snapshot server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Receiving,
    Voted,
    Committed,
}

#[derive(Debug, Clone)]
struct Stored {
    stage: Stage,
    images: BTreeMap<String, ImageInfo>,
    meta: Value,
}

impl Stored {
    fn manifest(&self, id: &str) -> Manifest {
        Manifest {
            format: "f".into(),
            snapshot_id: id.into(),
            committed_at: 0,
            images: self.images.clone(),
            meta: self.meta.clone(),
        }
    }
}

/// The fake snapshot servers' disks: (server, snapshot id) → what is stored.
type Disks = BTreeMap<(String, String), Stored>;

#[derive(Default)]
struct Fake {
    log: Mutex<Vec<String>>,
    fail: Mutex<HashSet<String>>,
    held: Mutex<HashMap<String, oneshot::Sender<()>>>,
    disks: Mutex<Disks>,
    /// The last registration the controller accepted.
    registered: Mutex<Option<Value>>,
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
    /// A process killed here: the call never returns (the test drops the future).
    async fn hang_if(&self, key: &str) {
        if self.fails(key) {
            futures::future::pending::<()>().await;
        }
    }
    fn stage(&self, server: &str, id: &str) -> Option<Stage> {
        self.disks
            .lock()
            .unwrap()
            .get(&(server.to_string(), id.to_string()))
            .map(|s| s.stage)
    }
    /// A server's restart: what never voted is gone (the real store deletes it).
    fn restart_server(&self, server: &str) {
        self.disks
            .lock()
            .unwrap()
            .retain(|(s, _), v| s != server || v.stage != Stage::Receiving);
    }
    fn server_of_address(addr: &str) -> String {
        match addr {
            "a:1" => "ss-a",
            "a2:1" => "ss-a2",
            "b:1" => "ss-b",
            other => other,
        }
        .to_string()
    }
}

impl Cluster for Fake {
    async fn prepare(&self, s: &SnapshotServerEntry, id: &str, vm: &str) -> CResult<DataPort> {
        self.note(format!("prepare {} {vm}", s.name));
        if self.fails(&format!("prepare:{vm}")) {
            return self.err(&s.name);
        }
        let mut disks = self.disks.lock().unwrap();
        let entry = disks
            .entry((s.name.clone(), id.into()))
            .or_insert_with(|| Stored {
                stage: Stage::Receiving,
                images: BTreeMap::new(),
                meta: Value::Null,
            });
        if entry.stage != Stage::Receiving {
            return Err(ClusterError(format!("snapshot {id} is already voted")));
        }
        entry.images.insert(
            vm.into(),
            ImageInfo {
                size: 100,
                sha256: format!("sha-{vm}"),
            },
        );
        Ok(DataPort {
            addr: format!("{}:9", s.name),
            ticket: format!("ticket-{vm}"),
        })
    }
    async fn vote(&self, s: &SnapshotServerEntry, id: &str, meta: Value) -> CResult<Manifest> {
        self.note(format!("vote {}", s.name));
        self.hang_if(&format!("hang-vote:{}", s.name)).await;
        if self.fails(&format!("vote:{}", s.name)) {
            return self.err(&s.name);
        }
        let m = {
            let mut disks = self.disks.lock().unwrap();
            let st = disks
                .get_mut(&(s.name.clone(), id.into()))
                .ok_or_else(|| ClusterError(format!("no pending snapshot {id}")))?;
            if st.stage == Stage::Committed {
                return Err(ClusterError(format!("snapshot {id} is already committed")));
            }
            st.stage = Stage::Voted;
            st.meta = meta;
            st.manifest(id)
        };
        self.hang_if(&format!("hang-after-vote:{}", s.name)).await;
        Ok(m)
    }
    async fn commit(&self, s: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        self.note(format!("commit {}", s.name));
        self.hang_if(&format!("hang-commit:{}", s.name)).await;
        if self.fails(&format!("commit:{}", s.name)) {
            return self.err(&s.name);
        }
        let mut disks = self.disks.lock().unwrap();
        let st = disks
            .get_mut(&(s.name.clone(), id.into()))
            .ok_or_else(|| ClusterError(format!("no pending snapshot {id}")))?;
        if st.stage == Stage::Receiving {
            return Err(ClusterError(format!("snapshot {id} never voted")));
        }
        st.stage = Stage::Committed;
        Ok(st.manifest(id))
    }
    async fn abort_server(&self, s: &SnapshotServerEntry, id: &str) -> CResult<()> {
        self.note(format!("abort {}", s.name));
        if self.fails(&format!("abort:{}", s.name)) {
            return self.err(&s.name);
        }
        let mut disks = self.disks.lock().unwrap();
        let key = (s.name.clone(), id.to_string());
        if disks.get(&key).map(|st| st.stage) == Some(Stage::Committed) {
            return Err(ClusterError(format!("snapshot {id} is committed")));
        }
        disks.remove(&key);
        Ok(())
    }
    async fn delete(&self, s: &SnapshotServerEntry, id: &str) -> CResult<bool> {
        self.note(format!("delete {} {id}", s.name));
        let mut disks = self.disks.lock().unwrap();
        let key = (s.name.clone(), id.to_string());
        match disks.get(&key).map(|st| st.stage) {
            None => Ok(false),
            Some(Stage::Committed) => {
                disks.remove(&key);
                Ok(true)
            }
            Some(_) => Err(ClusterError(format!("snapshot {id} is not committed"))),
        }
    }
    async fn copy(
        &self,
        from: &SnapshotServerEntry,
        id: &str,
        to: &SnapshotServerEntry,
        as_id: &str,
    ) -> CResult<Manifest> {
        self.note(format!("copy {} {} {as_id}", from.name, to.name));
        if self.fails("copy") {
            return self.err("copy");
        }
        let mut disks = self.disks.lock().unwrap();
        let src = disks
            .get(&(from.name.clone(), id.into()))
            .filter(|st| st.stage == Stage::Committed)
            .cloned()
            .ok_or_else(|| ClusterError(format!("no committed snapshot {id}")))?;
        let key = (to.name.clone(), as_id.to_string());
        if disks.contains_key(&key) {
            return Err(ClusterError(format!(
                "snapshot {as_id} is already committed"
            )));
        }
        disks.insert(key, src.clone());
        Ok(src.manifest(as_id))
    }
    async fn manifest(&self, s: &SnapshotServerEntry, id: &str) -> CResult<Manifest> {
        let disks = self.disks.lock().unwrap();
        match disks.get(&(s.name.clone(), id.into())) {
            Some(st) if st.stage == Stage::Committed => Ok(st.manifest(id)),
            _ => Err(ClusterError(format!("no committed snapshot {id}"))),
        }
    }
    async fn list(&self, s: &SnapshotServerEntry) -> CResult<Listing> {
        if self.fails(&format!("list:{}", s.name)) {
            return self.err(&s.name);
        }
        let disks = self.disks.lock().unwrap();
        let mut l = Listing::default();
        for ((server, id), st) in disks.iter() {
            if server != &s.name {
                continue;
            }
            match st.stage {
                Stage::Committed => l.committed.push(st.manifest(id)),
                Stage::Voted => {
                    l.pending.push(id.clone());
                    l.in_doubt.push(st.manifest(id));
                }
                Stage::Receiving => l.pending.push(id.clone()),
            }
        }
        Ok(l)
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
        // As the real agent does: a dead guest keeps its name until it is stopped.
        if self.fails(&format!("gone:{}", cfg.vm))
            && !self.has(&format!("stop {} {}", a.name, cfg.vm))
        {
            return Err(ClusterError(format!("VM {} already exists", cfg.vm)));
        }
        // As the real agent does: the image must be on that server, committed.
        let server = Fake::server_of_address(&from.server);
        let image = from.image.clone().unwrap_or_else(|| cfg.vm.clone());
        let disks = self.disks.lock().unwrap();
        match disks.get(&(server, from.snapshot_id.clone())) {
            Some(st) if st.stage == Stage::Committed && st.images.contains_key(&image) => {
                Ok(status(&cfg.vm, "paused"))
            }
            _ => Err(ClusterError(format!(
                "snapshot server: remote error: no image {image} in snapshot {}",
                from.snapshot_id
            ))),
        }
    }
    async fn cont(&self, a: &VmServerEntry, vm: &str) -> CResult<VmStatus> {
        self.note(format!("cont {} {vm}", a.name));
        Ok(status(vm, "running"))
    }
    async fn stop_vm(&self, a: &VmServerEntry, vm: &str) -> CResult<()> {
        self.note(format!("stop {} {vm}", a.name));
        Ok(())
    }
    async fn vm_status(&self, a: &VmServerEntry) -> CResult<Vec<VmStatus>> {
        if self.fails(&format!("status:{}", a.name)) {
            return self.err(&a.name);
        }
        let gone = ["vm1", "vm2"]
            .into_iter()
            .filter(|vm| self.fails(&format!("gone:{vm}")))
            .map(|vm| status(vm, "gone"));
        let moved = self.fails("moved-to-b") && a.name == "vms-b1";
        let running = (self.fails("running") || moved)
            .then(|| ["vm1", "vm2"].map(|vm| status(vm, "running")))
            .into_iter()
            .flatten();
        Ok(gone.chain(running).collect())
    }
    async fn register(&self, body: Value) -> CResult<Value> {
        self.note(format!(
            "register {}",
            body["vms"].as_array().map(Vec::len).unwrap_or(0)
        ));
        *self.registered.lock().unwrap() = Some(body);
        Ok(json!({}))
    }
    async fn unregister(&self, _service: &str) -> CResult<Value> {
        self.note("unregister".into());
        *self.registered.lock().unwrap() = None;
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
        if self.fails(&format!("no-switch:{vm}")) {
            return Ok(json!({"epoch": 7, "deleted_rules": 0, "switch_connected": false}));
        }
        Ok(json!({"epoch": 7, "deleted_rules": 2, "switch_connected": true}))
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
        Ok(self.registered.lock().unwrap().clone().unwrap_or(json!({})))
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
    assert!(
        f.disks.lock().unwrap().is_empty(),
        "left on a server: {:?}",
        f.disks.lock().unwrap()
    );
}

/// All or nothing, checked on every server's disk and in the journal.
fn assert_nothing_of(f: &Fake, svc: &ServiceFile, id: &str) {
    for s in ["ss-a", "ss-a2", "ss-b"] {
        assert_eq!(f.stage(s, id), None, "{id} left on {s}");
    }
    let j = journal(svc);
    assert!(!j.committed(id).expect("journal"), "{id} recorded");
    assert!(j.open_transactions().expect("journal").is_empty());
}

fn assert_all_of(f: &Fake, svc: &ServiceFile, id: &str) {
    for s in ["ss-a", "ss-a2"] {
        assert_eq!(f.stage(s, id), Some(Stage::Committed), "{id} on {s}");
    }
    let j = journal(svc);
    assert!(j.committed(id).expect("journal"), "{id} not recorded");
    assert!(j.open_transactions().expect("journal").is_empty());
}

/// Runs a snapshot that "is killed" (its future dropped) once it blocks on a hung call.
async fn killed_snapshot(f: &Fake, svc: &ServiceFile) {
    let r = tokio::time::timeout(Duration::from_millis(500), snapshot(f, svc, &opts())).await;
    assert!(r.is_err(), "the snapshot was meant to hang: {r:?}");
}

#[tokio::test]
async fn snapshot_commits_after_advance_unpause_reinject() {
    let f = Fake::default();
    let svc = service();
    let r = snapshot(&f, &svc, &opts()).await.expect("snapshot");
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
    let last_vote = f
        .log()
        .iter()
        .rposition(|l| l.starts_with("vote"))
        .expect("vote");
    assert!(last_vote < first_commit, "{:?}", f.log());
    assert!(!f.log().iter().any(|l| l.starts_with("abort")));
    assert_all_of(&f, &svc, "s1");
    assert_eq!(journal(&svc).latest().as_deref(), Some("s1"));
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

    let f = Fake::failing(&["vote:ss-a2"]);
    let svc = service();
    let e = snapshot(&f, &svc, &opts()).await.expect_err("must fail");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Vote, ref target, .. } if target == "ss-a2"),
        "{e}"
    );
    assert!(!f.log().iter().any(|l| l.starts_with("commit")));
    assert!(f.has("abort ss-a") && f.has("abort ss-a2"));
    assert_nothing_of(&f, &svc, "s1");
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

    assert_eq!(
        f.registered.lock().unwrap().as_ref().expect("registered")["vms"][0]["dpid"],
        "0000000000000011",
        "not re-registered at site b's switch"
    );
}

/// Site a holds the images on two servers; the target (ss-a) has only vm1's part, so
/// ss-a2's part must be copied. (The old code skipped that copy and asked ss-a for vm2.)
#[tokio::test]
async fn restore_at_a_site_holding_one_of_two_parts_copies_the_other() {
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    let rep = super::restore(&f, &svc, &rec, "a")
        .await
        .expect("restore at a");
    assert!(f.has("copy ss-a2 ss-a s1.from-ss-a2"), "{:?}", f.log());
    assert_eq!(
        f.log().iter().filter(|l| l.starts_with("copy")).count(),
        1,
        "{:?}",
        f.log()
    );
    assert_eq!(rep.images["vm1"], "s1");
    assert_eq!(rep.images["vm2"], "s1.from-ss-a2");
    assert!(f.has("restore vms-a1 vm2 from a:1 s1.from-ss-a2"));
    // A second restore reuses the verified copy.
    super::restore(&f, &svc, &rec, "a").await.expect("again");
    assert_eq!(f.log().iter().filter(|l| l.starts_with("copy")).count(), 1);
}

#[tokio::test]
async fn restore_refuses_a_part_whose_digest_differs_and_replaces_a_stale_copy() {
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    // A stale copy at b with another digest is deleted and copied again.
    let mut stale = f.disks.lock().unwrap()[&("ss-a".to_string(), "s1".to_string())].clone();
    stale
        .images
        .values_mut()
        .for_each(|i| i.sha256 = "old".into());
    f.disks
        .lock()
        .unwrap()
        .insert(("ss-b".into(), "s1.from-ss-a".into()), stale);
    super::restore(&f, &svc, &rec, "b").await.expect("restore");
    assert!(f.has("delete ss-b s1.from-ss-a"), "{:?}", f.log());
    assert!(f.has("copy ss-a ss-b s1.from-ss-a"));

    // The target's own part damaged: refused before any VM starts.
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    if let Some(st) = f
        .disks
        .lock()
        .unwrap()
        .get_mut(&("ss-a".to_string(), "s1".to_string()))
    {
        st.images.insert(
            "vm1".into(),
            ImageInfo {
                size: 100,
                sha256: "bad".into(),
            },
        );
    }
    let e = super::restore(&f, &svc, &rec, "a")
        .await
        .expect_err("damaged part");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Copy,
                ..
            }
        ) && e.to_string().contains("vm1"),
        "{e}"
    );
    assert!(!f.log().iter().any(|l| l.starts_with("restore vms")));
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
    let svc = service();
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

#[tokio::test]
async fn killed_before_every_vote_ends_aborted_everywhere() {
    let f = Fake::failing(&["hang-vote:ss-a2"]);
    let svc = service();
    killed_snapshot(&f, &svc).await;
    assert_eq!(journal(&svc).open_transactions().expect("open").len(), 1);
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert!(r.resolved.iter().all(|x| x.outcome == "aborted"), "{r:?}");
    assert_nothing_of(&f, &svc, "s1");
}

#[tokio::test]
async fn killed_after_the_votes_before_the_decision_ends_aborted_everywhere() {
    let f = Fake::failing(&["hang-after-vote:ss-a2"]);
    let svc = service();
    killed_snapshot(&f, &svc).await;
    assert_eq!(f.stage("ss-a2", "s1"), Some(Stage::Voted));
    assert_eq!(f.stage("ss-a", "s1"), Some(Stage::Voted));
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert_nothing_of(&f, &svc, "s1");
}

#[tokio::test]
async fn killed_after_the_decision_between_server_commits_ends_committed_everywhere() {
    let f = Fake::failing(&["hang-commit:ss-a2"]);
    let svc = service();
    killed_snapshot(&f, &svc).await;
    assert_eq!(f.stage("ss-a", "s1"), Some(Stage::Committed));
    assert_eq!(f.stage("ss-a2", "s1"), Some(Stage::Voted));
    f.fail.lock().unwrap().clear();
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert!(r.resolved.iter().all(|x| x.outcome == "committed"), "{r:?}");
    assert_all_of(&f, &svc, "s1");
    // And it restores.
    let rec = super::catalog::find_record(&f, &svc, &journal(&svc), None)
        .await
        .expect("record");
    super::restore(&f, &svc, &rec, "b").await.expect("restore");
}

#[tokio::test]
async fn a_server_killed_before_its_vote_aborts_everything() {
    let f = Fake::failing(&["vote:ss-a2"]);
    let svc = service();
    let e = snapshot(&f, &svc, &opts()).await.expect_err("no vote");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Vote, ref target, .. } if target == "ss-a2"),
        "{e}"
    );
    f.restart_server("ss-a2");
    assert_nothing_of(&f, &svc, "s1");
}

#[tokio::test]
async fn an_unconfirmed_commit_is_finished_by_the_next_recovery() {
    let f = Fake::failing(&["commit:ss-a2"]);
    let svc = service();
    let e = snapshot(&f, &svc, &opts()).await.expect_err("unconfirmed");
    assert!(
        matches!(e, TcError::Unfinished { ref servers, .. } if servers == &["ss-a2".to_string()]),
        "{e}"
    );
    // Still unreachable: the transaction stays open.
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert_eq!(journal(&svc).open_transactions().expect("open").len(), 1);
    f.fail.lock().unwrap().clear();
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert_all_of(&f, &svc, "s1");
}

#[tokio::test]
async fn an_unconfirmed_abort_is_finished_by_the_next_recovery() {
    let f = Fake::failing(&["vote:ss-a2", "abort:ss-a"]);
    let svc = service();
    snapshot(&f, &svc, &opts()).await.expect_err("no vote");
    assert_eq!(f.stage("ss-a", "s1"), Some(Stage::Voted));
    assert_eq!(journal(&svc).open_transactions().expect("open").len(), 1);
    f.fail.lock().unwrap().clear();
    let r = super::recover(&f, &svc, &journal(&svc)).await;
    assert!(r.errors.is_empty(), "{r:?}");
    assert_nothing_of(&f, &svc, "s1");
}

#[tokio::test]
async fn recovery_aborts_a_vote_of_this_service_it_has_no_transaction_for() {
    let f = Fake::failing(&["hang-after-vote:ss-a2"]);
    let svc = service();
    killed_snapshot(&f, &svc).await;
    // The state directory is lost: only the servers' votes tell.
    let other = service();
    let r = super::recover(&f, &other, &journal(&other)).await;
    assert_eq!(r.resolved.len(), 2, "{r:?}");
    assert_eq!(f.stage("ss-a", "s1"), None);
    assert_eq!(f.stage("ss-a2", "s1"), None);
}

#[tokio::test]
async fn recovery_leaves_a_running_snapshot_alone() {
    let f = Fake::default();
    let svc = service();
    let j = journal(&svc);
    let held = j.lock().expect("lock");
    let r = super::recover(&f, &svc, &j).await;
    assert!(r.skipped.is_some(), "{r:?}");
    let e = snapshot(&f, &svc, &opts()).await.expect_err("busy");
    assert!(matches!(e, TcError::Busy(_)), "{e}");
    drop(held);
    snapshot(&f, &svc, &opts()).await.expect("snapshot");
}

fn opts_id(id: &str) -> SnapshotOptions {
    SnapshotOptions {
        snapshot_id: Some(id.into()),
    }
}

#[tokio::test]
async fn prune_keeps_the_newest_and_deletes_the_rest_with_their_copies() {
    let f = Fake::default();
    let svc = service();
    let j = journal(&svc);
    let mut recs = Vec::new();
    for id in ["s1", "s2", "s3"] {
        recs.push(snapshot(&f, &svc, &opts_id(id)).await.expect("snapshot"));
    }
    super::restore(&f, &svc, &recs[0], "b")
        .await
        .expect("restore");
    assert_eq!(f.stage("ss-b", "s1.from-ss-a"), Some(Stage::Committed));
    let all = super::catalog::catalog(&f, &svc, &j)
        .await
        .expect("catalog");
    assert_eq!(
        all.iter()
            .map(|e| e.snapshot_id.as_str())
            .collect::<Vec<_>>(),
        ["s3", "s2", "s1"]
    );
    assert!(all.iter().all(|e| e.complete && e.recorded));
    assert_eq!(all[2].copies.len(), 2);
    let r = super::catalog::prune(&f, &svc, &j, 2).await.expect("prune");
    assert_eq!(r.kept, ["s3", "s2"]);
    assert_eq!(r.deleted.len(), 1);
    assert_eq!(r.deleted[0].deleted.len(), 4, "{r:?}");
    assert_nothing_of(&f, &svc, "s1");
    assert_eq!(f.stage("ss-b", "s1.from-ss-a"), None);
    assert_eq!(f.stage("ss-b", "s1.from-ss-a2"), None);
    assert_all_of(&f, &svc, "s2");
    assert_all_of(&f, &svc, "s3");
}

#[tokio::test]
async fn a_snapshot_is_found_on_the_servers_without_the_journal() {
    let f = Fake::default();
    let svc = service();
    snapshot(&f, &svc, &opts()).await.expect("snapshot");
    let elsewhere = service();
    let j = journal(&elsewhere);
    let rec = super::catalog::find_record(&f, &elsewhere, &j, Some("s1"))
        .await
        .expect("record");
    assert_eq!(rec.vms["vm2"].sha256, "sha-vm2");
    super::restore(&f, &elsewhere, &rec, "b")
        .await
        .expect("restore");
    let e = super::catalog::find_record(&f, &elsewhere, &j, Some("nope"))
        .await
        .expect_err("unknown");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[tokio::test]
async fn a_snapshot_with_a_disconnected_access_switch_fails_naming_it() {
    let f = Fake::default();
    let svc = service();
    super::ops::up(&f, &svc).await.expect("up");
    f.offline.lock().unwrap().insert(0x1);
    let e = snapshot(&f, &svc, &opts()).await.expect_err("switch gone");
    assert!(
        matches!(
            e,
            TcError::Failed {
                phase: Phase::Switches,
                ..
            }
        ) && e.to_string().contains("0000000000000001"),
        "{e}"
    );
    assert!(!f.log().iter().any(|l| l.starts_with("snapshot ")));
    assert_aborted(&f);
}

#[tokio::test]
async fn an_advance_without_a_connected_switch_aborts() {
    let f = Fake::failing(&["no-switch:vm2"]);
    let svc = service();
    let e = snapshot(&f, &svc, &opts()).await.expect_err("no gate");
    assert!(
        matches!(e, TcError::Failed { phase: Phase::Advance, ref target, .. } if target == "vm2"),
        "{e}"
    );
    assert_aborted(&f);
}

#[tokio::test]
async fn restore_onto_an_agent_with_dead_guests_replaces_them() {
    let f = Fake::default();
    let svc = service();
    let rec = snapshot(&f, &svc, &opts()).await.expect("snapshot");
    f.fail.lock().unwrap().insert("gone:vm1".into());
    super::restore(&f, &svc, &rec, "a").await.expect("restore");
    let stop = f.pos("stop vms-a1 vm1").expect("dead guest stopped");
    let restore = f.pos("restore vms-a1 vm1 from a:1 s1").expect("restored");
    assert!(stop < restore, "{:?}", f.log());
}

#[tokio::test]
async fn down_stops_what_it_reaches_and_names_what_it_cannot() {
    let f = Fake::failing(&["running", "status:vms-a1"]);
    let r = super::ops::down(&f, &service()).await;
    assert_eq!(
        r.stopped,
        [
            ("vm1".to_string(), "vms-b1".to_string()),
            ("vm2".to_string(), "vms-b1".to_string())
        ]
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.unreachable.len(), 1);
    assert!(
        r.unreachable[0].starts_with("vms-a1: "),
        "{:?}",
        r.unreachable
    );
}

#[tokio::test]
async fn a_schedule_snapshots_on_time_keeps_n_and_counts_in_metrics() {
    let f = Fake::default();
    let svc = service();
    let sched =
        super::schedule::Schedule::new(&svc, Duration::from_millis(50), Some(2)).expect("schedule");
    let updates = Mutex::new(0usize);
    sched
        .run(&f, &svc, Some(3), |_| *updates.lock().unwrap() += 1)
        .await
        .expect("run");
    let st = sched.status();
    assert_eq!((st.successes, st.failures), (3, 0), "{st:?}");
    assert!(!st.running);
    let last = st.last_success.expect("last success");
    assert_eq!(last.vms["vm1"].bytes, 100);
    let kept = super::catalog::catalog(&f, &svc, &journal(&svc))
        .await
        .expect("catalog");
    assert_eq!(kept.len(), 2, "{kept:?}");
    for s in ["ss-a", "ss-a2"] {
        let committed = f
            .list(svc.snapshot_server(s).expect("server"))
            .await
            .expect("list")
            .committed;
        assert_eq!(committed.len(), 2, "{s}: {committed:?}");
    }
    let text = sched.metrics.text();
    assert!(
        text.contains("viola_tc_snapshots_total{result=\"success\",service=\"svc\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("viola_tc_last_vm_image_bytes{vm=\"vm2\",service=\"svc\"} 100"),
        "{text}"
    );
    assert_eq!(*updates.lock().unwrap(), 6);
}

#[tokio::test]
async fn a_slow_snapshot_skips_slots_and_says_so() {
    let f = Fake::default();
    let mut svc = service();
    svc.stagger_ms_per_mb = 1; // each snapshot takes 384 ms or more
    let sched =
        super::schedule::Schedule::new(&svc, Duration::from_millis(100), None).expect("schedule");
    sched.run(&f, &svc, Some(2), |_| {}).await.expect("run");
    let st = sched.status();
    assert_eq!(st.successes, 2);
    assert!(st.skipped_slots >= 4, "{st:?}");
    assert!(sched
        .metrics
        .text()
        .contains("viola_tc_schedule_skipped_slots_total"));
    // A failing snapshot counts as a failure, and the schedule goes on.
    let f = Fake::failing(&["epoch"]);
    let sched =
        super::schedule::Schedule::new(&svc, Duration::from_millis(10), None).expect("schedule");
    sched.run(&f, &svc, Some(2), |_| {}).await.expect("run");
    let st = sched.status();
    assert_eq!((st.successes, st.failures), (0, 2));
    assert!(st.last_failure.expect("failure").error.contains("epoch"));
}

#[tokio::test]
async fn after_a_restore_at_b_the_snapshot_runs_where_the_vms_are() {
    let f = Fake::failing(&["moved-to-b", "status:vms-a1"]);
    let svc = service();
    let r = snapshot(&f, &svc, &opts()).await.expect("snapshot at b");
    assert!(
        f.has("prepare ss-b vm1") && f.has("prepare ss-b vm2"),
        "{:?}",
        f.log()
    );
    assert_eq!(r.vms["vm1"].server, "vms-b1");
    assert_eq!(r.vms["vm1"].snapshot_server, "ss-b");
    assert_eq!(f.stage("ss-b", "s1"), Some(Stage::Committed));
    // And it restores at a, copied from b.
    f.fail.lock().unwrap().clear();
    super::restore(&f, &svc, &r, "a")
        .await
        .expect("restore at a");
    assert!(f.has("copy ss-b ss-a s1.from-ss-b"), "{:?}", f.log());
}

#[tokio::test]
async fn an_off_site_snapshot_server_is_used_before_and_after_a_move() {
    let mut svc = service();
    if let Some(v) = svc.vms.iter_mut().find(|v| v.name == "vm1") {
        v.snapshot_server = "ss-b".into();
    }
    let f = Fake::default();
    let r = snapshot(&f, &svc, &opts_id("home"))
        .await
        .expect("snapshot");
    assert_eq!(r.vms["vm1"].snapshot_server, "ss-b");
    assert_eq!(r.vms["vm2"].snapshot_server, "ss-a2");
    let f = Fake::failing(&["moved-to-b", "status:vms-a1"]);
    let r = snapshot(&f, &svc, &opts_id("moved"))
        .await
        .expect("snapshot");
    assert_eq!(r.vms["vm1"].snapshot_server, "ss-b");
    assert_eq!(r.vms["vm2"].snapshot_server, "ss-b");
}

#[test]
fn the_site_switches_take_the_mapped_tables_not_their_own() {
    let doc = json!({"format": "viola.flow-state/1", "switches": [
        {"dpid": "0000000000000001"}, {"dpid": "0000000000000011"}, {"dpid": "0000000000000002"}
    ]});
    let map: BTreeMap<String, String> = [(
        "0000000000000001".to_string(),
        "0000000000000011".to_string(),
    )]
    .into();
    let out = super::restore::replaced_at_site(&doc, &map);
    let left: Vec<&str> = out["switches"]
        .as_array()
        .expect("switches")
        .iter()
        .filter_map(|s| s["dpid"].as_str())
        .collect();
    assert_eq!(left, ["0000000000000001", "0000000000000002"]);
    assert_eq!(out["format"], "viola.flow-state/1");
    assert_eq!(
        super::restore::replaced_at_site(&doc, &BTreeMap::new()),
        doc
    );
}

#[tokio::test]
async fn with_a_server_down_the_catalog_and_prune_do_what_they_can() {
    let f = Fake::default();
    let svc = service();
    let j = journal(&svc);
    for id in ["s1", "s2"] {
        snapshot(&f, &svc, &opts_id(id)).await.expect("snapshot");
    }
    f.fail.lock().unwrap().insert("list:ss-a2".into());
    let all = super::catalog::catalog(&f, &svc, &j)
        .await
        .expect("catalog");
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|e| !e.complete), "{all:?}");
    let r = super::catalog::prune(&f, &svc, &j, 1).await.expect("prune");
    assert_eq!(r.deleted[0].unreachable, ["ss-a2"]);
    assert_eq!(f.stage("ss-a", "s1"), None);
    assert_eq!(f.stage("ss-a2", "s1"), Some(Stage::Committed));
    // Back: the leftover part is found by its service and pruned.
    f.fail.lock().unwrap().clear();
    let all = super::catalog::catalog(&f, &svc, &j)
        .await
        .expect("catalog");
    assert!(all.iter().any(|e| e.snapshot_id == "s1" && !e.recorded));
    super::catalog::prune(&f, &svc, &j, 1).await.expect("prune");
    assert_eq!(f.stage("ss-a2", "s1"), None);
    assert_all_of(&f, &svc, "s2");
}

#[tokio::test]
async fn snapshot_and_restore_report_their_progress_in_order() {
    use super::progress::Progress;
    let f = Fake::default();
    let svc = service();
    let seen = Mutex::new(Vec::new());
    let on = |p: Progress| seen.lock().unwrap().push(p);
    let rec = super::snapshot_with(&f, &svc, &opts(), &on)
        .await
        .expect("snapshot");
    let at = |p: Progress| {
        seen.lock()
            .unwrap()
            .iter()
            .position(|x| *x == p)
            .unwrap_or_else(|| panic!("{p:?} missing"))
    };
    let vm = |step| Progress::Vm {
        vm: "vm1".into(),
        step,
    };
    assert!(at(Progress::Phase(Phase::Prepare)) < at(Progress::Phase(Phase::Snapshot)));
    assert!(at(vm("snapshotting")) < at(vm("paused")));
    assert!(at(vm("paused")) < at(vm("advanced")));
    assert!(at(vm("advanced")) < at(vm("running")));
    assert!(at(vm("written")) < at(Progress::Phase(Phase::Vote)));
    assert!(at(Progress::Phase(Phase::Vote)) < at(Progress::Phase(Phase::Commit)));
    seen.lock().unwrap().clear();
    super::restore_with(&f, &svc, &rec, "b", &on)
        .await
        .expect("restore");
    assert!(at(Progress::Phase(Phase::Copy)) < at(Progress::Phase(Phase::Start)));
    assert!(at(vm("starting")) < at(vm("loaded")));
    assert!(at(Progress::Phase(Phase::Resume)) < at(vm("running")));
}

#[test]
fn the_old_registrations_gate_rules_are_not_restored() {
    let doc = json!({"format": "viola.flow-state/1", "switches": [{"dpid": "0000000000000001",
    "flows": [
        {"cookie": 0x5350_0001_0000_0001u64, "priority": 65520},
        {"cookie": 0x5350_0001_0001_0002u64, "priority": 65530},
        {"cookie": 0x544f_504f_0000_0000u64, "priority": 65535},
        {"cookie": 7, "priority": 100}
    ]}]});
    let out = super::restore::without_gate_rules(&doc);
    let kept: Vec<u64> = out["switches"][0]["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter_map(|f| f["cookie"].as_u64())
        .collect();
    assert_eq!(kept, [0x544f_504f_0000_0000, 7]);
}
