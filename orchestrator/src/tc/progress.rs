//! What a running snapshot or restore reports as it goes, for a progress display (the
//! image bytes themselves are polled from the snapshot servers' listings).

use super::snapshot::Phase;

/// One step of a snapshot or restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A phase of the whole transaction started.
    Phase(Phase),
    /// One VM reached a step: snapshot `snapshotting`, `paused` (the cut), `advanced`,
    /// `running`, `written`; restore `starting`, `loaded`, `running`.
    Vm { vm: String, step: &'static str },
}

/// Where progress goes; [`ignore`] drops it.
pub type OnProgress<'a> = &'a dyn Fn(Progress);

/// Drops every report.
pub fn ignore(_: Progress) {}

pub(crate) fn vm(on: OnProgress<'_>, vm: &str, step: &'static str) {
    on(Progress::Vm {
        vm: vm.into(),
        step,
    });
}
