//! Why a lab operation failed.

use std::path::PathBuf;

/// Errors of the lab module. Each message is one line, fit for `viola lab`'s stderr.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// Creating bridges, namespaces and veths needs root (CAP_NET_ADMIN).
    #[error(
        "this needs root (network namespaces, veths and Open vSwitch); run it with sudo or as root"
    )]
    NotRoot,
    /// A program the lab needs is not installed.
    #[error("`{tool}` not found: install {package} (scripts/install-deps.sh does)")]
    ToolMissing { tool: String, package: String },
    /// A command ran but failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        command: String,
        status: String,
        stderr: String,
    },
    /// A command could not be started for another reason than a missing binary.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    /// Reading or writing a file of the run directory failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The state file is not what `lab up` writes.
    #[error("bad lab state file {path}: {reason}")]
    State { path: PathBuf, reason: String },
    /// No lab is up in this run directory.
    #[error("no lab is up (no state file in {0}); run `viola lab up --topo SPEC` first")]
    NoLab(PathBuf),
    /// A lab is already up in this run directory.
    #[error("a lab is already up in {0}; run `viola lab down` first")]
    AlreadyUp(PathBuf),
    /// A name (switch, host, prefix) cannot be turned into a Linux interface or netns name.
    #[error("bad name `{name}`: {reason}")]
    Name { name: String, reason: String },
    /// The Open vSwitch daemons did not come up.
    #[error("Open vSwitch did not start: {0}")]
    Daemons(String),
    /// A host name that the lab does not have.
    #[error("no host `{0}` in this lab")]
    NoHost(String),
    /// Some bridges did not connect to the controller in time.
    #[error("bridges not connected to controller {controller} after {waited_ms} ms: {bridges}")]
    NotConnected {
        controller: String,
        waited_ms: u128,
        bridges: String,
    },
    /// A bad option value (controller address, OpenFlow version…).
    #[error("{0}")]
    Config(String),
}

impl LabError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LabError::Io {
            path: path.into(),
            source,
        }
    }
}
