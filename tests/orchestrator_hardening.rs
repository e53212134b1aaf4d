//! The orchestrator daemons as users run them (the real `viola` binary on loopback):
//! authentication on by default, validated agent requests, survival of connection floods.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use viola_orchestrator::agent::{AgentClient, VmConfig};
use viola_orchestrator::auth::Credentials;
use viola_orchestrator::snapshot_server::SnapshotServerClient;

const TOKEN: &str = "hardening-test-token-0123456789abcdef";

/// A daemon child, killed on drop.
struct Daemon {
    child: Child,
    addr: String,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// `viola ARGS… --listen 127.0.0.1:PORT`, with `ulimit -n` lowered if asked.
    fn start(args: &[&str], nofile: Option<u32>, env: &[(&str, &Path)]) -> Daemon {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let limit = nofile
            .map(|n| format!("ulimit -n {n}; "))
            .unwrap_or_default();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{limit}exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_viola"))
            .args(args)
            .args(["--listen", &addr])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut d = Daemon {
            child: cmd.spawn().expect("spawn viola"),
            addr,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&d.addr).is_err() {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("viola {args:?} exited early: {status}");
            }
            assert!(Instant::now() < deadline, "viola {args:?} never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

fn token_file(dir: &Path, secret: &str) -> PathBuf {
    let p = dir.join(format!("token-{}", secret.len()));
    std::fs::write(&p, format!("{secret}\n")).expect("write token");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    p
}

fn creds() -> Credentials {
    Credentials::from_secret(TOKEN).expect("token")
}

/// Sends one raw line without any handshake; returns the first line of the answer.
fn raw_request(addr: &str, line: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(line.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = BufReader::new(s).read_line(&mut answer);
    answer
}

fn run_viola(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_viola"))
        .args(args)
        .output()
        .expect("run viola");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn daemons_refuse_to_start_without_authentication() {
    let data = tempfile::tempdir().expect("tempdir");
    let d = data.path().to_str().expect("utf8");
    for base in [
        vec!["vm-agent", "--listen", "127.0.0.1:0"],
        vec!["snapshot-server", "--data", d, "--listen", "127.0.0.1:0"],
    ] {
        let (ok, err) = run_viola(&base);
        assert!(!ok, "{base:?} started without authentication");
        assert!(
            err.contains("refusing to start without authentication"),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
        let mut public = base.clone();
        public.pop();
        public.extend(["0.0.0.0:0", "--insecure"]);
        let (ok, err) = run_viola(&public);
        assert!(!ok, "{public:?} started insecure on a public address");
        assert!(err.contains("only allowed on a loopback"), "{err}");
    }
}

#[tokio::test]
async fn snapshot_server_refuses_unauthenticated_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = token_file(dir.path(), TOKEN);
    let data = dir.path().join("data");
    let args = [
        "snapshot-server",
        "--data",
        data.to_str().expect("utf8"),
        "--token-file",
        tf.to_str().expect("utf8"),
    ];
    let d = Daemon::start(&args, None, &[]);
    let answer = raw_request(&d.addr, "{\"op\":\"list\"}\n");
    assert!(answer.contains("authentication required"), "{answer}");
    let wrong = Credentials::from_secret("the-wrong-token-0123456789").expect("token");
    let e = SnapshotServerClient::new(d.addr.clone(), wrong)
        .list()
        .await
        .expect_err("wrong token accepted");
    assert!(e.to_string().contains("another token"), "{e}");
    let e = SnapshotServerClient::new(d.addr.clone(), Credentials::Insecure)
        .list()
        .await
        .expect_err("no token accepted");
    assert!(e.to_string().contains("no proof"), "{e}");
    let ok = SnapshotServerClient::new(d.addr.clone(), creds())
        .list()
        .await
        .expect("authenticated list");
    assert!(ok.committed.is_empty());
}

#[tokio::test]
async fn agent_refuses_unauthenticated_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = token_file(dir.path(), TOKEN);
    let run = dir.path().join("run");
    let args = [
        "vm-agent",
        "--accel",
        "tcg",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--token-file",
        tf.to_str().expect("utf8"),
    ];
    let d = Daemon::start(&args, None, &[]);
    let answer = raw_request(&d.addr, "{\"op\":\"status\"}\n");
    assert!(answer.contains("authentication required"), "{answer}");
    let wrong = Credentials::from_secret("the-wrong-token-0123456789").expect("token");
    assert!(AgentClient::new(d.addr.clone(), wrong)
        .status()
        .await
        .is_err());
    let none = AgentClient::new(d.addr.clone(), Credentials::Insecure);
    assert!(none.status().await.is_err());
    let ok = AgentClient::new(d.addr.clone(), creds());
    assert!(ok.status().await.expect("authenticated status").is_empty());
}

fn vm(kernel: &Path, initrd: &Path) -> VmConfig {
    VmConfig {
        vm: "vm1".into(),
        memory_mb: 128,
        kernel: kernel.display().to_string(),
        initrd: initrd.display().to_string(),
        append: "console=ttyS0".into(),
        mac: "52:54:00:00:00:01".into(),
        tap: None,
        hostfwd: vec![],
    }
}

#[tokio::test]
async fn agent_refuses_injection_and_foreign_files_spawning_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = token_file(dir.path(), TOKEN);
    let images = dir.path().join("images");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&images).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let (kernel, initrd) = (images.join("vmlinuz"), images.join("initrd.gz"));
    std::fs::write(&kernel, b"k").expect("write");
    std::fs::write(&initrd, b"i").expect("write");
    std::fs::write(outside.join("secret"), b"s").expect("write");
    std::os::unix::fs::symlink(outside.join("secret"), images.join("link")).expect("symlink");
    // A QEMU stand-in that records that it ran.
    let spawned = dir.path().join("qemu-argv");
    let stub = dir.path().join("qemu-stub.sh");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\nsleep 30\n",
            spawned.display()
        ),
    )
    .expect("write stub");
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let run = dir.path().join("run");
    let args = [
        "vm-agent",
        "--accel",
        "tcg",
        "--run-dir",
        run.to_str().expect("utf8"),
        "--token-file",
        tf.to_str().expect("utf8"),
        "--images",
        images.to_str().expect("utf8"),
        "--max-memory-mb",
        "512",
    ];
    let d = Daemon::start(&args, None, &[("VIOLA_QEMU", &stub)]);
    let agent = AgentClient::new(d.addr.clone(), creds());
    let good = vm(&kernel, &initrd);
    let mut bad: Vec<(&str, VmConfig)> = Vec::new();
    let mut c = good.clone();
    c.kernel = "/etc/passwd".into();
    bad.push(("image directories", c));
    let mut c = good.clone();
    c.kernel = images.join("../outside/secret").display().to_string();
    bad.push(("image directories", c));
    let mut c = good.clone();
    c.initrd = images.join("link").display().to_string();
    bad.push(("image directories", c));
    let mut c = good.clone();
    c.mac = "52:54:00:00:00:01,romfile=/etc/shadow".into();
    bad.push(("mac", c));
    let mut c = good.clone();
    c.tap = Some("tap0,script=/tmp/evil".into());
    bad.push(("tap", c));
    let mut c = good.clone();
    c.hostfwd = vec!["tcp::2222-:22,guestfwd=tcp:10.0.2.100:1-cmd:sh".into()];
    bad.push(("hostfwd", c));
    let mut c = good.clone();
    c.memory_mb = 65536;
    bad.push(("memory_mb", c));
    let mut c = good.clone();
    c.vm = "vm1,debug-threads=on".into();
    bad.push(("VM name", c));
    let mut c = good.clone();
    c.append = "console=ttyS0\n-device evil".into();
    bad.push(("append", c));
    for (what, cfg) in bad {
        let e = agent.start(cfg).await.expect_err("refused");
        let msg = e.to_string();
        assert!(msg.contains(what), "{what}: {msg}");
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!spawned.exists(), "QEMU was spawned for a refused request");
    // The stand-in does run for a valid request (so the check above means something).
    let a = agent.clone();
    let start = tokio::spawn(async move { a.start(good).await });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !spawned.exists() {
        assert!(Instant::now() < deadline, "the QEMU stand-in never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let argv = std::fs::read_to_string(&spawned).expect("argv");
    assert!(argv.lines().any(|l| l == "console=ttyS0"), "{argv}");
    start.abort();
}

/// Lets this test process hold the flood: a normal user's soft descriptor limit is often
/// 1024, below what the tests open (the daemons under test get their own `ulimit -n`).
fn raise_own_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let want = now.maximum.map_or(8192, |max| max.min(8192));
    if now.current.is_some_and(|cur| cur < want) {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want),
                maximum: now.maximum,
            },
        );
    }
}

/// Opens `n` connections that never send a byte.
fn idle_connections(addr: &str, n: usize) -> Vec<TcpStream> {
    raise_own_fd_limit();
    (0..n)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect()
}

#[tokio::test]
async fn idle_connection_floods_do_not_stop_the_daemons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = token_file(dir.path(), TOKEN);
    let data = dir.path().join("data");
    let run = dir.path().join("run");
    let tfs = tf.to_str().expect("utf8");
    let mut ss = Daemon::start(
        &[
            "snapshot-server",
            "--data",
            data.to_str().expect("utf8"),
            "--token-file",
            tfs,
        ],
        Some(1024),
        &[],
    );
    let mut ag = Daemon::start(
        &[
            "vm-agent",
            "--accel",
            "tcg",
            "--run-dir",
            run.to_str().expect("utf8"),
            "--token-file",
            tfs,
        ],
        Some(1024),
        &[],
    );
    let flood_ss = idle_connections(&ss.addr, 1100);
    let flood_ag = idle_connections(&ag.addr, 1100);
    assert!(flood_ss.len() >= 1000 && flood_ag.len() >= 1000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = SnapshotServerClient::new(ss.addr.clone(), creds());
    let listing = tokio::time::timeout(Duration::from_secs(30), client.list()).await;
    assert!(matches!(listing, Ok(Ok(_))), "snapshot server: {listing:?}");
    let agent = AgentClient::new(ag.addr.clone(), creds());
    let status = tokio::time::timeout(Duration::from_secs(30), agent.status()).await;
    assert!(matches!(status, Ok(Ok(_))), "agent: {status:?}");
    assert!(ss.running() && ag.running());
    drop((flood_ss, flood_ag));
}

#[tokio::test]
async fn running_out_of_descriptors_does_not_stop_the_snapshot_server() {
    // Let every idle socket in, so accept really fails with EMFILE; the server must keep
    // going and answer once the idle ones time out.
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = token_file(dir.path(), TOKEN);
    let data = dir.path().join("data");
    let args = [
        "snapshot-server",
        "--data",
        data.to_str().expect("utf8"),
        "--token-file",
        tf.to_str().expect("utf8"),
        "--max-unauthenticated",
        "5000",
        "--handshake-timeout",
        "2",
    ];
    let mut ss = Daemon::start(&args, Some(1024), &[]);
    let flood = idle_connections(&ss.addr, 1100);
    assert!(flood.len() >= 1000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = SnapshotServerClient::new(ss.addr.clone(), creds());
    let listing = tokio::time::timeout(Duration::from_secs(60), client.list()).await;
    assert!(matches!(listing, Ok(Ok(_))), "snapshot server: {listing:?}");
    assert!(ss.running());
    drop(flood);
}
