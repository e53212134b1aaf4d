//! On-disk snapshot store: `pending/<id>/<vm>.img` while receiving, `pending/<id>/vote.json`
//! once the server voted to commit (the snapshot is then "in doubt" until the transaction
//! controller's decision arrives), `committed/<id>/` with `manifest.json` once committed.
//!
//! Each snapshot is one state machine — receiving → voted → committed, or aborted from
//! receiving or voted; committed → deleted — whose steps (vote, commit, abort, delete) run
//! one at a time under that snapshot's own lock, so an abort can never remove the images of
//! a commit under way. An abort first cancels the streams, so a vote waiting for them ends
//! at once instead of holding the lock for the whole commit wait.

use super::disk_space::{free_bytes, SpaceGuard};
use super::image::{self, ImageError, TAIL_WINDOW};
use super::protocol::{valid_name, ImageInfo, Listing, Manifest, Prepared, MANIFEST_FORMAT};
use crate::auth::{data, AuthError, Credentials, Ticket};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("i/o on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid name {0:?} (letters, digits, '-', '_', '.'; not starting with '.')")]
    BadName(String),
    #[error("snapshot {0} is already committed")]
    AlreadyCommitted(String),
    #[error("image {vm} of snapshot {id} was already prepared")]
    AlreadyPrepared { id: String, vm: String },
    #[error("no pending snapshot {0}")]
    NoPending(String),
    #[error("no committed snapshot {0}")]
    NoCommitted(String),
    #[error("no image {vm} in snapshot {id}")]
    NoImage { id: String, vm: String },
    #[error("image {vm}: {reason}")]
    ImageFailed { vm: String, reason: String },
    #[error("image {0} still incomplete after {1:?}")]
    StillReceiving(String, Duration),
    #[error("image check: {0}")]
    Image(#[from] ImageError),
    #[error("verification failed: {0}")]
    Verify(String),
    #[error("manifest: {0}")]
    Manifest(#[from] serde_json::Error),
    #[error("cancelled")]
    Cancelled,
    #[error("data port: {0}")]
    Data(#[from] AuthError),
    #[error("image larger than the cap of {0} bytes: refused")]
    TooLarge(u64),
    #[error("only {free} bytes free on {path} (the server keeps {reserve} free): refused")]
    DiskFull {
        path: PathBuf,
        free: u64,
        reserve: u64,
    },
    #[error("snapshot {0} expired: pending longer than {1:?}")]
    Expired(String, Duration),
    #[error("snapshot {0} is committed: delete it instead of aborting it")]
    AbortCommitted(String),
    #[error("snapshot {0} is not committed (abort a pending snapshot instead)")]
    DeletePending(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Progress of one incoming image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecvState {
    /// The data port is open; nobody connected yet.
    Waiting,
    Receiving,
    Done(ImageInfo),
    Failed(String),
}

struct Pending {
    images: BTreeMap<String, watch::Receiver<RecvState>>,
    /// Bytes received so far per image (for progress displays).
    received: BTreeMap<String, Arc<AtomicU64>>,
    cancel: CancellationToken,
    since: Instant,
    /// Set once the server voted to commit (`vote.json` is on disk): from then on only
    /// the transaction controller's decision ends it — never the pending time to live.
    voted: Option<Manifest>,
}

impl Pending {
    fn new() -> Self {
        Pending {
            images: BTreeMap::new(),
            received: BTreeMap::new(),
            cancel: CancellationToken::new(),
            since: Instant::now(),
            voted: None,
        }
    }
}

/// The vote, durable in the pending directory: its presence is what keeps a pending
/// snapshot across a restart.
const VOTE_FILE: &str = "vote.json";

/// Timeouts, limits and credentials of the store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// How long a data port waits for its connection.
    pub accept_timeout: Duration,
    /// How long `commit` waits for images still being received.
    pub commit_wait: Duration,
    /// A pending snapshot not committed within this time is aborted.
    pub pending_ttl: Duration,
    /// Largest image accepted (bytes).
    pub max_image_bytes: u64,
    /// Free space the server always keeps on the data file system (bytes): `prepare` is
    /// refused below it and a stream that would go below it is cut.
    pub reserve_bytes: u64,
    /// What data connections are authenticated with.
    pub credentials: Credentials,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            accept_timeout: Duration::from_secs(600),
            commit_wait: Duration::from_secs(120),
            pending_ttl: Duration::from_secs(3600),
            max_image_bytes: 64 << 30,
            reserve_bytes: 1 << 30,
            credentials: Credentials::Insecure,
        }
    }
}

/// The snapshot store of one server.
pub struct Store {
    root: PathBuf,
    bind_ip: IpAddr,
    config: StoreConfig,
    pending: Mutex<HashMap<String, Pending>>,
    /// One lock per snapshot id: the steps of one snapshot's state machine never overlap.
    /// Entries stay (one small lock per snapshot ever seen by this process).
    steps: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Store {
    /// Opens (creating) `root`. An interrupted snapshot under `pending/` that never voted
    /// is deleted (presumed abort: the transaction controller cannot have decided to
    /// commit it); one that voted is kept, in doubt, for the controller's decision.
    /// Leftovers of interrupted deletes go. Data ports are bound on `bind_ip`.
    pub fn open(
        root: &Path,
        bind_ip: IpAddr,
        config: StoreConfig,
    ) -> Result<Arc<Self>, StoreError> {
        let pending = root.join("pending");
        let committed = root.join("committed");
        let trash = root.join("deleting");
        for dir in [&pending, &committed, &trash] {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        std::fs::remove_dir_all(&trash).map_err(io_err(&trash))?;
        std::fs::create_dir_all(&trash).map_err(io_err(&trash))?;
        let mut in_doubt = HashMap::new();
        for entry in std::fs::read_dir(&pending).map_err(io_err(&pending))? {
            let dir = entry.map_err(io_err(&pending))?.path();
            match read_vote(&dir) {
                Some(vote) => {
                    tracing::info!(snapshot = %vote.snapshot_id, "voted before the restart: in doubt until the transaction controller decides");
                    let mut p = Pending::new();
                    p.voted = Some(vote.clone());
                    in_doubt.insert(vote.snapshot_id, p);
                }
                None => {
                    tracing::info!(dir = %dir.display(), "interrupted snapshot that never voted: deleted");
                    std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
                }
            }
        }
        fsync_dir(&pending)?;
        fsync_dir(root)?;
        Ok(Arc::new(Store {
            root: root.to_path_buf(),
            bind_ip,
            config,
            pending: Mutex::new(in_doubt),
            steps: Mutex::new(HashMap::new()),
        }))
    }

    /// Waits for the lock of snapshot `id`'s state machine.
    async fn step(&self, id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
            steps.entry(id.to_string()).or_default().clone()
        };
        lock.lock_owned().await
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What data connections are authenticated with.
    pub fn credentials(&self) -> &Credentials {
        &self.config.credentials
    }

    /// Aborts every pending snapshot older than the configured time to live; returns
    /// their ids.
    pub async fn expire_pending(&self) -> Vec<String> {
        let ttl = self.config.pending_ttl;
        let expired: Vec<String> = self
            .lock()
            .iter()
            .filter(|(_, p)| p.voted.is_none() && p.since.elapsed() > ttl)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            tracing::warn!(snapshot = %id, "{}", StoreError::Expired(id.clone(), ttl));
            if let Err(e) = self.abort(id).await {
                tracing::warn!(snapshot = %id, "aborting an expired snapshot: {e}");
            }
        }
        expired
    }

    /// Runs [`Self::expire_pending`] every so often, forever.
    pub async fn expire_pending_forever(self: Arc<Self>) {
        let every = (self.config.pending_ttl / 4)
            .clamp(Duration::from_millis(100), Duration::from_secs(30));
        loop {
            tokio::time::sleep(every).await;
            self.expire_pending().await;
        }
    }

    fn check_free_space(&self) -> Result<(), StoreError> {
        let reserve = self.config.reserve_bytes;
        let free = free_bytes(&self.root).map_err(io_err(&self.root))?;
        if free < reserve {
            return Err(StoreError::DiskFull {
                path: self.root.clone(),
                free,
                reserve,
            });
        }
        Ok(())
    }

    fn pending_dir(&self, id: &str) -> PathBuf {
        self.root.join("pending").join(id)
    }

    fn committed_dir(&self, id: &str) -> PathBuf {
        self.root.join("committed").join(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a data port for image `vm` of snapshot `id`; returns the port and the
    /// one-time ticket the sender must present there.
    pub async fn prepare(self: &Arc<Self>, id: &str, vm: &str) -> Result<Prepared, StoreError> {
        check_name(id)?;
        check_name(vm)?;
        if self.committed_dir(id).exists() {
            return Err(StoreError::AlreadyCommitted(id.into()));
        }
        self.check_free_space()?;
        let ticket = Ticket::generate().map_err(io_err(&self.root))?;
        let dir = self.pending_dir(id);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let listener = TcpListener::bind(SocketAddr::new(self.bind_ip, 0))
            .await
            .map_err(io_err(&dir))?;
        let port = listener.local_addr().map_err(io_err(&dir))?.port();
        let (tx, rx) = watch::channel(RecvState::Waiting);
        let (cancel, received) = {
            let mut map = self.lock();
            let entry = map.entry(id.to_string()).or_insert_with(Pending::new);
            if entry.voted.is_some() {
                return Err(StoreError::AlreadyPrepared {
                    id: id.into(),
                    vm: vm.into(),
                });
            }
            if entry.images.contains_key(vm) {
                return Err(StoreError::AlreadyPrepared {
                    id: id.into(),
                    vm: vm.into(),
                });
            }
            entry.images.insert(vm.to_string(), rx);
            let received = Arc::new(AtomicU64::new(0));
            entry.received.insert(vm.to_string(), received.clone());
            (entry.cancel.clone(), received)
        };
        let path = dir.join(format!("{vm}.img"));
        let store = self.clone();
        let expected = ticket.clone();
        tokio::spawn(async move {
            let result = tokio::select! {
                _ = cancel.cancelled() => Err(StoreError::Cancelled),
                r = store.accept_and_receive(listener, &expected, &path, &tx, &received) => r,
            };
            let state = match result {
                Ok(info) => RecvState::Done(info),
                Err(e) => RecvState::Failed(e.to_string()),
            };
            tracing::debug!(path = %path.display(), ?state, "image receive finished");
            let _ = tx.send(state);
        });
        Ok(Prepared {
            port,
            ticket: ticket.to_hex(),
        })
    }

    async fn accept_and_receive(
        &self,
        listener: TcpListener,
        ticket: &Ticket,
        path: &Path,
        tx: &watch::Sender<RecvState>,
        received: &AtomicU64,
    ) -> Result<ImageInfo, StoreError> {
        let (stream, peer) = data::accept(
            listener,
            &self.config.credentials,
            ticket,
            self.config.accept_timeout,
        )
        .await?;
        tracing::debug!(%peer, path = %path.display(), "receiving image");
        let _ = tx.send(RecvState::Receiving);
        let guard = SpaceGuard {
            max_bytes: self.config.max_image_bytes,
            reserve_bytes: self.config.reserve_bytes,
        };
        receive_stream_counted(stream, path, &guard, received).await
    }

    /// Phase one of the two-phase commit: waits for the images of `id`, verifies them
    /// against `expect` (if not empty) and writes the vote durably; returns the manifest
    /// the snapshot will have. Voting again returns the same vote.
    pub async fn vote(
        &self,
        id: &str,
        meta: Value,
        expect: &BTreeMap<String, String>,
    ) -> Result<Manifest, StoreError> {
        check_name(id)?;
        let _step = self.step(id).await;
        if self.committed_dir(id).exists() {
            return Err(StoreError::AlreadyCommitted(id.into()));
        }
        self.vote_locked(id, meta, expect).await
    }

    async fn vote_locked(
        &self,
        id: &str,
        meta: Value,
        expect: &BTreeMap<String, String>,
    ) -> Result<Manifest, StoreError> {
        let receivers: Vec<(String, watch::Receiver<RecvState>)> = {
            let map = self.lock();
            let p = map
                .get(id)
                .ok_or_else(|| StoreError::NoPending(id.into()))?;
            if let Some(vote) = &p.voted {
                return Ok(vote.clone());
            }
            p.images
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let mut images = BTreeMap::new();
        // One wait for all the images, not one per image: the transaction controller's
        // call must get an answer within its own limit.
        let deadline = tokio::time::Instant::now() + self.config.commit_wait;
        for (vm, mut rx) in receivers {
            let wait = rx.wait_for(|s| matches!(s, RecvState::Done(_) | RecvState::Failed(_)));
            let state = match tokio::time::timeout_at(deadline, wait).await {
                Err(_) => return Err(StoreError::StillReceiving(vm, self.config.commit_wait)),
                Ok(Err(_)) => RecvState::Failed("receiver vanished".into()),
                Ok(Ok(s)) => s.clone(),
            };
            match state {
                RecvState::Done(info) => {
                    images.insert(vm, info);
                }
                RecvState::Failed(reason) => return Err(StoreError::ImageFailed { vm, reason }),
                RecvState::Waiting | RecvState::Receiving => {
                    return Err(StoreError::StillReceiving(vm, self.config.commit_wait))
                }
            }
        }
        if !expect.is_empty() {
            verify(&images, expect)?;
        }
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            snapshot_id: id.into(),
            committed_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            images,
            meta,
        };
        let path = self.pending_dir(id).join(VOTE_FILE);
        let bytes = serde_json::to_vec_pretty(&manifest)?;
        let p = path.clone();
        tokio::task::spawn_blocking(move || crate::atomic_file::write_atomic(&p, &bytes))
            .await
            .map_err(|e| StoreError::Verify(format!("vote task failed: {e}")))?
            .map_err(io_err(&path))?;
        match self.lock().get_mut(id) {
            Some(p) => p.voted = Some(manifest.clone()),
            None => return Err(StoreError::NoPending(id.into())),
        }
        tracing::info!(snapshot = id, "voted to commit");
        Ok(manifest)
    }

    /// Phase two: commits `id` atomically (its vote's manifest written, the directory
    /// renamed). A snapshot that has not voted yet votes first (with `meta` and `expect`),
    /// so one call commits a single-server snapshot such as a copy. Committing a committed
    /// snapshot returns its manifest: a decision may be delivered twice.
    pub async fn commit(
        &self,
        id: &str,
        meta: Value,
        expect: &BTreeMap<String, String>,
    ) -> Result<Manifest, StoreError> {
        check_name(id)?;
        let _step = self.step(id).await;
        if self.committed_dir(id).exists() {
            return self.manifest(id);
        }
        let manifest = self.vote_locked(id, meta, expect).await?;
        let from = self.pending_dir(id);
        let to = self.committed_dir(id);
        let m = manifest.clone();
        tokio::task::spawn_blocking(move || commit_on_disk(&from, &to, &m))
            .await
            .map_err(|e| StoreError::Verify(format!("commit task failed: {e}")))??;
        self.lock().remove(id);
        tracing::info!(
            snapshot = id,
            images = manifest.images.len(),
            "snapshot committed"
        );
        Ok(manifest)
    }

    /// Deletes pending (or voted) snapshot `id` and closes its data ports. Idempotent;
    /// refused for a committed snapshot.
    pub async fn abort(&self, id: &str) -> Result<(), StoreError> {
        check_name(id)?;
        // Cancel first: a vote waiting for these streams ends now and frees the lock.
        if let Some(p) = self.lock().get(id) {
            p.cancel.cancel();
        }
        let _step = self.step(id).await;
        if self.committed_dir(id).exists() {
            return Err(StoreError::AbortCommitted(id.into()));
        }
        if let Some(p) = self.lock().remove(id) {
            p.cancel.cancel();
        }
        let dir = self.pending_dir(id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }

    /// Deletes committed snapshot `id`: renamed out of `committed/` first (so it stops
    /// being listed at once, whole), then removed. Returns whether it existed.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        check_name(id)?;
        let _step = self.step(id).await;
        if self.lock().contains_key(id) {
            return Err(StoreError::DeletePending(id.into()));
        }
        let from = self.committed_dir(id);
        if !from.exists() {
            return Ok(false);
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let to = self.root.join("deleting").join(format!("{id}-{nanos}"));
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            std::fs::rename(&from, &to).map_err(io_err(&to))?;
            crate::atomic_file::fsync_parent(&from).map_err(io_err(&from))?;
            std::fs::remove_dir_all(&to).map_err(io_err(&to))
        })
        .await
        .map_err(|e| StoreError::Verify(format!("delete task failed: {e}")))??;
        tracing::info!(snapshot = id, "snapshot deleted");
        Ok(true)
    }

    /// The manifest of committed snapshot `id`.
    pub fn manifest(&self, id: &str) -> Result<Manifest, StoreError> {
        check_name(id)?;
        let path = self.committed_dir(id).join("manifest.json");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NoCommitted(id.into()))
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Path of a committed image.
    pub fn image_path(&self, id: &str, vm: &str) -> Result<PathBuf, StoreError> {
        check_name(vm)?;
        let m = self.manifest(id)?;
        if !m.images.contains_key(vm) {
            return Err(StoreError::NoImage {
                id: id.into(),
                vm: vm.into(),
            });
        }
        Ok(self.committed_dir(id).join(format!("{vm}.img")))
    }

    /// Path of a committed image after checking that the file still has the size and
    /// SHA-256 its manifest recorded: a restore must never feed QEMU a damaged image.
    pub async fn verified_image_path(&self, id: &str, vm: &str) -> Result<PathBuf, StoreError> {
        let path = self.image_path(id, vm)?;
        let want =
            self.manifest(id)?
                .images
                .get(vm)
                .cloned()
                .ok_or_else(|| StoreError::NoImage {
                    id: id.into(),
                    vm: vm.into(),
                })?;
        let p = path.clone();
        let got = tokio::task::spawn_blocking(move || hash_file(&p))
            .await
            .map_err(|e| StoreError::Verify(format!("hashing {}: {e}", path.display())))??;
        if got.size != want.size || !got.sha256.eq_ignore_ascii_case(&want.sha256) {
            return Err(StoreError::Verify(format!(
                "image {vm} of snapshot {id} does not match its manifest \
                 (sha256 {} size {} != {} size {}): refusing to serve it",
                got.sha256, got.size, want.sha256, want.size
            )));
        }
        Ok(path)
    }

    /// Committed manifests and pending ids.
    pub fn list(&self) -> Result<Listing, StoreError> {
        let dir = self.root.join("committed");
        let mut committed = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            if let Some(name) = entry.file_name().to_str() {
                if let Ok(m) = self.manifest(name) {
                    committed.push(m);
                }
            }
        }
        committed.sort_by(|a, b| a.snapshot_id.cmp(&b.snapshot_id));
        let map = self.lock();
        let mut pending: Vec<String> = map.keys().cloned().collect();
        pending.sort();
        let mut in_doubt: Vec<Manifest> = map.values().filter_map(|p| p.voted.clone()).collect();
        let receiving = map
            .iter()
            .filter(|(_, p)| p.voted.is_none())
            .map(|(id, p)| {
                let bytes = p
                    .received
                    .iter()
                    .map(|(vm, n)| (vm.clone(), n.load(Ordering::Relaxed)))
                    .collect();
                (id.clone(), bytes)
            })
            .collect();
        in_doubt.sort_by(|a, b| a.snapshot_id.cmp(&b.snapshot_id));
        Ok(Listing {
            committed,
            pending,
            in_doubt,
            receiving,
        })
    }
}

/// Size and SHA-256 of a file (blocking).
fn hash_file(path: &Path) -> Result<ImageInfo, StoreError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size: u64 = 0;
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        size += n as u64;
    }
    Ok(ImageInfo {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

fn check_name(s: &str) -> Result<(), StoreError> {
    if valid_name(s) {
        Ok(())
    } else {
        Err(StoreError::BadName(s.into()))
    }
}

fn verify(
    images: &BTreeMap<String, ImageInfo>,
    expect: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    for (vm, want) in expect {
        match images.get(vm) {
            None => return Err(StoreError::Verify(format!("image {vm} missing"))),
            Some(i) if !i.sha256.eq_ignore_ascii_case(want) => {
                return Err(StoreError::Verify(format!(
                    "image {vm}: sha256 {} != expected {want}",
                    i.sha256
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = images.keys().find(|k| !expect.contains_key(*k)) {
        return Err(StoreError::Verify(format!("unexpected image {extra}")));
    }
    Ok(())
}

/// Writes `r` to `path` while hashing it, fsyncs, and checks that it is a complete QEMU
/// migration image. No size cap: see [`receive_stream_capped`].
pub async fn receive_stream<R: AsyncRead + Unpin>(
    r: R,
    path: &Path,
) -> Result<ImageInfo, StoreError> {
    let unlimited = SpaceGuard {
        max_bytes: u64::MAX,
        reserve_bytes: 0,
    };
    receive_stream_capped(r, path, &unlimited).await
}

/// [`receive_stream`], cut (and the file deleted) once the image passes
/// `guard.max_bytes` or the file system's free space would fall below
/// `guard.reserve_bytes`.
pub async fn receive_stream_capped<R: AsyncRead + Unpin>(
    r: R,
    path: &Path,
    guard: &SpaceGuard,
) -> Result<ImageInfo, StoreError> {
    receive_stream_counted(r, path, guard, &AtomicU64::new(0)).await
}

/// [`receive_stream_capped`], keeping the bytes received so far in `received`.
async fn receive_stream_counted<R: AsyncRead + Unpin>(
    r: R,
    path: &Path,
    guard: &SpaceGuard,
    received: &AtomicU64,
) -> Result<ImageInfo, StoreError> {
    let result = receive_checked(r, path, guard, received).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

async fn receive_checked<R: AsyncRead + Unpin>(
    mut r: R,
    path: &Path,
    guard: &SpaceGuard,
    received: &AtomicU64,
) -> Result<ImageInfo, StoreError> {
    let mut file = tokio::fs::File::create(path).await.map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut head: Vec<u8> = Vec::with_capacity(8);
    let mut size: u64 = 0;
    loop {
        let n = r.read(&mut buf).await.map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        if head.len() < 8 {
            let take = (8 - head.len()).min(n);
            head.extend_from_slice(chunk.get(..take).unwrap_or_default());
            if head.len() == 8 {
                image::check_header(&head)?;
            }
        }
        let before = size;
        size += n as u64;
        if size > guard.max_bytes {
            return Err(StoreError::TooLarge(guard.max_bytes));
        }
        if guard.crosses_check(before, size) {
            let dir = path.parent().unwrap_or(path);
            let free = free_bytes(dir).map_err(io_err(dir))?;
            if free < guard.reserve_bytes.saturating_add(n as u64) {
                return Err(StoreError::DiskFull {
                    path: dir.to_path_buf(),
                    free,
                    reserve: guard.reserve_bytes,
                });
            }
        }
        hasher.update(chunk);
        received.store(size, Ordering::Relaxed);
        file.write_all(chunk).await.map_err(io_err(path))?;
    }
    image::check_header(&head)?;
    file.flush().await.map_err(io_err(path))?;
    file.sync_all().await.map_err(io_err(path))?;
    drop(file);
    let tail = read_tail(path, size).await?;
    image::check_trailer(&tail)?;
    Ok(ImageInfo {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

async fn read_tail(path: &Path, size: u64) -> Result<Vec<u8>, StoreError> {
    let mut f = tokio::fs::File::open(path).await.map_err(io_err(path))?;
    let start = size.saturating_sub(TAIL_WINDOW);
    f.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(io_err(path))?;
    let mut tail = Vec::with_capacity((size - start) as usize);
    f.read_to_end(&mut tail).await.map_err(io_err(path))?;
    Ok(tail)
}

fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_err(dir))
}

/// The vote of a pending snapshot directory, if it voted.
fn read_vote(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(VOTE_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// manifest written atomically, rename pending/<id> → committed/<id>, fsync both parents.
fn commit_on_disk(from: &Path, to: &Path, manifest: &Manifest) -> Result<(), StoreError> {
    if to.exists() {
        return Err(StoreError::AlreadyCommitted(manifest.snapshot_id.clone()));
    }
    let mpath = from.join("manifest.json");
    let bytes = serde_json::to_vec_pretty(manifest)?;
    crate::atomic_file::write_atomic(&mpath, &bytes).map_err(io_err(&mpath))?;
    std::fs::rename(from, to).map_err(io_err(to))?;
    if let Some(parent) = to.parent() {
        fsync_dir(parent)?;
    }
    if let Some(parent) = from.parent() {
        fsync_dir(parent)?;
    }
    Ok(())
}
