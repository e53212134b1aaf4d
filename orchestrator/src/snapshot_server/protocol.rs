//! Requests and documents of the snapshot server's control protocol (see [`crate::wire`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One request line, tagged by `"op"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Open a data port for one image; result `{"port": P, "ticket": T}`. Connect,
    /// authenticate, present the ticket (see [`crate::auth::data`]), then send the raw
    /// QEMU migration stream and close. The port takes that one stream only.
    Prepare { snapshot_id: String, vm: String },
    /// Wait for every image of the snapshot to be received, check them (and, if `expect`
    /// is not empty, that exactly these images with these SHA-256 digests are present),
    /// then commit atomically; result: the [`Manifest`].
    Commit {
        snapshot_id: String,
        #[serde(default)]
        meta: Value,
        #[serde(default)]
        expect: BTreeMap<String, String>,
    },
    /// Phase one of a two-phase commit: like `Commit`, but stops once the images are
    /// checked and the vote is on disk; result: the [`Manifest`] the snapshot will have.
    /// The snapshot then stays pending, across restarts too, until `Commit` or `Abort`.
    Vote {
        snapshot_id: String,
        #[serde(default)]
        meta: Value,
        #[serde(default)]
        expect: BTreeMap<String, String>,
    },
    /// Delete a pending or voted snapshot (idempotent; refused once committed); result
    /// `null`.
    Abort { snapshot_id: String },
    /// Delete a committed snapshot; result `{"deleted": true|false}` (false: there was
    /// none).
    Delete { snapshot_id: String },
    /// Push a committed snapshot to the snapshot server whose control address is `to`
    /// (stored there as `as_id` if given); result: the remote [`Manifest`].
    Copy {
        snapshot_id: String,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_id: Option<String>,
    },
    /// Connect to `to` (a restoring agent's data port), authenticate, present `ticket`
    /// and write the image; result `{"bytes": N}`.
    Serve {
        snapshot_id: String,
        vm: String,
        to: String,
        #[serde(default)]
        ticket: String,
    },
    /// The manifest of a committed snapshot.
    Manifest { snapshot_id: String },
    /// Result: `{"committed": [Manifest…], "pending": [id…], "in_doubt": [Manifest…]}`.
    List,
}

/// Size and digest of one stored image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub size: u64,
    /// Lower-case hex SHA-256 of the whole stream.
    pub sha256: String,
}

/// `committed/<id>/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `viola.snapshot-manifest/1`.
    pub format: String,
    pub snapshot_id: String,
    /// Seconds since the Unix epoch.
    pub committed_at: u64,
    pub images: BTreeMap<String, ImageInfo>,
    /// Whatever the committer attached (the transaction controller puts its snapshot
    /// record here: epoch, pause times, QEMU command lines, flow state, timings).
    #[serde(default)]
    pub meta: Value,
}

pub const MANIFEST_FORMAT: &str = "viola.snapshot-manifest/1";

/// Result of `prepare`: where and with what ticket to send one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepared {
    pub port: u16,
    pub ticket: String,
}

/// Result of `list`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Listing {
    pub committed: Vec<Manifest>,
    /// Every pending snapshot id, voted or not.
    pub pending: Vec<String>,
    /// The votes of the pending snapshots that voted: each waits for its transaction
    /// controller's decision.
    #[serde(default)]
    pub in_doubt: Vec<Manifest>,
    /// Bytes received so far, per image, of the pending snapshots that have not voted:
    /// what a progress display shows while the streams come in.
    #[serde(default)]
    pub receiving: BTreeMap<String, BTreeMap<String, u64>>,
}

/// A snapshot id or VM name is used as a path component: keep it boring.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}
