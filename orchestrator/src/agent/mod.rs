//! The VM-server agent: runs QEMU guests (`-qmp` unix socket, serial console to a log file,
//! tap or user networking) and drives snapshots and restores through QMP with the `qapi`
//! crate. KVM is used only if it really boots a guest here (detected once), else TCG.
//!
//! Snapshot (pre-copy), following NOTES.md: `migrate-set-capabilities events=on`,
//! `migrate tcp:SNAPSHOT-SERVER-DATA-PORT`; the `STOP` event is the snapshot point and is
//! reported at once as `vm_paused`; the guest is held paused until `unpause`, then the
//! agent waits for `postmigrate` and sends `cont`. Restore: QEMU with the same device
//! configuration plus `-incoming defer -S`, `migrate-incoming tcp:…` fed by the snapshot
//! server's `serve`, guest left paused until `cont`.
//!
//! Background mode (`background-snapshot`): QEMU stops the guest for the setup and resumes
//! it by itself; a `filter-buffer` on the guest's netdev ([`hold`]) holds the packets the
//! guest sends from before the cut until `unpause`, so the network still sees a strict cut.

pub mod client;
pub mod hold;
pub mod protocol;
pub mod qemu;
pub mod qmp;
pub mod relay;
pub mod server;
pub mod validate;
pub mod vm;

pub use client::AgentClient;
pub use protocol::{AgentEvent, RestoreFrom, SnapshotMode, SnapshotReport, VmConfig, VmStatus};
pub use server::serve;
pub use validate::{RequestError, RequestPolicy};
pub use vm::{Agent, AgentConfig, AgentError};
