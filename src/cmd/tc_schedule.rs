//! `viola tc --service FILE schedule --every DUR [--keep N] [--metrics ADDR]`: snapshots on
//! a schedule, as a long-lived process. The schedule's status is written to
//! `STATE/schedule.json` after every change and, with `--metrics`, served over HTTP at
//! `/status` (JSON) and `/metrics` (Prometheus text).

use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use viola_orchestrator::atomic_file::write_atomic;
use viola_orchestrator::tc::schedule::{parse_every, Schedule, ScheduleStatus};
use viola_orchestrator::tc::{Journal, RealCluster, ServiceFile};

#[derive(clap::Args)]
pub struct Args {
    /// Interval between snapshots: `30s`, `10m`, `1h`, `1d` (default: `[schedule] every`).
    #[arg(long)]
    every: Option<String>,
    /// Snapshots kept after each one, on every server (default: `[schedule] keep`, else
    /// all).
    #[arg(long)]
    keep: Option<usize>,
    /// Serve `/metrics` and `/status` over HTTP here (no authentication: keep it on
    /// loopback or a management network).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Stop after this many snapshots (default: run until killed).
    #[arg(long, value_name = "N")]
    runs: Option<u64>,
}

/// The largest request head the metrics endpoint reads.
const MAX_REQUEST: usize = 8 * 1024;

pub async fn run(
    args: Args,
    c: &RealCluster,
    svc: &ServiceFile,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let from_file = svc.schedule.as_ref();
    let Some(every) = args
        .every
        .clone()
        .or_else(|| from_file.map(|s| s.every.clone()))
    else {
        bail!("no interval: give --every (like 10m) or [schedule] every in the service file");
    };
    let every = parse_every(&every).map_err(anyhow::Error::msg)?;
    let keep = args.keep.or_else(|| from_file.and_then(|s| s.keep));
    if keep == Some(0) {
        bail!("--keep 0 would delete every snapshot, the new one too: keep at least 1");
    }
    let sched = Schedule::new(svc, every, keep)?;
    if let Some(addr) = args.metrics {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} for metrics"))?;
        if !addr.ip().is_loopback() {
            tracing::warn!(%addr, "metrics and status served without authentication");
        }
        eprintln!(
            "viola tc schedule: metrics on http://{addr}/metrics, status on http://{addr}/status"
        );
        tokio::spawn(serve(listener, sched.clone()));
    }
    let status_file = Journal::of(svc)?.dir().join("schedule.json");
    if let Some(dir) = status_file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let on_update = |s: &ScheduleStatus| {
        match serde_json::to_vec_pretty(s) {
            Ok(bytes) => {
                if let Err(e) = write_atomic(&status_file, &bytes) {
                    tracing::warn!("writing {}: {e}", status_file.display());
                }
            }
            Err(e) => tracing::warn!("encoding the status: {e}"),
        }
        if s.running {
            return;
        }
        if json {
            if let Ok(line) = serde_json::to_string(s) {
                println!("{line}");
            }
        } else {
            print_line(s);
        }
    };
    sched.run(c, svc, args.runs, on_update).await?;
    Ok(ExitCode::SUCCESS)
}

fn print_line(s: &ScheduleStatus) {
    let last = s
        .last_success
        .as_ref()
        .map(|l| format!("last {} in {} ms", l.snapshot_id, l.duration_ms))
        .unwrap_or_else(|| "no success yet".into());
    let failure = s
        .last_failure
        .as_ref()
        .map(|f| format!("; last failure: {}", f.error))
        .unwrap_or_default();
    println!(
        "{} ok, {} failed, {} slots skipped; {last}{failure}",
        s.successes, s.failures, s.skipped_slots
    );
}

async fn serve(listener: TcpListener, sched: Arc<Schedule>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let sched = sched.clone();
                tokio::spawn(async move {
                    let answer =
                        tokio::time::timeout(Duration::from_secs(5), answer(stream, &sched));
                    if let Ok(Err(e)) = answer.await {
                        tracing::debug!("metrics request: {e}");
                    }
                });
            }
            Err(e) => {
                tracing::warn!("metrics listener: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One HTTP/1.1 request, one answer, connection closed.
async fn answer(mut stream: TcpStream, sched: &Schedule) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let line = String::from_utf8_lossy(&head);
    let target = line.split_whitespace().take(2).collect::<Vec<_>>();
    let (status, kind, body) = match target.as_slice() {
        ["GET", "/metrics"] => ("200 OK", "text/plain; version=0.0.4", sched.metrics.text()),
        ["GET", "/status"] => (
            "200 OK",
            "application/json",
            serde_json::to_string_pretty(&sched.status()).unwrap_or_default(),
        ),
        _ => (
            "404 Not Found",
            "text/plain",
            "GET /metrics or /status\n".into(),
        ),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}
