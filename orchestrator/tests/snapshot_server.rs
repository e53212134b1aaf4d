//! The snapshot server end to end over its control protocol, with fake migration streams.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use viola_orchestrator::auth::{data, Credentials, Ticket};
use viola_orchestrator::snapshot_server::image::fake_image;
use viola_orchestrator::snapshot_server::store::StoreConfig;
use viola_orchestrator::snapshot_server::{serve, Prepared, SnapshotServerClient, Store};
use viola_orchestrator::wire::{ServeLimits, MAX_COMMIT_LINE};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn creds() -> Credentials {
    Credentials::from_secret("test-token-0123456789").expect("token")
}

async fn start_with(
    dir: &Path,
    config: StoreConfig,
) -> (
    SnapshotServerClient,
    Arc<Store>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let store = Store::open(dir, LOCAL, config).expect("open store");
    let listener = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let task = tokio::spawn(serve(
        listener,
        store.clone(),
        ServeLimits::new(MAX_COMMIT_LINE),
    ));
    (SnapshotServerClient::new(addr, creds()), store, task)
}

async fn start(
    dir: &Path,
) -> (
    SnapshotServerClient,
    Arc<Store>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let config = StoreConfig {
        credentials: creds(),
        reserve_bytes: 0,
        ..StoreConfig::default()
    };
    start_with(dir, config).await
}

async fn send(client: &SnapshotServerClient, port: &Prepared, bytes: &[u8]) {
    let mut s = data::connect(&client.data_addr(port.port), &creds(), &port.ticket)
        .await
        .expect("connect data port");
    s.write_all(bytes).await.expect("write");
    s.shutdown().await.expect("shutdown");
}

fn body(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[tokio::test]
async fn prepare_stream_commit_list_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let img1 = fake_image(&body(3_000_000, 1));
    let img2 = fake_image(&body(10, 2));
    let p1 = c.prepare("s1", "vm1").await.expect("prepare");
    let p2 = c.prepare("s1", "vm2").await.expect("prepare");
    assert_ne!(p1, p2);
    send(&c, &p1, &img1).await;
    send(&c, &p2, &img2).await;
    let m = c
        .commit("s1", serde_json::json!({"epoch": 4}), BTreeMap::new())
        .await
        .expect("commit");
    assert_eq!(m.images.len(), 2);
    assert_eq!(m.images["vm1"].size, img1.len() as u64);
    assert_eq!(m.images["vm1"].sha256, hex::encode(Sha256::digest(&img1)));
    assert_eq!(m.images["vm2"].sha256, hex::encode(Sha256::digest(&img2)));
    assert_eq!(m.meta["epoch"], 4);
    let on_disk = std::fs::read(dir.path().join("committed/s1/vm1.img")).expect("image file");
    assert_eq!(on_disk, img1);
    assert!(dir.path().join("committed/s1/manifest.json").exists());
    assert!(!dir.path().join("pending/s1").exists());
    let l = c.list().await.expect("list");
    assert_eq!(l.committed.len(), 1);
    assert!(l.pending.is_empty());
    assert_eq!(c.manifest("s1").await.expect("manifest"), m);
    // A committed id cannot be reused.
    assert!(c.prepare("s1", "vm3").await.is_err());
}

#[tokio::test]
async fn truncated_stream_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let img = fake_image(&body(100_000, 3));
    let port = c.prepare("s2", "vm1").await.expect("prepare");
    send(&c, &port, &img[..img.len() - 7]).await;
    let err = c
        .commit("s2", serde_json::Value::Null, BTreeMap::new())
        .await
        .expect_err("must refuse");
    assert!(err.to_string().contains("truncated"), "{err}");
    assert!(!dir.path().join("committed/s2").exists());
    c.abort("s2").await.expect("abort");
    assert!(!dir.path().join("pending/s2").exists());
    assert!(c.list().await.expect("list").pending.is_empty());
}

#[tokio::test]
async fn wrong_magic_and_short_streams_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let mut img = fake_image(b"abc");
    img[1] = b'X';
    let port = c.prepare("s3", "vm1").await.expect("prepare");
    send(&c, &port, &img).await;
    let err = c
        .commit("s3", serde_json::Value::Null, BTreeMap::new())
        .await
        .expect_err("bad magic");
    assert!(err.to_string().contains("magic"), "{err}");
    c.abort("s3").await.expect("abort");
    let port = c.prepare("s4", "vm1").await.expect("prepare");
    send(&c, &port, b"QEV").await;
    let err = c
        .commit("s4", serde_json::Value::Null, BTreeMap::new())
        .await
        .expect_err("short");
    assert!(err.to_string().contains("shorter"), "{err}");
}

#[tokio::test]
async fn bad_requests_are_errors_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    assert!(c.prepare("../x", "vm1").await.is_err());
    assert!(c.prepare("s", "a/b").await.is_err());
    assert!(c
        .commit("nothing", serde_json::Value::Null, BTreeMap::new())
        .await
        .is_err());
    assert!(c.manifest("nothing").await.is_err());
    c.prepare("s5", "vm1").await.expect("prepare");
    assert!(c.prepare("s5", "vm1").await.is_err(), "same image twice");
    // Garbage line: the server answers with an error and keeps serving.
    let mut s = TcpStream::connect(&c.addr).await.expect("connect");
    s.write_all(b"{\"op\":\"fly\"}\n").await.expect("write");
    let mut buf = vec![0u8; 512];
    let n = s.read(&mut buf).await.expect("read");
    let reply: serde_json::Value = serde_json::from_slice(&buf[..n]).expect("json reply");
    assert_eq!(reply["ok"], false);
    assert!(c.list().await.is_ok());
}

#[tokio::test]
async fn crash_leaves_nothing_committed_and_restart_clears_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (c, _store, task) = start(dir.path()).await;
        let img = fake_image(&body(1000, 4));
        let p = c.prepare("done", "vm1").await.expect("prepare");
        send(&c, &p, &img).await;
        c.commit("done", serde_json::Value::Null, BTreeMap::new())
            .await
            .expect("commit");
        // An image half received when the "crash" happens.
        let p = c.prepare("half", "vm1").await.expect("prepare");
        let mut s = data::connect(&c.data_addr(p.port), &creds(), &p.ticket)
            .await
            .expect("connect");
        s.write_all(&img[..500]).await.expect("write");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(dir.path().join("pending/half/vm1.img").exists());
        // A manifest left behind in pending/ by a commit interrupted before its rename.
        std::fs::write(dir.path().join("pending/half/manifest.json"), b"{}").expect("write");
        task.abort();
    }
    let store = Store::open(dir.path(), LOCAL, StoreConfig::default()).expect("reopen");
    assert_eq!(
        std::fs::read_dir(dir.path().join("pending"))
            .expect("pending dir")
            .count(),
        0
    );
    let l = store.list().expect("list");
    assert_eq!(l.committed.len(), 1);
    assert_eq!(l.committed[0].snapshot_id, "done");
    assert!(store.manifest("half").is_err());
}

#[tokio::test]
async fn copy_verifies_and_serve_streams_back() {
    let da = tempfile::tempdir().expect("tempdir");
    let db = tempfile::tempdir().expect("tempdir");
    let (a, _sa, _ta) = start(da.path()).await;
    let (b, _sb, _tb) = start(db.path()).await;
    let img = fake_image(&body(2_000_000, 5));
    let p = a.prepare("s6", "vm1").await.expect("prepare");
    send(&a, &p, &img).await;
    let ma = a
        .commit("s6", serde_json::json!({"k": "v"}), BTreeMap::new())
        .await
        .expect("commit");
    let mb = a.copy("s6", &b.addr, None).await.expect("copy");
    assert_eq!(mb.images, ma.images);
    assert_eq!(mb.meta, ma.meta);
    assert_eq!(
        b.manifest("s6").await.expect("manifest on b").images,
        ma.images
    );
    let renamed = a
        .copy("s6", &b.addr, Some("s6.from-a"))
        .await
        .expect("copy as");
    assert_eq!(renamed.snapshot_id, "s6.from-a");
    assert!(
        a.copy("s6", &b.addr, None).await.is_err(),
        "copying onto a committed id"
    );

    // The receiving side refuses a commit whose hashes differ from what it was promised.
    let p = b.prepare("s7", "vm1").await.expect("prepare");
    send(&b, &p, &img).await;
    let mut wrong = BTreeMap::new();
    wrong.insert("vm1".to_string(), "00".repeat(32));
    let err = b
        .commit("s7", serde_json::Value::Null, wrong)
        .await
        .expect_err("hash mismatch");
    assert!(err.to_string().contains("sha256"), "{err}");
    // Copying something that does not exist fails and leaves nothing pending remotely.
    assert!(a.copy("nope", &b.addr, None).await.is_err());

    // serve: the server connects to a data port (a restoring agent's), authenticates,
    // presents the ticket and writes the image.
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let to = l.local_addr().expect("addr").to_string();
    let ticket = Ticket::generate().expect("ticket");
    let expected = ticket.clone();
    let rx = tokio::spawn(async move {
        let limit = std::time::Duration::from_secs(10);
        let (mut s, _) = data::accept(l, &creds(), &expected, limit)
            .await
            .expect("accept");
        let mut v = Vec::new();
        s.read_to_end(&mut v).await.expect("read");
        v
    });
    let n = b
        .serve("s6", "vm1", &to, &ticket.to_hex())
        .await
        .expect("serve");
    assert_eq!(n, img.len() as u64);
    assert_eq!(rx.await.expect("join"), img);
    assert!(b.serve("s6", "vm9", &to, &ticket.to_hex()).await.is_err());
}

#[tokio::test]
async fn abort_closes_data_ports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let p = c.prepare("s8", "vm1").await.expect("prepare");
    c.abort("s8").await.expect("abort");
    c.abort("s8").await.expect("abort is idempotent");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        TcpStream::connect(c.data_addr(p.port)).await.is_err(),
        "port still open after abort"
    );
    assert!(!dir.path().join("pending/s8").exists());
}

#[tokio::test]
async fn data_port_takes_only_its_ticket_and_only_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let p = c.prepare("s9", "vm1").await.expect("prepare");
    let addr = c.data_addr(p.port);
    // Wrong ticket, wrong token, no handshake at all: refused, the port stays open.
    let wrong = Ticket::generate().expect("ticket").to_hex();
    let e = data::connect(&addr, &creds(), &wrong)
        .await
        .expect_err("wrong ticket");
    assert!(e.to_string().contains("ticket"), "{e}");
    let other = Credentials::from_secret("another-token-0123456").expect("token");
    assert!(data::connect(&addr, &other, &p.ticket).await.is_err());
    let mut raw = TcpStream::connect(&addr).await.expect("connect");
    raw.write_all(&fake_image(b"sneaky")).await.expect("write");
    raw.shutdown().await.expect("shutdown");
    let mut reply = String::new();
    let _ = raw.read_to_string(&mut reply).await;
    assert!(reply.contains("authentication required"), "{reply}");
    // The right ticket: accepted once.
    let img = fake_image(&body(1000, 9));
    send(&c, &p, &img).await;
    assert!(
        data::connect(&addr, &creds(), &p.ticket).await.is_err(),
        "second connection accepted"
    );
    let m = c
        .commit("s9", serde_json::Value::Null, BTreeMap::new())
        .await
        .expect("commit");
    assert_eq!(m.images["vm1"].size, img.len() as u64);
}

#[tokio::test]
async fn unauthenticated_and_wrong_token_clients_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _store, _t) = start(dir.path()).await;
    let anonymous = SnapshotServerClient::new(c.addr.clone(), Credentials::Insecure);
    let e = anonymous.list().await.expect_err("no token");
    assert!(e.to_string().contains("no proof"), "{e}");
    let other = Credentials::from_secret("another-token-0123456").expect("token");
    let e = SnapshotServerClient::new(c.addr.clone(), other)
        .list()
        .await
        .expect_err("wrong token");
    assert!(e.to_string().contains("another token"), "{e}");
    assert!(c.list().await.is_ok());
}

#[tokio::test]
async fn oversized_images_and_stale_pending_snapshots_are_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        credentials: creds(),
        reserve_bytes: 0,
        max_image_bytes: 10_000,
        pending_ttl: std::time::Duration::from_millis(300),
        ..StoreConfig::default()
    };
    let (c, _store, _t) = start_with(dir.path(), config).await;
    let p = c.prepare("big", "vm1").await.expect("prepare");
    let mut s = data::connect(&c.data_addr(p.port), &creds(), &p.ticket)
        .await
        .expect("connect");
    let _ = s.write_all(&fake_image(&body(50_000, 1))).await;
    drop(s);
    let e = c
        .commit("big", serde_json::Value::Null, BTreeMap::new())
        .await
        .expect_err("too large");
    assert!(e.to_string().contains("cap"), "{e}");
    c.prepare("stale", "vm1").await.expect("prepare");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let l = c.list().await.expect("list");
    assert!(!l.pending.contains(&"stale".to_string()), "{:?}", l.pending);
    assert!(!dir.path().join("pending/stale").exists());
}

#[tokio::test]
async fn a_full_disk_refuses_prepare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        credentials: creds(),
        reserve_bytes: u64::MAX,
        ..StoreConfig::default()
    };
    let (c, _store, _t) = start_with(dir.path(), config).await;
    let e = c.prepare("s", "vm1").await.expect_err("no space");
    assert!(e.to_string().contains("free"), "{e}");
}

#[tokio::test]
async fn a_vote_survives_a_restart_and_waits_for_the_decision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = fake_image(&body(2000, 9));
    let voted = {
        let (c, _store, task) = start(dir.path()).await;
        let p = c.prepare("v1", "vm1").await.expect("prepare");
        send(&c, &p, &img).await;
        let vote = c
            .vote("v1", serde_json::json!({"service": "svc"}), BTreeMap::new())
            .await
            .expect("vote");
        assert_eq!(
            c.vote("v1", serde_json::Value::Null, BTreeMap::new())
                .await
                .expect("again"),
            vote
        );
        assert!(dir.path().join("pending/v1/vote.json").exists());
        // Another snapshot that never voted.
        let p = c.prepare("unvoted", "vm1").await.expect("prepare");
        send(&c, &p, &img).await;
        let l = c.list().await.expect("list");
        assert_eq!(l.in_doubt.len(), 1);
        assert_eq!(l.pending, ["unvoted", "v1"]);
        task.abort();
        vote
    };
    let store = Store::open(dir.path(), LOCAL, StoreConfig::default()).expect("reopen");
    assert!(
        !dir.path().join("pending/unvoted").exists(),
        "never voted: presumed abort"
    );
    let l = store.list().expect("list");
    assert_eq!(l.in_doubt, std::slice::from_ref(&voted));
    // The decision arrives after the restart.
    let m = store
        .commit("v1", serde_json::Value::Null, &BTreeMap::new())
        .await
        .expect("commit");
    assert_eq!(m.images, voted.images);
    assert_eq!(m.meta["service"], "svc");
    assert_eq!(
        store
            .commit("v1", serde_json::Value::Null, &BTreeMap::new())
            .await
            .expect("a decision delivered twice"),
        m
    );
    let e = store.abort("v1").await.expect_err("abort after commit");
    assert!(e.to_string().contains("delete it"), "{e}");
    assert!(store.verified_image_path("v1", "vm1").await.is_ok());
    assert!(store.delete("v1").await.expect("delete"));
    assert!(!dir.path().join("committed/v1").exists());
    assert!(store.manifest("v1").is_err());
    assert!(!store.delete("v1").await.expect("delete again"));
}

#[tokio::test]
async fn an_abort_decision_removes_a_vote_even_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (c, _store, task) = start(dir.path()).await;
        let p = c.prepare("v2", "vm1").await.expect("prepare");
        send(&c, &p, &fake_image(&body(500, 1))).await;
        c.vote("v2", serde_json::Value::Null, BTreeMap::new())
            .await
            .expect("vote");
        task.abort();
    }
    let store = Store::open(dir.path(), LOCAL, StoreConfig::default()).expect("reopen");
    let e = store.delete("v2").await.expect_err("not committed");
    assert!(e.to_string().contains("not committed"), "{e}");
    store.abort("v2").await.expect("abort");
    assert!(!dir.path().join("pending/v2").exists());
    assert!(store.list().expect("list").in_doubt.is_empty());
    let e = store
        .commit("v2", serde_json::Value::Null, &BTreeMap::new())
        .await
        .expect_err("aborted");
    assert!(e.to_string().contains("no pending"), "{e}");
}

/// The race of the issue: a commit waiting for a slow stream and an abort. The abort
/// cancels the stream, the commit fails at once, and nothing is committed or left.
#[tokio::test]
async fn an_abort_during_a_commit_waiting_for_its_stream_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, store, _t) = start(dir.path()).await;
    let img = fake_image(&body(100_000, 5));
    let p = c.prepare("race", "vm1").await.expect("prepare");
    let mut s = data::connect(&c.data_addr(p.port), &creds(), &p.ticket)
        .await
        .expect("connect");
    s.write_all(&img[..50_000]).await.expect("write half");
    // The listing shows how far the stream got (what a progress display polls).
    let t0 = std::time::Instant::now();
    loop {
        let l = c.list().await.expect("list");
        if l.receiving.get("race").and_then(|r| r.get("vm1")) == Some(&50_000) {
            break;
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "{l:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let committing = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .commit("race", serde_json::Value::Null, &BTreeMap::new())
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let t = std::time::Instant::now();
    c.abort("race").await.expect("abort");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "abort waited for the commit"
    );
    let r = committing.await.expect("task");
    assert!(r.is_err(), "{r:?}");
    assert!(!dir.path().join("committed/race").exists());
    assert!(!dir.path().join("pending/race").exists());
    assert!(c.list().await.expect("list").pending.is_empty());
}
