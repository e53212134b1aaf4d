//! `viola tc --service FILE (up | snapshot | restore --at SITE [--snapshot ID] | status |
//! down)`: the transaction controller (see the orchestrator chapter of the docs).

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use viola_orchestrator::tc::{self, RealCluster, ServiceFile, SnapshotOptions, SnapshotRecord};

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
    /// Restore a snapshot at a site: copy images, restore flow tables, start paused, resume.
    Restore {
        #[arg(long)]
        at: String,
        /// Snapshot id (default: the latest one this service file took).
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// VMs on every VM server, snapshots on every server, the controller's view.
    Status,
    /// Stop every VM of the service.
    Down,
}

fn cluster(svc: &ServiceFile, token: Option<String>) -> anyhow::Result<RealCluster> {
    let t = Duration::from_secs(svc.timeouts.controller_s.max(1) * 6);
    let credentials = svc.credentials()?;
    Ok(RealCluster::new(&svc.controller, t, credentials)
        .context("creating the HTTP client")?
        .with_controller_token(token))
}

fn state_dir(svc: &ServiceFile) -> PathBuf {
    svc.state_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(".viola-tc").join(&svc.name))
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let svc = ServiceFile::load(&args.service)?;
    let c = cluster(&svc, args.token.clone())?;
    match args.command {
        Command::Up => {
            let r = tc::ops::up(&c, &svc).await?;
            if args.json {
                print_json(&r)?;
            } else {
                println!("controller: {}", r.registration);
                for v in &r.vms {
                    println!(
                        "{}: {} (pid {:?}, {}) serial {}",
                        v.vm, v.status, v.pid, v.accel, v.serial_log
                    );
                }
            }
        }
        Command::Snapshot { id } => {
            let rec = tc::snapshot(&c, &svc, &SnapshotOptions { snapshot_id: id }).await?;
            let path = save_record(&state_dir(&svc), &rec)?;
            if args.json {
                print_json(&rec)?;
            } else {
                print_record(&rec, &path);
            }
        }
        Command::Restore { at, snapshot } => {
            let rec = find_record(&c, &svc, snapshot.as_deref()).await?;
            let r = tc::restore(&c, &svc, &rec, &at).await?;
            if args.json {
                print_json(&r)?;
            } else {
                println!("restored {} at site {}", r.snapshot_id, r.site);
                for (vm, server) in &r.placement {
                    println!(
                        "  {vm} on {server} (image {})",
                        r.images.get(vm).map(String::as_str).unwrap_or("?")
                    );
                }
                println!(
                    "  copy {} ms, flows {} ms, start paused {} ms, resume {} ms, total {} ms",
                    r.copy_ms, r.flows_ms, r.start_ms, r.resume_ms, r.total_ms
                );
            }
        }
        Command::Status => {
            let v = tc::ops::status(&c, &svc).await;
            print_json(&v)?;
        }
        Command::Down => {
            let errors = tc::ops::down(&c, &svc).await;
            for e in &errors {
                eprintln!("viola tc down: {e}");
            }
            if !errors.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
            if !args.json {
                println!("stopped the VMs of {}", svc.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn save_record(dir: &Path, rec: &SnapshotRecord) -> anyhow::Result<PathBuf> {
    let snaps = dir.join("snapshots");
    std::fs::create_dir_all(&snaps).with_context(|| format!("creating {}", snaps.display()))?;
    let path = snaps.join(format!("{}.json", rec.snapshot_id));
    std::fs::write(&path, serde_json::to_vec_pretty(rec)?)
        .with_context(|| format!("writing {}", path.display()))?;
    std::fs::write(dir.join("latest"), &rec.snapshot_id)?;
    Ok(path)
}

/// The local record, or the one attached to a snapshot server's manifest.
async fn find_record(
    c: &RealCluster,
    svc: &ServiceFile,
    id: Option<&str>,
) -> anyhow::Result<SnapshotRecord> {
    use viola_orchestrator::tc::Cluster;
    let dir = state_dir(svc);
    let id = match id {
        Some(id) => id.to_string(),
        None => std::fs::read_to_string(dir.join("latest"))
            .map(|s| s.trim().to_string())
            .context("no --snapshot given and no snapshot taken with this service file")?,
    };
    let local = dir.join("snapshots").join(format!("{id}.json"));
    if let Ok(bytes) = std::fs::read(&local) {
        return serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", local.display()));
    }
    for s in &svc.snapshot_servers {
        if let Ok(m) = c.manifest(s, &id).await {
            let mut rec: SnapshotRecord =
                serde_json::from_value(m.meta).context("snapshot record in the manifest")?;
            for (vm, info) in m.images {
                if let Some(v) = rec.vms.get_mut(&vm) {
                    v.sha256 = info.sha256;
                    v.size = info.size;
                }
            }
            return Ok(rec);
        }
    }
    bail!(
        "snapshot {id} not found in {} nor on any snapshot server",
        local.display()
    )
}

fn print_record(rec: &SnapshotRecord, path: &Path) {
    let t = &rec.timings;
    println!(
        "snapshot {} of {} (epoch {:?}, {:?})",
        rec.snapshot_id, rec.service, rec.epoch, rec.mode
    );
    println!(
        "  prepare {} ms | flows {} ms | epoch {} ms | snapshot {} ms (pause skew {} ms) | commit {} ms | total {} ms",
        t.prepare_ms, t.flows_ms, t.epoch_ms, t.snapshot_ms, t.pause_skew_ms, t.commit_ms, t.total_ms
    );
    for (vm, v) in &rec.vms {
        println!(
            "  {vm}: network paused {} ms{}, CPU stopped {} ms (QEMU downtime {:?} ms), advance after {} ms, migration {} ms, image {} bytes sha256 {}",
            v.paused_ms,
            if v.egress_held { " (egress held)" } else { "" },
            v.cpu_stopped_ms,
            v.downtime_ms,
            v.advance_ms,
            v.migration_ms,
            v.size,
            v.sha256
        );
    }
    println!("  record {}", path.display());
}
