//! `viola tc --service FILE (up | snapshot | restore --at SITE [--snapshot ID] | status |
//! down | delete --snapshot ID | prune --keep N | schedule --every DUR [--keep N])`: the
//! transaction controller (see the orchestrator chapter of the docs).

use crate::cmd::tc_progress as progress;
use crate::cmd::tc_report as report;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use viola_orchestrator::tc::{self, catalog, Journal, RealCluster, ServiceFile, SnapshotOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The service file (TOML).
    #[arg(long)]
    service: PathBuf,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
    /// Bearer token of the controller's REST API, when `[api] token` protects it
    /// (default: $VIOLA_TOKEN).
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        env = "VIOLA_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Register the service with the controller and boot every VM.
    Up,
    /// Take a distributed snapshot; prints its id and per-phase timings.
    Snapshot {
        /// Snapshot id (default: SERVICE-UNIXMS).
        #[arg(long)]
        id: Option<String>,
    },
    /// Restore a snapshot at a site: copy images, restore flow tables, register the
    /// service there, start paused, resume.
    Restore {
        #[arg(long)]
        at: String,
        /// Snapshot id (default: the latest one this service file took).
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// VMs on every VM server, snapshots on every server, the controller's view; finishes
    /// any snapshot a crash interrupted.
    Status,
    /// Stop every VM of the service.
    Down,
    /// Delete a snapshot everywhere (its record, its parts, its restore copies).
    Delete {
        #[arg(long)]
        snapshot: String,
    },
    /// Keep the N newest snapshots; delete every older one everywhere.
    Prune {
        #[arg(long)]
        keep: usize,
    },
    /// Take snapshots on a schedule (a long-lived process), with retention.
    Schedule(crate::cmd::tc_schedule::Args),
}

fn cluster(svc: &ServiceFile, token: Option<String>) -> anyhow::Result<RealCluster> {
    let t = Duration::from_secs(svc.timeouts.controller_s.max(1) * 6);
    let credentials = svc.credentials()?;
    Ok(RealCluster::new(&svc.controller, t, credentials)
        .context("creating the HTTP client")?
        .with_controller_token(token))
}

pub(crate) fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Finishes what a crash interrupted; says so on stderr when it did something.
async fn recover(c: &RealCluster, svc: &ServiceFile, j: &Journal) -> tc::RecoveryReport {
    let r = tc::recover(c, svc, j).await;
    for x in &r.resolved {
        eprintln!(
            "viola tc: finished interrupted snapshot {} on {}: {}",
            x.snapshot_id, x.server, x.outcome
        );
    }
    for e in &r.errors {
        eprintln!("viola tc: could not finish an interrupted snapshot: {e}");
    }
    r
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let svc = ServiceFile::load(&args.service)?;
    let c = cluster(&svc, args.token.clone())?;
    let journal = Journal::of(&svc)?;
    match args.command {
        Command::Up => {
            let r = tc::ops::up(&c, &svc).await?;
            if args.json {
                print_json(&r)?;
            } else {
                report::up(&r);
            }
        }
        Command::Snapshot { id } => {
            recover(&c, &svc, &journal).await;
            let id = id.unwrap_or_else(|| tc::snapshot::new_snapshot_id(&svc.name));
            let display = progress::Display::new(&svc, args.json);
            let on = |p| {
                if let Some(d) = &display {
                    d.on(p);
                }
            };
            let opts = SnapshotOptions {
                snapshot_id: Some(id.clone()),
            };
            let work = tc::snapshot_with(&c, &svc, &opts, &on);
            let rec = progress::with_display(display.as_ref(), &c, &svc, &id, work).await?;
            if args.json {
                print_json(&rec)?;
            } else {
                let path = journal
                    .dir()
                    .join("snapshots")
                    .join(format!("{}.json", rec.snapshot_id));
                report::record(&rec, &path);
            }
        }
        Command::Restore { at, snapshot } => {
            recover(&c, &svc, &journal).await;
            let rec = catalog::find_record(&c, &svc, &journal, snapshot.as_deref()).await?;
            let display = progress::Display::new(&svc, args.json);
            let on = |p| {
                if let Some(d) = &display {
                    d.on(p);
                }
            };
            let work = tc::restore_with(&c, &svc, &rec, &at, &on);
            let r =
                progress::with_display(display.as_ref(), &c, &svc, &rec.snapshot_id, work).await?;
            if args.json {
                print_json(&r)?;
            } else {
                report::restore(&r);
            }
        }
        Command::Status => {
            let recovery = recover(&c, &svc, &journal).await;
            let v = tc::ops::status(&c, &svc).await;
            let snapshots = match catalog::catalog(&c, &svc, &journal).await {
                Ok(s) => serde_json::to_value(s)?,
                Err(e) => serde_json::json!({"error": e.to_string()}),
            };
            if args.json {
                let mut v = v;
                v["snapshots"] = snapshots;
                v["recovery"] = serde_json::to_value(&recovery)?;
                print_json(&v)?;
            } else {
                report::status(&v, &snapshots);
            }
        }
        Command::Down => {
            let r = tc::ops::down(&c, &svc).await;
            if args.json {
                print_json(&r)?;
            } else {
                for (vm, server) in &r.stopped {
                    println!("stopped {vm} on {server}");
                }
            }
            for u in &r.unreachable {
                eprintln!("viola tc down: did not answer, its VMs were not stopped: {u}");
            }
            for e in &r.errors {
                eprintln!("viola tc down: not stopped: {e}");
            }
            if !r.errors.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Delete { snapshot } => {
            let _lock = journal.lock()?;
            let r = catalog::delete(&c, &svc, &journal, &snapshot).await?;
            warn_unreachable(&r);
            if args.json {
                print_json(&r)?;
            } else if r.deleted.is_empty() {
                println!("snapshot {snapshot}: nothing left on any server (record removed)");
            } else {
                for (server, id) in &r.deleted {
                    println!("deleted {id} on {server}");
                }
            }
        }
        Command::Prune { keep } => {
            recover(&c, &svc, &journal).await;
            let _lock = journal.lock()?;
            let r = catalog::prune(&c, &svc, &journal, keep).await?;
            r.deleted.iter().for_each(warn_unreachable);
            if args.json {
                print_json(&r)?;
            } else {
                println!("kept {}: {}", r.kept.len(), r.kept.join(", "));
                for d in &r.deleted {
                    println!(
                        "deleted {} ({} parts and copies)",
                        d.snapshot_id,
                        d.deleted.len()
                    );
                }
            }
        }
        Command::Schedule(a) => {
            return crate::cmd::tc_schedule::run(a, &c, &svc, args.json).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn warn_unreachable(r: &catalog::DeleteReport) {
    for s in &r.unreachable {
        eprintln!(
            "viola tc: {s} did not answer: its part of {} is left (a later prune removes it)",
            r.snapshot_id
        );
    }
}
