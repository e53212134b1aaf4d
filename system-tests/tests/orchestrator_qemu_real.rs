//! Real QEMU: boot the tiny guest (TCG unless KVM really works), snapshot it to an
//! in-process snapshot server (pre-copy, then background), restore each image into a new
//! QEMU and check the guest continues where it was. Fails — never skips — if QEMU or the
//! guest cannot be built. Figures are printed (`--nocapture`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use viola_orchestrator::agent::{
    self, Agent, AgentClient, AgentConfig, AgentEvent, RestoreFrom, SnapshotMode, VmConfig,
};
use viola_orchestrator::guest::{build, GuestSpec};
use viola_orchestrator::snapshot_server::{self, store::StoreConfig, SnapshotServerClient, Store};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

static SINK_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// A host TCP sink; returns how many guest stream bytes it has seen so far.
async fn start_sink() -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use tokio::io::AsyncReadExt;
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind sink");
    SINK_PORT.store(
        l.local_addr().expect("addr").port(),
        std::sync::atomic::Ordering::SeqCst,
    );
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if String::from_utf8_lossy(&buf[..n]).contains("viola-guest-stream") {
                        counter.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    seen
}

fn last_tick(log: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix("viola-guest: tick ")
            .and_then(|n| n.trim().parse().ok())
    })
}

fn first_tick(log: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("viola-guest: tick ")
            .and_then(|n| n.trim().parse().ok())
    })
}

async fn wait_for_tick(log: &Path, at_least: u64, limit: Duration) -> u64 {
    let t0 = Instant::now();
    loop {
        if let Some(t) = last_tick(log) {
            if t >= at_least {
                return t;
            }
        }
        assert!(
            t0.elapsed() < limit,
            "guest did not reach tick {at_least} within {limit:?}; serial log {}:\n{}",
            log.display(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The guest runs a TCP echo server on port 7000, reached through host port `fwd_port`,
/// and streams to host port `SINK_PORT` (QEMU user networking maps 10.0.2.2 to the host).
fn config(name: &str, kernel: &Path, initrd: &Path, fwd_port: u16) -> VmConfig {
    let sink = SINK_PORT.load(std::sync::atomic::Ordering::SeqCst);
    VmConfig {
        vm: name.into(),
        memory_mb: 128,
        kernel: kernel.display().to_string(),
        initrd: initrd.display().to_string(),
        append: format!(
            "console=ttyS0 quiet viola.ip=10.0.2.15/24 viola.echo=7000 viola.send=10.0.2.2:{sink}"
        ),
        mac: "52:54:00:00:00:01".into(),
        tap: None,
        hostfwd: vec![format!("tcp:127.0.0.1:{fwd_port}-:7000")],
    }
}

#[allow(clippy::too_many_arguments)]
async fn snapshot_and_restore(
    agent: &AgentClient,
    server: &SnapshotServerClient,
    serial: &Path,
    id: &str,
    mode: SnapshotMode,
    kernel: &Path,
    initrd: &Path,
) {
    let before = wait_for_tick(
        serial,
        last_tick(serial).unwrap_or(0) + 1,
        Duration::from_secs(60),
    )
    .await;
    let prepared = server.prepare(id, "vm1").await.expect("prepare");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let a = agent.clone();
    let target = server.data_addr(prepared.port);
    let t0 = Instant::now();
    let snap =
        tokio::spawn(async move { a.snapshot("vm1", &target, &prepared.ticket, mode, tx).await });
    let paused = tokio::time::timeout(Duration::from_secs(120), rx.recv())
        .await
        .expect("no VM_PAUSED within 120 s")
        .expect("event channel closed before VM_PAUSED");
    let paused_after = t0.elapsed();
    assert!(
        matches!(paused, AgentEvent::VmPaused { ref vm, .. } if vm == "vm1"),
        "first event {paused:?}"
    );
    // The transaction controller would advance the epoch here.
    tokio::time::sleep(Duration::from_millis(100)).await;
    agent.unpause("vm1").await.expect("unpause");
    let report = tokio::time::timeout(Duration::from_secs(120), snap)
        .await
        .expect("snapshot did not finish")
        .expect("join")
        .expect("snapshot");
    let total = t0.elapsed();
    let mut later = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        later.push(ev);
    }
    assert!(
        later
            .iter()
            .any(|e| matches!(e, AgentEvent::MigrationCompleted { .. })),
        "no completion event: {later:?}"
    );
    let downtime = report.downtime_ms.expect("query-migrate downtime");
    assert!(report.migration_ms > 0, "{report:?}");
    if mode == SnapshotMode::Precopy {
        assert!(report.total_time_ms.is_some_and(|t| t > 0), "{report:?}");
    }
    let qemu_total = report.total_time_ms.unwrap_or(0);
    // The network pause covers the 100 ms hold in both modes: pre-copy holds the guest
    // stopped, background holds only its packets (QEMU resumed its CPU after the setup).
    assert!(
        report.paused_ms >= 100,
        "{mode:?}: network pause only {} ms: {report:?}",
        report.paused_ms
    );
    assert!(
        report.cut_unix_us > 0 && report.released_unix_us >= report.cut_unix_us + 100_000,
        "{report:?}"
    );
    match mode {
        SnapshotMode::Precopy => {
            assert!(!report.egress_held, "{report:?}");
            assert_eq!(report.cpu_stopped_ms, report.paused_ms, "{report:?}");
        }
        SnapshotMode::Background => {
            assert!(report.egress_held, "{report:?}");
            assert!(
                report.cpu_stopped_ms < 100,
                "background: the CPU was stopped {} ms, not just for the setup",
                report.cpu_stopped_ms
            );
        }
    }
    assert!(report
        .command_line
        .iter()
        .any(|a| a == "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01"));
    let m = server
        .commit(
            id,
            serde_json::to_value(&report).expect("json"),
            BTreeMap::new(),
        )
        .await
        .expect("commit");
    let img = &m.images["vm1"];
    assert!(img.size > 1_000_000, "image only {} bytes", img.size);
    println!(
        "{mode:?}: VM_PAUSED after {} ms; QEMU downtime {downtime} ms, QEMU total {qemu_total} ms (0: not reported), agent-measured migration {} ms; \
         network pause {} ms (incl. a 100 ms hold), CPU stopped {} ms; request total {} ms; image {} bytes; {}",
        paused_after.as_millis(),
        report.migration_ms,
        report.paused_ms,
        report.cpu_stopped_ms,
        total.as_millis(),
        img.size,
        report.qemu_version
    );
    // The source keeps running.
    wait_for_tick(serial, before + 2, Duration::from_secs(60)).await;

    // Restore into a new QEMU and check that the guest continues its counter.
    let rname = format!("vm1-{id}");
    let from = RestoreFrom {
        server: server.addr.clone(),
        snapshot_id: id.into(),
        image: Some("vm1".into()),
    };
    let rport = free_port();
    let t1 = Instant::now();
    let st = agent
        .restore(config(&rname, kernel, initrd, rport), from)
        .await
        .expect("restore");
    let restore_ms = t1.elapsed().as_millis();
    assert!(
        st.status == "paused" || st.status == "prelaunch",
        "restored VM state {}",
        st.status
    );
    // A paused guest has no live snapshot point: refused at once, not a hang.
    let (tx, _rx) = mpsc::unbounded_channel();
    let err = agent
        .snapshot(&rname, "127.0.0.1:9", "", SnapshotMode::Precopy, tx)
        .await
        .expect_err("snapshot of a paused VM");
    assert!(err.to_string().contains("not running"), "{err}");
    let st = agent.cont(&rname).await.expect("cont");
    assert_eq!(st.status, "running");
    let rlog = PathBuf::from(&st.serial_log);
    let t = wait_for_tick(&rlog, 0, Duration::from_secs(60)).await;
    let first = first_tick(&rlog).expect("a tick");
    assert!(
        first >= before,
        "restored guest restarted its counter: first tick {first}, snapshot after tick {before}"
    );
    assert!(
        !std::fs::read_to_string(&rlog)
            .unwrap_or_default()
            .contains("ready"),
        "restored guest booted again"
    );
    wait_for_tick(&rlog, t + 2, Duration::from_secs(60)).await;
    // The restored guest's network works through the new QEMU's own port forward.
    echo(rport, Duration::from_secs(60)).await;
    println!("{mode:?}: restore (start + stream + load) {restore_ms} ms; restored guest resumed at tick {first}");
    agent.stop(&rname).await.expect("stop restored");
}

/// A free port on the loopback (for a QEMU `hostfwd`).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind((LOCAL, 0)).expect("bind");
    l.local_addr().expect("addr").port()
}

/// Talks to the guest's echo server through this QEMU instance's port forward: proves the
/// guest's virtio-net, its address and its TCP stack work in this instance.
async fn echo(port: u16, limit: Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t0 = Instant::now();
    let msg = format!("hello guest {port}\n");
    loop {
        let attempt = async {
            let mut s = tokio::net::TcpStream::connect((LOCAL, port)).await.ok()?;
            s.write_all(msg.as_bytes()).await.ok()?;
            let mut buf = vec![0u8; msg.len()];
            tokio::time::timeout(Duration::from_secs(3), s.read_exact(&mut buf))
                .await
                .ok()?
                .ok()?;
            Some(buf)
        };
        if let Some(buf) = attempt.await {
            assert_eq!(buf, msg.as_bytes());
            return;
        }
        assert!(
            t0.elapsed() < limit,
            "the guest's echo server on host port {port} did not answer within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boots_snapshots_and_restores_a_real_guest() {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    let guest =
        build(&GuestSpec::debian(&cache)).unwrap_or_else(|e| panic!("cannot build the guest: {e}"));
    let qemu = agent::qemu::qemu_binary();
    let probe = std::process::Command::new(&qemu).arg("--version").output();
    let version =
        probe.unwrap_or_else(|e| panic!("{qemu} is needed (Debian package qemu-system-x86): {e}"));
    assert!(version.status.success(), "{qemu} --version failed");

    let data = tempfile::tempdir().expect("tempdir");
    // The snapshot server on a runtime of its own, as a separate process would be: its
    // hashing of incoming images must not delay the agent's `unpause`.
    let store_config = StoreConfig {
        credentials: test_credentials(),
        ..StoreConfig::default()
    };
    let store = Store::open(data.path(), LOCAL, store_config).expect("store");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
            let _ = addr_tx.send(l.local_addr().expect("addr").to_string());
            let limits = viola_orchestrator::wire::ServeLimits::new(
                viola_orchestrator::wire::MAX_COMMIT_LINE,
            );
            let _ = snapshot_server::serve(l, store, limits).await;
        });
    });
    let server =
        SnapshotServerClient::new(addr_rx.recv().expect("server address"), test_credentials());

    let run = tempfile::tempdir().expect("tempdir");
    let mut cfg = AgentConfig::new(run.path());
    cfg.credentials = test_credentials();
    cfg.policy = test_policy();
    let agent_state = Agent::new(cfg).expect("agent");
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let agent = AgentClient::new(
        l.local_addr().expect("addr").to_string(),
        test_credentials(),
    );
    tokio::spawn(agent::serve(
        l,
        agent_state.clone(),
        viola_orchestrator::wire::ServeLimits::new(viola_orchestrator::wire::MAX_CONTROL_LINE),
    ));

    let port = free_port();
    let sink = start_sink().await;
    let t0 = Instant::now();
    let st = agent
        .start(config("vm1", &guest.kernel, &guest.initrd, port))
        .await
        .expect("start");
    let serial = PathBuf::from(&st.serial_log);
    wait_for_tick(&serial, 1, Duration::from_secs(90)).await;
    // virtio-net modules loaded, eth0 configured from the command line, echo server up.
    echo(port, Duration::from_secs(60)).await;
    let t1 = Instant::now();
    while sink.load(std::sync::atomic::Ordering::SeqCst) < 100_000 {
        assert!(
            t1.elapsed() < Duration::from_secs(60),
            "the guest's viola.send stream did not reach the host"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "boot ({}) to first ticks: {} ms",
        st.accel,
        t0.elapsed().as_millis()
    );
    assert_eq!(st.status, "running");

    snapshot_and_restore(
        &agent,
        &server,
        &serial,
        "pre1",
        SnapshotMode::Precopy,
        &guest.kernel,
        &guest.initrd,
    )
    .await;
    snapshot_and_restore(
        &agent,
        &server,
        &serial,
        "bg1",
        SnapshotMode::Background,
        &guest.kernel,
        &guest.initrd,
    )
    .await;

    // A caller that disconnects while the guest is held paused does not leave it paused:
    // in pre-copy mode its CPU, in background mode its egress (the echo below only
    // answers if the hold was released).
    {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let p = server.prepare("gone", "vm1").await.expect("prepare");
        let mut s = tokio::net::TcpStream::connect(&agent.addr)
            .await
            .expect("connect");
        let (r, mut w) = s.split();
        let mut rd = tokio::io::BufReader::new(r);
        viola_orchestrator::auth::handshake::connect(&mut rd, &mut w, &test_credentials())
            .await
            .expect("authenticate");
        let req = serde_json::json!({"op": "snapshot", "vm": "vm1", "target": server.data_addr(p.port), "ticket": p.ticket, "mode": "background"});
        w.write_all(format!("{req}\n").as_bytes())
            .await
            .expect("send");
        let mut first = String::new();
        tokio::time::timeout(Duration::from_secs(120), rd.read_line(&mut first))
            .await
            .expect("no event")
            .expect("read");
        assert!(first.contains("vm_paused"), "{first}");
        drop(rd);
        drop(s);
        let t0 = Instant::now();
        loop {
            let st = agent.status().await.expect("status");
            if st.iter().any(|v| v.vm == "vm1" && v.status == "running") {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "guest still paused after the caller left: {st:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        echo(port, Duration::from_secs(60)).await;
        println!(
            "caller gone: guest running and answering on the network again after {} ms",
            t0.elapsed().as_millis()
        );
        server.abort("gone").await.expect("abort");
    }

    // unpause without a snapshot holding the VM is an error, not a hang.
    assert!(agent.unpause("vm1").await.is_err());
    agent.stop("vm1").await.expect("stop");
    assert!(agent.status().await.expect("status").is_empty());
    agent_state.stop_all().await;
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
