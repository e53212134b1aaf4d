//! Test support: run a test body in a fresh network namespace of its own, with its own
//! Open vSwitch daemons.
//!
//! Only one `ovs-vswitchd` with userspace (netdev) bridges can run per network namespace
//! (they fight over the `ovs-netdev` tap), and host namespaces (`ip netns add vt1-h1`) are
//! global. So every real-OVS test takes a process mutex and the file lock [`LOCK_FILE`],
//! creates a namespace, re-runs its own test binary (only that test) inside it with
//! `ip netns exec`, and deletes the namespace afterwards: whatever the test leaves behind
//! (daemons excepted, see [`RunDir`]) disappears with it.
//!
//! These helpers are meant for `#[test]` bodies: they panic with a clear message when the
//! environment is missing something (a test must fail, never skip).
//!
//! ```no_run
//! use viola_lab::isolate;
//!
//! fn body() {
//!     // runs as root inside its own network namespace; loopback is up
//! }
//!
//! #[test]
//! fn my_test() {
//!     isolate::isolated("my_test", body);
//! }
//! ```

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use super::command::{have_tool, is_root};

/// Environment variable set in the child process that runs one test's body inside its
/// namespace.
pub const IN_NETNS: &str = "VIOLA_LAB_TEST_NETNS";

/// File lock shared by every process that runs real-OVS tests (and by Mininet tests: `mn`
/// kills controllers it does not know).
pub const LOCK_FILE: &str = "/run/viola-lab-tests.lock";

/// Environment variable: seconds one isolated test body may run (default
/// [`DEFAULT_TIMEOUT_S`]).
pub const TIMEOUT_ENV: &str = "VIOLA_LAB_TEST_TIMEOUT";

/// Seconds one isolated test body may run unless [`TIMEOUT_ENV`] says otherwise.
pub const DEFAULT_TIMEOUT_S: u64 = 600;

/// Tools every lab test needs.
pub const LAB_TOOLS: &[&str] = &[
    "ovsdb-server",
    "ovs-vswitchd",
    "ovs-vsctl",
    "ovs-ofctl",
    "ip",
    "ping",
    "ethtool",
    "timeout",
];

static SERIAL: Mutex<()> = Mutex::new(());

/// The process-wide mutex of real-OVS tests.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether this process is the child that runs a body inside its namespace.
pub fn in_isolated_netns() -> bool {
    std::env::var_os(IN_NETNS).is_some()
}

/// Fails the test (never skips) unless this runs as root and every tool in `tools` is on
/// the PATH.
pub fn require_environment(tools: &[&str]) {
    assert!(
        is_root(),
        "lab tests need root (network namespaces, veths, Open vSwitch); run as root"
    );
    for tool in tools {
        assert!(
            have_tool(tool),
            "`{tool}` is missing: run scripts/install-deps.sh"
        );
    }
}

/// Runs `body` in a fresh network namespace (see the module docs); needs [`LAB_TOOLS`].
/// `name` must be the exact name of the calling `#[test]` function.
pub fn isolated(name: &str, body: fn()) {
    isolated_with(name, &[], body);
}

/// [`isolated`], also requiring `extra_tools` (e.g. `iperf3`, `mn`).
pub fn isolated_with(name: &str, extra_tools: &[&str], body: fn()) {
    if in_isolated_netns() {
        body();
        return;
    }
    let _g = serial();
    // Other processes on this machine may run these tests too (same host namespace names).
    let lock = std::fs::File::create(LOCK_FILE)
        .unwrap_or_else(|e| panic!("create {LOCK_FILE}: {e} (lab tests need root)"));
    lock.lock()
        .unwrap_or_else(|e| panic!("lock {LOCK_FILE}: {e}"));
    require_environment(LAB_TOOLS);
    require_environment(extra_tools);
    let ns = format!("vtns-{}-{}", std::process::id(), short(name));
    text(&["ip", "netns", "add", &ns]);
    text(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
    let exe = std::env::current_exe().expect("path of this test binary");
    let limit = std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_TIMEOUT_S);
    // A hung body must not hold the lock forever: `timeout` ends it (and the test fails).
    let out = Command::new("timeout")
        .args(["--kill-after=10", &limit.to_string()])
        .args(["ip", "netns", "exec", &ns])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_NETNS, &ns)
        .stdin(Stdio::null())
        .output()
        .expect("re-run the test in its namespace");
    let cleaned = clean_namespace(&ns);
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && log.contains("1 passed"),
        "{name} failed in network namespace {ns} ({}):\n{log}{}",
        match out.status.code() {
            Some(124) | Some(137) => format!("killed after {limit} s"),
            _ => out.status.to_string(),
        },
        if cleaned.is_empty() {
            String::new()
        } else {
            format!(
                "\nleft behind by the body and cleaned up: {}",
                cleaned.join(", ")
            )
        }
    );
    // Figures the body printed ("FIGURE …" lines) show in the parent's output too.
    for line in log.lines() {
        if let Some(at) = line.find("FIGURE ") {
            println!("{}", &line[at..]);
        }
    }
}

/// The inode of network namespace `/proc/PID/ns/net` (`net:[INODE]`).
fn netns_inode_of(pid: &str) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
    let text = link.to_string_lossy().into_owned();
    text.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
}

/// Ends whatever a body left behind in network namespace `ns` (a crashed or killed body
/// cannot clean up): the labs whose private OVS daemons run there (`lab::down` of their run
/// directory, which also removes their host namespaces), then every process still in `ns`.
/// Returns what it found.
fn clean_namespace(ns: &str) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(format!("/run/netns/{ns}")) else {
        return Vec::new();
    };
    let inode = meta.ino();
    let mut found = Vec::new();
    let run_dirs = std::fs::read_dir("/run")
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in run_dirs.iter().filter(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("viola-lab-test-"))
    }) {
        let ovs = super::Ovs::at(dir);
        let ours = ["ovs-vswitchd", "ovsdb-server"]
            .iter()
            .filter_map(|d| ovs.pid(d))
            .any(|pid| netns_inode_of(&pid.to_string()) == Some(inode));
        if !ours {
            continue;
        }
        let prefix = super::LabState::load(dir)
            .ok()
            .flatten()
            .map(|s| s.prefix)
            .unwrap_or_else(|| super::DEFAULT_PREFIX.to_string());
        let r = super::down(dir, &prefix);
        let _ = super::stop_private(dir);
        let _ = std::fs::remove_dir_all(dir);
        found.push(format!("lab {} ({r:?})", dir.display()));
    }
    let me = std::process::id().to_string();
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|p| p.chars().all(|c| c.is_ascii_digit()) && *p != me)
                .filter(|p| netns_inode_of(p) == Some(inode))
                .collect()
        })
        .unwrap_or_default();
    for pid in pids {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let _ = Command::new("kill").args(["-9", &pid]).status();
        found.push(format!("process {pid} ({})", comm.trim()));
    }
    found
}

/// Namespace names are file names: keep them short.
fn short(name: &str) -> String {
    name.chars().take(40).collect()
}

/// A free TCP port on 127.0.0.1 (of the caller's namespace).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port on 127.0.0.1");
    l.local_addr().expect("local addr").port()
}

/// Runs `cmd` and returns its stdout; panics with its stderr if it fails.
pub fn text(cmd: &[&str]) -> String {
    let (prog, args) = cmd.split_first().expect("a command");
    let out = Command::new(prog)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything named with `prefix` that still exists: links, namespaces (and bridges of the
/// OVS instance whose database socket is `ovs_db`, if given).
pub fn leftovers(prefix: &str, ovs_db: Option<&Path>) -> Vec<String> {
    let mut left: Vec<String> = text(&["ip", "-o", "link", "show"])
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .filter(|n| n.starts_with(prefix))
        .collect();
    left.extend(
        text(&["ip", "netns", "list"])
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| n.starts_with(prefix))
            .map(|n| format!("netns {n}")),
    );
    if let Some(db) = ovs_db {
        let db = format!("--db=unix:{}", db.display());
        left.extend(
            text(&["ovs-vsctl", &db, "list-br"])
                .lines()
                .filter(|b| b.starts_with(prefix))
                .map(|b| format!("bridge {b}")),
        );
    }
    left
}

/// The last `lines` lines of each of `files` in `dir`, for failure messages.
pub fn tail_files(dir: &Path, files: &[&str], lines: usize) -> String {
    let mut out = String::new();
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n");
        out.push_str(&format!("\n--- {f} (last lines)\n{tail}"));
    }
    out
}

/// The last lines of the OVS logs of a private instance in `dir`.
pub fn ovs_diag(dir: &Path) -> String {
    tail_files(
        dir,
        &["ovs-vswitchd.log", "ovsdb-server.log", "ovs-vswitchd.err"],
        15,
    )
}

/// A fresh directory under `/run` (short socket paths; `mn -c` never touches it), removed
/// with its contents on drop.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates `/run/viola-lab-test-PID-TAG-N`.
    pub fn new(tag: &str) -> RunDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = PathBuf::from(format!(
            "/run/viola-lab-test-{}-{tag}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        RunDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
