//! Running the external tools a lab is made of (`ip`, `ovs-vsctl`, `ethtool`…).

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

use super::LabError;

/// Which Debian package provides a tool, for the "install X" hint.
fn package_of(tool: &str) -> &'static str {
    match tool {
        "ip" => "iproute2",
        "ping" => "iputils-ping",
        "ethtool" => "ethtool",
        "ovs-testcontroller" => "openvswitch-testcontroller",
        t if t.starts_with("ovs") => "openvswitch-switch",
        _ => "it",
    }
}

/// Shell-like rendering of a command line, for error messages.
pub(crate) fn render(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn spawn_error(cmd: &Command, e: std::io::Error) -> LabError {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    if e.kind() == std::io::ErrorKind::NotFound {
        LabError::ToolMissing {
            package: package_of(&tool).to_string(),
            tool,
        }
    } else {
        LabError::Spawn {
            command: render(cmd),
            source: e,
        }
    }
}

/// Runs `cmd` to completion, capturing its output; it is an error if it cannot start.
pub(crate) fn output(cmd: &mut Command) -> Result<Output, LabError> {
    cmd.stdin(Stdio::null());
    cmd.output().map_err(|e| spawn_error(cmd, e))
}

/// Runs `cmd` and returns its stdout; a non-zero exit is an error carrying its stderr.
pub(crate) fn run(cmd: &mut Command) -> Result<String, LabError> {
    let out = output(cmd)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.trim().lines().last().unwrap_or("").to_string();
        Err(LabError::Command {
            command: render(cmd),
            status: out.status.to_string(),
            stderr,
        })
    }
}

/// A `Command` for `program` with `args`.
pub(crate) fn cmd<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// Whether `program` can be found on PATH (or is a path that exists).
pub fn have_tool(program: &str) -> bool {
    if program.contains('/') {
        return std::path::Path::new(program).exists();
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Whether this process runs with effective uid 0 (read from /proc, no libc call needed).
pub fn is_root() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().nth(1).map(|e| e == "0"))
        .unwrap_or(false)
}
