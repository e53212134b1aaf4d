//! Viola orchestrator: the pieces that take a distributed snapshot of a service of QEMU VMs.
//!
//! - [`snapshot_server`]: receives QEMU migration streams, stores them, commits or aborts
//!   them atomically, copies committed snapshots to other servers and serves them back.
//! - [`agent`]: the VM-server agent, which runs QEMU guests and drives QMP.
//! - [`guest`]: builds a tiny bootable guest (Debian kernel + busybox initramfs).
//! - [`tc`]: the transaction controller that coordinates agents, servers and the controller.
//!
//! Every component speaks the same control protocol, JSON lines over TCP ([`wire`]): one
//! request line, zero or more `{"event": …}` lines, one final `{"ok": …}` line.
//!
//! This crate never talks OpenFlow itself: the controller is reached over its REST API.
//!
//! ```
//! use viola_orchestrator::snapshot_server::image;
//! let mut head = Vec::new();
//! head.extend_from_slice(&image::QEMU_VM_FILE_MAGIC.to_be_bytes());
//! head.extend_from_slice(&image::QEMU_VM_FILE_VERSION.to_be_bytes());
//! assert!(image::check_header(&head).is_ok());
//! ```
#![forbid(unsafe_code)]

pub mod agent;
pub mod atomic_file;
pub mod auth;
pub mod guest;
pub mod snapshot_server;
pub mod tc;
pub mod wire;
