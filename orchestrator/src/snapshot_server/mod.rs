//! The snapshot server: receives QEMU migration streams on per-image TCP data ports,
//! stores them under `DATA/pending/<id>/<vm>.img` while hashing them (SHA-256), commits a
//! snapshot atomically to `DATA/committed/<id>/` (manifest written, fsynced, directory
//! renamed, parent fsynced), aborts, copies committed snapshots to another server (which
//! verifies the hashes before it commits) and serves images back to a restoring QEMU.
//!
//! Commits are two-phase when the transaction controller asks for it: `vote` checks the
//! images and writes the vote durably, `commit` or `abort` carries out its decision. At
//! start-up, a pending snapshot that never voted is deleted (presumed abort) and one that
//! voted stays in doubt until the decision comes, so a crash can never leave something that
//! looks committed, nor lose a part the controller may already have decided to commit.

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
