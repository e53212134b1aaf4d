//! Crash points of the two-phase commit, as [`Hooks`]: a transaction controller killed
//! after a server's vote or at a server's commit (the call never returns; the test then
//! drops the snapshot, as the process would die), or a snapshot server killed just before
//! it is asked to vote.

use super::hooked::Hooks;
use std::sync::Mutex;

/// Where to stop.
pub enum CrashPoint {
    /// The controller dies once `server` has voted (before the decision).
    AfterVote(String),
    /// The controller dies after the decision, as it asks `server` to commit.
    AtCommit(String),
    /// `server` is killed (the closure) just before it is asked to vote.
    KillBeforeVote(String, Box<dyn FnOnce() + Send>),
}

/// One crash point, taken the first time it is reached.
pub struct Crash(Mutex<Option<CrashPoint>>);

impl Crash {
    pub fn at(point: CrashPoint) -> Self {
        Crash(Mutex::new(Some(point)))
    }

    /// Takes the crash point if `pick` chooses it for this call.
    fn take(&self, pick: impl Fn(&CrashPoint) -> bool) -> Option<CrashPoint> {
        let mut p = self.0.lock().unwrap();
        if p.as_ref().is_some_and(pick) {
            p.take()
        } else {
            None
        }
    }
}

async fn die() {
    futures::future::pending::<()>().await;
}

impl Hooks for Crash {
    async fn before_vote(&self, server: &str) {
        if let Some(CrashPoint::KillBeforeVote(_, kill)) =
            self.take(|p| matches!(p, CrashPoint::KillBeforeVote(n, _) if n == server))
        {
            kill();
        }
    }
    async fn after_vote(&self, server: &str) {
        if self
            .take(|p| matches!(p, CrashPoint::AfterVote(n) if n == server))
            .is_some()
        {
            die().await;
        }
    }
    async fn before_commit(&self, server: &str) {
        if self
            .take(|p| matches!(p, CrashPoint::AtCommit(n) if n == server))
            .is_some()
        {
            die().await;
        }
    }
}
