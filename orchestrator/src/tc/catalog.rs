//! The snapshots of a service wherever they are: the journal's records and the committed
//! parts (and restore copies) on every snapshot server; finding the record to restore,
//! deleting a snapshot everywhere, and pruning to the newest N.

use super::cluster::Cluster;
use super::journal::Journal;
use super::record::SnapshotRecord;
use super::service::ServiceFile;
use super::snapshot::{Phase, TcError};
use crate::snapshot_server::Manifest;
use serde::Serialize;
use std::collections::BTreeMap;

/// One snapshot of the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotEntry {
    pub snapshot_id: String,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
    /// The journal of this state directory decided it.
    pub recorded: bool,
    /// Snapshot server → whether its part is committed there.
    pub parts: BTreeMap<String, bool>,
    /// Every part is committed: restorable.
    pub complete: bool,
    /// Restore copies: `(server, id)`.
    pub copies: Vec<(String, String)>,
}

/// The id a copy (`ID.from-SERVER`) or a part was made from: the record's id.
fn origin_id(m: &Manifest) -> String {
    m.meta
        .get("snapshot_id")
        .and_then(|v| v.as_str())
        .unwrap_or(&m.snapshot_id)
        .to_string()
}

fn entry_of(rec: &SnapshotRecord, recorded: bool) -> SnapshotEntry {
    SnapshotEntry {
        snapshot_id: rec.snapshot_id.clone(),
        started_at: rec.started_at,
        recorded,
        parts: rec
            .vms
            .values()
            .map(|v| (v.snapshot_server.clone(), false))
            .collect(),
        complete: false,
        copies: Vec::new(),
    }
}

/// Every snapshot of `svc`, newest first. The parts on a server that does not answer (a
/// failed site) count as missing.
pub async fn catalog<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    journal: &Journal,
) -> Result<Vec<SnapshotEntry>, TcError> {
    let mut entries: BTreeMap<String, SnapshotEntry> = journal
        .records()?
        .iter()
        .map(|r| (r.snapshot_id.clone(), entry_of(r, true)))
        .collect();
    for s in &svc.snapshot_servers {
        let listing = match c.list(s).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(server = %s.name, "not listed: {e}");
                continue;
            }
        };
        for m in listing.committed {
            if m.meta.get("service").and_then(|v| v.as_str()) != Some(&svc.name) {
                continue;
            }
            let origin = origin_id(&m);
            if !entries.contains_key(&origin) {
                let Ok(rec) = serde_json::from_value::<SnapshotRecord>(m.meta.clone()) else {
                    continue;
                };
                entries.insert(origin.clone(), entry_of(&rec, false));
            }
            let Some(e) = entries.get_mut(&origin) else {
                continue;
            };
            if m.snapshot_id == origin {
                e.parts.insert(s.name.clone(), true);
            } else {
                e.copies.push((s.name.clone(), m.snapshot_id.clone()));
            }
        }
    }
    let mut out: Vec<SnapshotEntry> = entries
        .into_values()
        .map(|mut e| {
            e.complete = !e.parts.is_empty() && e.parts.values().all(|p| *p);
            e
        })
        .collect();
    out.sort_by(|a, b| (b.started_at, &b.snapshot_id).cmp(&(a.started_at, &a.snapshot_id)));
    Ok(out)
}

/// The record of snapshot `id` (default: the journal's latest): the journal's, or else the
/// one attached to the servers' committed parts, with every part's digests.
pub async fn find_record<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    journal: &Journal,
    id: Option<&str>,
) -> Result<SnapshotRecord, TcError> {
    let id = match id {
        Some(id) => id.to_string(),
        None => journal.latest().ok_or_else(|| {
            TcError::Config(
                "no --snapshot given and no snapshot taken with this service file".into(),
            )
        })?,
    };
    if let Some(rec) = journal.record(&id)? {
        return Ok(rec);
    }
    let mut record: Option<SnapshotRecord> = None;
    let mut parts: Vec<Manifest> = Vec::new();
    for s in &svc.snapshot_servers {
        if let Ok(m) = c.manifest(s, &id).await {
            if record.is_none() {
                record = serde_json::from_value(m.meta.clone()).ok();
            }
            parts.push(m);
        }
    }
    let mut rec = record.ok_or_else(|| {
        TcError::Config(format!(
            "snapshot {id} is neither in {} nor committed on any snapshot server",
            journal.dir().display()
        ))
    })?;
    for m in &parts {
        for (vm, info) in &m.images {
            if let Some(v) = rec.vms.get_mut(vm) {
                v.sha256 = info.sha256.clone();
                v.size = info.size;
            }
        }
    }
    Ok(rec)
}

/// What `delete` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeleteReport {
    pub snapshot_id: String,
    /// `(server, id)` deleted: the parts and the restore copies.
    pub deleted: Vec<(String, String)>,
    /// Servers that did not answer: what they hold of it is left (a later `prune` finds
    /// it by its service).
    pub unreachable: Vec<String>,
}

/// Deletes snapshot `id` everywhere: the journal's record first (so it stops being
/// restorable at once), then its parts and restore copies on every server.
pub async fn delete<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    journal: &Journal,
    id: &str,
) -> Result<DeleteReport, TcError> {
    journal.remove(id)?;
    let mut report = DeleteReport {
        snapshot_id: id.into(),
        ..DeleteReport::default()
    };
    let copy_prefix = format!("{id}.from-");
    for s in &svc.snapshot_servers {
        let fail = |cause| TcError::Failed {
            phase: Phase::Delete,
            target: s.name.clone(),
            cause,
        };
        let listing = match c.list(s).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(server = %s.name, "snapshot {id} not deleted there: {e}");
                report.unreachable.push(s.name.clone());
                continue;
            }
        };
        for m in listing.committed {
            let ours = m.snapshot_id == id || m.snapshot_id.starts_with(&copy_prefix);
            if ours && c.delete(s, &m.snapshot_id).await.map_err(fail)? {
                report.deleted.push((s.name.clone(), m.snapshot_id));
            }
        }
    }
    Ok(report)
}

/// What `prune` kept and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub kept: Vec<String>,
    pub deleted: Vec<DeleteReport>,
}

/// Keeps the `keep` newest snapshots of `svc` and deletes every older one everywhere.
pub async fn prune<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    journal: &Journal,
    keep: usize,
) -> Result<PruneReport, TcError> {
    let all = catalog(c, svc, journal).await?;
    let mut report = PruneReport::default();
    for (i, e) in all.into_iter().enumerate() {
        if i < keep {
            report.kept.push(e.snapshot_id);
        } else {
            report
                .deleted
                .push(delete(c, svc, journal, &e.snapshot_id).await?);
        }
    }
    Ok(report)
}
