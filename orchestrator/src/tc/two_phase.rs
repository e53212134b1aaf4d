//! The commit of a snapshot across its snapshot servers, all or nothing:
//!
//! 1. every server checks its images and votes durably (a server that cannot, or does not
//!    answer, votes no);
//! 2. the transaction controller writes its decision: the snapshot record in its journal
//!    ([`Journal::decide_commit`]) is the commit point;
//! 3. every server commits.
//!
//! Before step 2 the outcome is abort (presumed abort: no record, no commit); after it,
//! commit. A crash anywhere leaves an open transaction in the journal that
//! [`super::recover`] finishes one way or the other.

use super::cluster::Cluster;
use super::journal::Journal;
use super::progress::{OnProgress, Progress};
use super::record::SnapshotRecord;
use super::service::SnapshotServerEntry;
use super::snapshot::{Phase, TcError};
use crate::snapshot_server::Manifest;
use std::time::Instant;

/// Votes, decides, commits. On a failure before the decision, aborts on every server.
pub async fn commit<C: Cluster>(
    c: &C,
    journal: &Journal,
    servers: &[&SnapshotServerEntry],
    mut record: SnapshotRecord,
    t0: Instant,
    on: OnProgress<'_>,
) -> Result<SnapshotRecord, TcError> {
    let id = record.snapshot_id.clone();
    let t_commit = Instant::now();
    let meta = serde_json::to_value(&record).unwrap_or_default();
    on(Progress::Phase(Phase::Vote));
    let votes =
        futures::future::join_all(servers.iter().map(|s| c.vote(s, &id, meta.clone()))).await;
    let mut failure = None;
    for (s, vote) in servers.iter().zip(votes) {
        match vote {
            Ok(m) => take_digests(&mut record, &s.name, &m),
            Err(cause) => {
                failure.get_or_insert(TcError::Failed {
                    phase: Phase::Vote,
                    target: s.name.clone(),
                    cause,
                });
            }
        }
    }
    if failure.is_none() {
        failure = record
            .vms
            .iter()
            .find(|(_, v)| v.sha256.is_empty())
            .map(|(vm, v)| TcError::Failed {
                phase: Phase::Vote,
                target: v.snapshot_server.clone(),
                cause: super::ClusterError(format!("image {vm} missing from the vote")),
            });
    }
    let decided = match failure {
        Some(e) => Err(e),
        None => journal.decide_commit(&record),
    };
    if let Err(e) = decided {
        tracing::warn!(snapshot = %id, "no commit decision, aborting: {e}");
        if abort_servers(c, servers, &id).await {
            journal.finish(&id)?;
        }
        return Err(e);
    }
    tracing::info!(snapshot = %id, "decision: commit");
    on(Progress::Phase(Phase::Commit));
    let commits = futures::future::join_all(servers.iter().map(|s| c.commit(s, &id))).await;
    let mut unconfirmed = Vec::new();
    let mut first_cause = None;
    for (s, r) in servers.iter().zip(commits) {
        if let Err(cause) = r {
            tracing::warn!(server = %s.name, snapshot = %id, "commit not confirmed: {cause}");
            unconfirmed.push(s.name.clone());
            first_cause.get_or_insert(cause);
        }
    }
    record.timings.commit_ms = t_commit.elapsed().as_millis() as u64;
    record.timings.total_ms = t0.elapsed().as_millis() as u64;
    journal.update(&record)?;
    if let Some(cause) = first_cause {
        return Err(TcError::Unfinished {
            id,
            servers: unconfirmed,
            cause,
        });
    }
    journal.finish(&id)?;
    tracing::info!(snapshot = %id, total_ms = record.timings.total_ms, "snapshot committed");
    Ok(record)
}

/// The digests and sizes `server` voted for, into the record.
fn take_digests(record: &mut SnapshotRecord, server: &str, vote: &Manifest) {
    for (vm, info) in &vote.images {
        if let Some(v) = record
            .vms
            .get_mut(vm)
            .filter(|v| v.snapshot_server == server)
        {
            v.sha256 = info.sha256.clone();
            v.size = info.size;
        }
    }
}

/// Aborts `id` on every server; whether all confirmed.
pub async fn abort_servers<C: Cluster>(c: &C, servers: &[&SnapshotServerEntry], id: &str) -> bool {
    let aborts = futures::future::join_all(servers.iter().map(|s| c.abort_server(s, id))).await;
    let mut all = true;
    for (s, r) in servers.iter().zip(aborts) {
        if let Err(e) = r {
            tracing::warn!(server = %s.name, snapshot = %id, "abort not confirmed: {e}");
            all = false;
        }
    }
    all
}
