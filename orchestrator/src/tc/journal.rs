//! The transaction controller's durable state, under the service's state directory:
//!
//! - `open/<id>.json`: a snapshot transaction under way (which snapshot servers take part),
//!   written before the first image is prepared and removed once every server carried out
//!   the decision. What is left here after a crash is what recovery must finish.
//! - `snapshots/<id>.json`: the snapshot record. Writing it is the **commit point** of the
//!   two-phase commit: a record here means the decision is commit; no record means abort
//!   (presumed abort).
//! - `latest`: the id of the newest committed snapshot.
//! - `lock`: held (flock) by whoever runs or resolves a transaction of this service, so a
//!   recovery never aborts the votes of a snapshot still deciding.
//!
//! Every file is written atomically ([`crate::atomic_file`]).

use super::record::SnapshotRecord;
use super::service::ServiceFile;
use super::snapshot::TcError;
use crate::atomic_file::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A transaction under way: its snapshot servers, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTransaction {
    pub snapshot_id: String,
    pub servers: Vec<String>,
}

/// The state directory of one service.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

/// Holds the service's lock until dropped (or the process ends).
#[derive(Debug)]
pub struct JournalLock {
    _file: std::fs::File,
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> TcError {
    let where_ = format!("{what} {}", path.display());
    move |e| TcError::Config(format!("{where_}: {e}"))
}

impl Journal {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Journal { dir: dir.into() }
    }

    /// The journal in `svc.state_dir` (set by [`ServiceFile::load`]).
    pub fn of(svc: &ServiceFile) -> Result<Self, TcError> {
        svc.state_dir.as_ref().map(Journal::new).ok_or_else(|| {
            TcError::Config(format!(
                "service {} has no state directory for its records",
                svc.name
            ))
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sub(&self, name: &str) -> Result<PathBuf, TcError> {
        let d = self.dir.join(name);
        std::fs::create_dir_all(&d).map_err(io("creating", &d))?;
        Ok(d)
    }

    /// Takes the service's lock, or says who holds it.
    pub fn lock(&self) -> Result<JournalLock, TcError> {
        std::fs::create_dir_all(&self.dir).map_err(io("creating", &self.dir))?;
        let path = self.dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("opening", &path))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(JournalLock { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) => Err(TcError::Busy(format!(
                "another viola tc is running a snapshot or recovery of this service (lock {})",
                path.display()
            ))),
            Err(e) => Err(TcError::Config(format!("locking {}: {e}", path.display()))),
        }
    }

    fn write_json(&self, path: &Path, v: &impl Serialize) -> Result<(), TcError> {
        let bytes = serde_json::to_vec_pretty(v)
            .map_err(|e| TcError::Config(format!("encoding {}: {e}", path.display())))?;
        write_atomic(path, &bytes).map_err(io("writing", path))
    }

    /// Records that transaction `id` starts on `servers`.
    pub fn begin(&self, id: &str, servers: Vec<String>) -> Result<(), TcError> {
        let path = self.sub("open")?.join(format!("{id}.json"));
        let t = OpenTransaction {
            snapshot_id: id.into(),
            servers,
        };
        self.write_json(&path, &t)
    }

    /// Transactions begun and not finished.
    pub fn open_transactions(&self) -> Result<Vec<OpenTransaction>, TcError> {
        self.read_all("open")
    }

    /// Transaction `id` is over on every server.
    pub fn finish(&self, id: &str) -> Result<(), TcError> {
        remove_durably(&self.sub("open")?.join(format!("{id}.json")))
    }

    /// Every readable `*.json` document of a subdirectory (the others are skipped with a
    /// warning: one damaged file must not hide the rest).
    fn read_all<T: serde::de::DeserializeOwned>(&self, sub: &str) -> Result<Vec<T>, TcError> {
        let dir = self.sub(sub)?;
        let mut out = Vec::new();
        for path in json_files(&dir)? {
            let bytes = std::fs::read(&path).map_err(io("reading", &path))?;
            match serde_json::from_slice(&bytes) {
                Ok(t) => out.push(t),
                Err(e) => tracing::warn!(path = %path.display(), "unreadable, skipped: {e}"),
            }
        }
        Ok(out)
    }

    fn record_path(&self, id: &str) -> Result<PathBuf, TcError> {
        Ok(self.sub("snapshots")?.join(format!("{id}.json")))
    }

    /// The commit point: writes `rec` durably and makes it the latest snapshot.
    pub fn decide_commit(&self, rec: &SnapshotRecord) -> Result<PathBuf, TcError> {
        let path = self.record_path(&rec.snapshot_id)?;
        self.write_json(&path, rec)?;
        let latest = self.dir.join("latest");
        write_atomic(&latest, rec.snapshot_id.as_bytes()).map_err(io("writing", &latest))?;
        Ok(path)
    }

    /// Rewrites a committed record (timings known after the commit point).
    pub fn update(&self, rec: &SnapshotRecord) -> Result<PathBuf, TcError> {
        let path = self.record_path(&rec.snapshot_id)?;
        self.write_json(&path, rec)?;
        Ok(path)
    }

    /// The record of committed snapshot `id`, if this journal decided it.
    pub fn record(&self, id: &str) -> Result<Option<SnapshotRecord>, TcError> {
        let path = self.record_path(id)?;
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| TcError::Config(format!("reading {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("reading", &path)(e)),
        }
    }

    /// Whether the decision for `id` is commit.
    pub fn committed(&self, id: &str) -> Result<bool, TcError> {
        Ok(self.record_path(id)?.exists())
    }

    /// Every committed record (unreadable ones are skipped with a warning).
    pub fn records(&self) -> Result<Vec<SnapshotRecord>, TcError> {
        self.read_all("snapshots")
    }

    /// Forgets committed snapshot `id` (its images are deleted separately).
    pub fn remove(&self, id: &str) -> Result<(), TcError> {
        remove_durably(&self.record_path(id)?)
    }

    /// The newest committed snapshot's id.
    pub fn latest(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("latest"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Removes `path` if it is there, durably (the directory fsynced).
fn remove_durably(path: &Path) -> Result<(), TcError> {
    match std::fs::remove_file(path) {
        Ok(()) => crate::atomic_file::fsync_parent(path).map_err(io("syncing", path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("removing", path)(e)),
    }
}

/// `*.json` files of `dir` (not the hidden temporaries), sorted.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, TcError> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io("listing", dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::new(dir.path());
        let held = j.lock().expect("lock");
        assert!(matches!(j.lock(), Err(TcError::Busy(_))));
        drop(held);
        j.lock().expect("free again");
    }

    #[test]
    fn open_transactions_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::new(dir.path());
        j.begin("s1", vec!["ss-a".into()]).expect("begin");
        assert_eq!(j.open_transactions().expect("open")[0].servers, ["ss-a"]);
        j.finish("s1").expect("finish");
        j.finish("s1").expect("finish twice");
        assert!(j.open_transactions().expect("open").is_empty());
        assert!(!j.committed("s1").expect("committed"));
    }
}
