//! Progress of `viola tc snapshot` and `restore` on a terminal: one line per VM with its
//! step and the image bytes its snapshot server has received so far, and a line for the
//! phase. Drawn on stderr, and only when stderr is a terminal and the report is not
//! `--json`: redirected output stays the plain report.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::IsTerminal;
use std::time::Duration;
use viola_orchestrator::tc::{Cluster, Progress, RealCluster, ServiceFile};

pub struct Display {
    _multi: MultiProgress,
    phase: ProgressBar,
    vms: BTreeMap<String, ProgressBar>,
}

impl Display {
    /// A display for `svc`'s VMs, or `None` when nothing should be drawn.
    pub fn new(svc: &ServiceFile, json: bool) -> Option<Display> {
        if json || !std::io::stderr().is_terminal() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let phase_style = ProgressStyle::with_template("{spinner} {wide_msg}").ok()?;
        let vm_style = ProgressStyle::with_template("  {prefix:<12} {msg:<13} {bytes:>10}").ok()?;
        let phase = multi.add(ProgressBar::new_spinner().with_style(phase_style));
        phase.enable_steady_tick(Duration::from_millis(120));
        let vms = svc
            .vms
            .iter()
            .map(|v| {
                let bar = multi.add(
                    ProgressBar::new(0)
                        .with_style(vm_style.clone())
                        .with_prefix(v.name.clone())
                        .with_message("waiting"),
                );
                (v.name.clone(), bar)
            })
            .collect();
        Some(Display {
            _multi: multi,
            phase,
            vms,
        })
    }

    /// A report of the snapshot or restore.
    pub fn on(&self, p: Progress) {
        match p {
            Progress::Phase(phase) => self.phase.set_message(phase.to_string()),
            Progress::Vm { vm, step } => {
                if let Some(bar) = self.vms.get(&vm) {
                    bar.set_message(step);
                }
            }
        }
    }

    /// Every snapshot server's bytes received for `id` (and its restore copies
    /// `id.from-…`), polled until the caller drops this future.
    pub async fn poll_bytes(&self, c: &RealCluster, svc: &ServiceFile, id: &str) -> Infallible {
        let copies = format!("{id}.from-");
        loop {
            for s in &svc.snapshot_servers {
                let Ok(listing) = c.list(s).await else {
                    continue;
                };
                for (pending, images) in &listing.receiving {
                    if pending == id || pending.starts_with(&copies) {
                        for (vm, bytes) in images {
                            if let Some(bar) = self.vms.get(vm) {
                                bar.set_position(*bytes);
                            }
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Clears the display (the report follows on stdout).
    pub fn finish(&self) {
        for bar in self.vms.values() {
            bar.finish_and_clear();
        }
        self.phase.finish_and_clear();
    }
}

/// Runs `work` while `display` (if any) shows its progress and polls the bytes of `id`.
pub async fn with_display<T>(
    display: Option<&Display>,
    c: &RealCluster,
    svc: &ServiceFile,
    id: &str,
    work: impl std::future::Future<Output = T>,
) -> T {
    let Some(d) = display else {
        return work.await;
    };
    let out = tokio::select! {
        out = work => out,
        never = d.poll_bytes(c, svc, id) => match never {},
    };
    d.finish();
    out
}
