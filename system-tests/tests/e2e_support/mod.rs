//! Shared rig of the orchestrator's end-to-end (`e2e_*`) and failure (`fail_*`) tests with
//! real QEMU guests: the guest, snapshot servers and agents that can be killed (each runs
//! on a tokio runtime of its own, so shutting that runtime down closes every socket and
//! kills its QEMU children the way a crashed process would), serial-log readers, and the
//! controller in-process with Open vSwitch bridges and taps.
//!
//! Everything panics with a clear reason when a component is missing: these tests fail,
//! they never skip.

#![allow(dead_code)] // each test binary uses a different part of the rig

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use viola_orchestrator::agent::{self, qemu::Accel, Agent, AgentConfig};
use viola_orchestrator::guest::{build, Guest, GuestSpec};
use viola_orchestrator::snapshot_server::{self, store::StoreConfig, Store};

pub const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Builds (or reuses) the tiny guest and checks QEMU is installed.
pub fn guest() -> Guest {
    let qemu = agent::qemu::qemu_binary();
    let out = std::process::Command::new(&qemu)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{qemu} is needed (Debian package qemu-system-x86): {e}"));
    assert!(out.status.success(), "{qemu} --version failed");
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    build(&GuestSpec::debian(&cache)).unwrap_or_else(|e| panic!("cannot build the guest: {e}"))
}

/// A multi-threaded runtime.
pub fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A component on a runtime of its own; [`Killable::kill`] drops it like a crash.
pub struct Killable {
    pub addr: String,
    rt: Option<tokio::runtime::Runtime>,
}

impl Killable {
    /// Abruptly ends every task of the component (callable from async code): sockets
    /// close, QEMU children are killed.
    pub fn kill(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for Killable {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A snapshot server storing under `dir`, on its own runtime. Call from sync code.
pub fn killable_server(dir: &Path) -> Killable {
    let rt = runtime(1);
    let addr = rt.block_on(async { start_server(dir).await });
    Killable { addr, rt: Some(rt) }
}

/// A VM agent (TCG forced: `/dev/kvm` may exist and hang) on its own runtime. Call from
/// sync code.
pub fn killable_agent(run_dir: &Path) -> Killable {
    let rt = runtime(1);
    let addr = rt.block_on(async {
        let (addr, _) = start_agent(run_dir).await;
        addr
    });
    Killable { addr, rt: Some(rt) }
}

/// A snapshot server on the current runtime.
pub async fn start_server(dir: &Path) -> String {
    let config = StoreConfig {
        credentials: test_credentials(),
        ..StoreConfig::default()
    };
    let store = Store::open(dir, LOCAL, config).expect("snapshot store");
    let l = TcpListener::bind((LOCAL, 0)).await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    tokio::spawn(snapshot_server::serve(
        l,
        store,
        viola_orchestrator::wire::ServeLimits::new(viola_orchestrator::wire::MAX_COMMIT_LINE),
    ));
    addr
}

/// Set to `0` to run the agents without the background-mode egress hold: the end-to-end
/// test must then fail its strict-cut check (a way to see that the check can fail).
pub const HOLD_EGRESS_ENV: &str = "VIOLA_TEST_HOLD_EGRESS";

/// A VM agent (TCG) on the current runtime.
pub async fn start_agent(run_dir: &Path) -> (String, Arc<Agent>) {
    let mut cfg = AgentConfig::new(run_dir);
    cfg.accel = Some(Accel::Tcg);
    cfg.hold_egress = std::env::var(HOLD_EGRESS_ENV).as_deref() != Ok("0");
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

/// Lines `viola-guest: PREFIX…` of a serial log, the prefix stripped.
pub fn guest_lines(log: &Path, prefix: &str) -> Vec<String> {
    let want = format!("viola-guest: {prefix}");
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix(want.as_str()).map(str::to_string))
        .collect()
}

/// The tick numbers of a serial log.
pub fn ticks(log: &Path) -> Vec<u64> {
    guest_lines(log, "tick ")
        .iter()
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// The last lines of a serial log, for failure messages.
pub fn tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(n)..].join("\n")
}

/// Waits until `f` returns `Some`, polling every 200 ms; panics with `what` and `diag()`.
pub async fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> Option<T>,
    diag: impl Fn() -> String,
) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            t0.elapsed() < limit,
            "{what}: not within {limit:?}\n{}",
            diag()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the guest's serial log shows tick `at_least` (or later).
pub async fn wait_ticks(log: &Path, at_least: u64, limit: Duration) -> u64 {
    wait_for(
        &format!("tick {at_least} in {}", log.display()),
        limit,
        || ticks(log).last().copied().filter(|t| *t >= at_least),
        || tail(log, 20),
    )
    .await
}

/// `recv bytes N` / `recv done bytes N sha256 HEX` progress of a receiving guest:
/// (bytes, Some(sha) once done).
pub fn recv_progress(log: &Path) -> Vec<(u64, Option<String>)> {
    guest_lines(log, "recv ")
        .iter()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["bytes", n] => Some((n.parse().ok()?, None)),
                ["done", "bytes", n, "sha256", h] => Some((n.parse().ok()?, Some(h.to_string()))),
                _ => None,
            }
        })
        .collect()
}

/// The digest a sending guest announced (`send sha256 HEX bytes N`).
pub fn send_announced(log: &Path) -> Option<(String, u64)> {
    guest_lines(log, "send sha256 ").iter().find_map(|l| {
        let mut w = l.split_whitespace();
        let h = w.next()?.to_string();
        (w.next()? == "bytes").then_some(())?;
        Some((h, w.next()?.parse().ok()?))
    })
}

/// SHA-256 hex of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// `kill -9 PID` of a process this test started (a QEMU).
pub fn kill9(pid: u32) {
    let st = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -9 {pid} failed");
}

pub mod capture;
pub mod hooked;
pub mod net;
pub mod slow_advance;

/// The token every system-test daemon and client shares.
pub fn test_credentials() -> viola_orchestrator::auth::Credentials {
    viola_orchestrator::auth::Credentials::from_secret("viola-system-test-token-0123456789")
        .expect("token")
}

/// Agents accept kernels and initramfs images from the guest build cache only.
pub fn test_policy() -> viola_orchestrator::agent::RequestPolicy {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viola-guest");
    std::fs::create_dir_all(&dir).expect("guest cache dir");
    viola_orchestrator::agent::RequestPolicy::new(&[dir], 4096).expect("image policy")
}
