//! Finishing what a crash interrupted: every open transaction of the journal, and every
//! vote of this service a snapshot server still holds, is carried to its decision —
//! commit if the journal has the record, abort otherwise (presumed abort). Run by
//! `viola tc status` and before every `snapshot`, `restore` and `prune`.

use super::cluster::Cluster;
use super::journal::Journal;
use super::service::ServiceFile;
use super::snapshot::TcError;
use serde::Serialize;
use std::collections::BTreeSet;

/// What recovery did to one snapshot on one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub snapshot_id: String,
    pub server: String,
    /// `committed` or `aborted`.
    pub outcome: &'static str,
}

/// The outcome of one recovery pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    pub resolved: Vec<Resolved>,
    /// Servers that could not be reached or refused; their transactions stay open.
    pub errors: Vec<String>,
    /// Why nothing was tried (another `viola tc` holds the lock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// One recovery pass (see the module documentation).
pub async fn recover<C: Cluster>(c: &C, svc: &ServiceFile, journal: &Journal) -> RecoveryReport {
    let mut report = RecoveryReport::default();
    let _lock = match journal.lock() {
        Ok(l) => l,
        Err(TcError::Busy(why)) => {
            report.skipped = Some(why);
            return report;
        }
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    let open = match journal.open_transactions() {
        Ok(o) => o,
        Err(e) => {
            report.errors.push(e.to_string());
            Vec::new()
        }
    };
    for t in open {
        let mut all = true;
        for name in &t.servers {
            done.insert((name.clone(), t.snapshot_id.clone()));
            match resolve(c, svc, journal, name, &t.snapshot_id).await {
                Ok(r) => report.resolved.push(r),
                Err(e) => {
                    report.errors.push(e);
                    all = false;
                }
            }
        }
        if all {
            if let Err(e) = journal.finish(&t.snapshot_id) {
                report.errors.push(e.to_string());
            }
        }
    }
    for s in &svc.snapshot_servers {
        // A server that does not answer (a failed site) has nothing to resolve now; its
        // open transactions, if any, were reported above.
        let listing = match c.list(s).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(server = %s.name, "recovery cannot list: {e}");
                continue;
            }
        };
        for vote in listing.in_doubt {
            let ours = vote.meta.get("service").and_then(|v| v.as_str()) == Some(&svc.name);
            if !ours || done.contains(&(s.name.clone(), vote.snapshot_id.clone())) {
                continue;
            }
            match resolve(c, svc, journal, &s.name, &vote.snapshot_id).await {
                Ok(r) => report.resolved.push(r),
                Err(e) => report.errors.push(e),
            }
        }
    }
    for r in &report.resolved {
        tracing::info!(snapshot = %r.snapshot_id, server = %r.server, "recovery: {}", r.outcome);
    }
    report
}

/// Carries the journal's decision on `id` to server `name`.
async fn resolve<C: Cluster>(
    c: &C,
    svc: &ServiceFile,
    journal: &Journal,
    name: &str,
    id: &str,
) -> Result<Resolved, String> {
    let s = svc
        .snapshot_server(name)
        .ok_or_else(|| format!("{id}: snapshot server {name} is not in the service file"))?;
    let commit = journal.committed(id).map_err(|e| e.to_string())?;
    let outcome = if commit {
        c.commit(s, id).await.map(|_| "committed")
    } else {
        c.abort_server(s, id).await.map(|()| "aborted")
    }
    .map_err(|e| format!("{id} on {name}: {e}"))?;
    Ok(Resolved {
        snapshot_id: id.into(),
        server: name.into(),
        outcome,
    })
}
