//! The snapshot server: receives QEMU migration streams on per-image TCP data ports,
//! stores them under `DATA/pending/<id>/<vm>.img` while hashing them (SHA-256), commits a
//! snapshot atomically to `DATA/committed/<id>/` (manifest written, fsynced, directory
//! renamed, parent fsynced), aborts, copies committed snapshots to another server (which
//! verifies the hashes before it commits) and serves images back to a restoring QEMU.
//!
//! Anything under `pending/` at start-up is an interrupted snapshot and is deleted, so a
//! crash can never leave something that looks committed.

pub mod client;
pub mod disk_space;
pub mod image;
pub mod protocol;
pub mod server;
pub mod store;

pub use client::SnapshotServerClient;
pub use protocol::{ImageInfo, Manifest, Prepared, Request};
pub use server::serve;
pub use store::{Store, StoreError};
