//! Network namespaces from inside this process: run a closure on a thread that moved into a
//! host's namespace (sockets it creates stay there, whichever thread uses them later), and
//! re-run the current program inside a fresh namespace of its own.

use std::os::fd::AsFd;
use std::process::{Command, ExitStatus, Stdio};

use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

use super::ExperimentError;

/// Set in the copy of the program that [`reexec_isolated`] runs inside its namespace.
pub const IN_EXPERIMENT_NETNS: &str = "VIOLA_EXPERIMENT_NETNS";

/// Moves the calling thread into the named network namespace (`/run/netns/NAME`).
pub fn enter(ns: &str) -> Result<(), ExperimentError> {
    let path = format!("/run/netns/{ns}");
    let f =
        std::fs::File::open(&path).map_err(|e| ExperimentError::io(format!("open {path}"), e))?;
    move_into_link_name_space(f.as_fd(), Some(LinkNameSpaceType::Network))
        .map_err(|e| ExperimentError::io(format!("setns {path}"), e.into()))
}

/// Runs `f` on a new thread inside namespace `ns` and returns its result.
pub fn run_in<T, F>(ns: &str, f: F) -> Result<T, ExperimentError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    spawn_in(ns, f)
        .join()
        .map_err(|_| ExperimentError::Other(format!("a thread in namespace {ns} panicked")))?
}

/// Starts `f` on a new thread inside namespace `ns`.
pub fn spawn_in<T, F>(ns: &str, f: F) -> std::thread::JoinHandle<Result<T, ExperimentError>>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let ns = ns.to_string();
    std::thread::spawn(move || {
        enter(&ns)?;
        Ok(f())
    })
}

/// Re-runs this program, with the same arguments, inside a fresh network namespace
/// (loopback up) and deletes the namespace afterwards. Returns `None` in that copy (the
/// caller then does the work) and `Some(exit status)` in the original process.
pub fn reexec_isolated(tag: &str) -> Result<Option<ExitStatus>, ExperimentError> {
    if std::env::var_os(IN_EXPERIMENT_NETNS).is_some() {
        return Ok(None);
    }
    let ns = format!("vx-{tag}-{}", std::process::id());
    ip(&["netns", "add", &ns])?;
    let result = (|| {
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        let exe = std::env::current_exe().map_err(|e| ExperimentError::io("current_exe", e))?;
        Command::new("ip")
            .args(["netns", "exec", &ns])
            .arg(exe)
            .args(std::env::args_os().skip(1))
            .env(IN_EXPERIMENT_NETNS, &ns)
            .stdin(Stdio::null())
            .status()
            .map_err(|e| ExperimentError::io("ip netns exec", e))
    })();
    let _ = ip(&["netns", "del", &ns]);
    result.map(Some)
}

fn ip(args: &[&str]) -> Result<(), ExperimentError> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ExperimentError::io(format!("ip {}", args.join(" ")), e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ExperimentError::Other(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
