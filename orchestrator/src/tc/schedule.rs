//! Scheduled snapshots (`viola tc schedule --every 10m --keep 6`, or `[schedule]` in the
//! service file): one snapshot per slot, never two at a time — a slot that passes while a
//! snapshot still runs is skipped and counted — then retention (`prune`) on every server.
//! The state of the schedule is kept as JSON ([`ScheduleStatus`]) and as Prometheus
//! metrics ([`ScheduleMetrics`]).

use super::catalog::{prune, PruneReport};
use super::cluster::Cluster;
use super::journal::Journal;
use super::record::SnapshotRecord;
use super::recover::recover;
use super::service::ServiceFile;
use super::snapshot::{snapshot, SnapshotOptions, TcError};
use prometheus::{Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, Opts, Registry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `[schedule]` of the service file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    /// Interval such as `30s`, `10m`, `1h` (see [`parse_every`]).
    pub every: String,
    /// Snapshots kept after each one (none: keep all).
    #[serde(default)]
    pub keep: Option<usize>,
}

/// Parses an interval: a whole number followed by `s`, `m`, `h` or `d` (`90s`, `10m`).
pub fn parse_every(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("bad interval {s:?}: a number and s, m, h or d, like 10m"))?;
    let unit_s = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "bad interval {s:?}: the unit is s, m, h or d, like 10m"
            ))
        }
    };
    if n == 0 {
        return Err(format!("bad interval {s:?}: must be more than 0"));
    }
    Ok(Duration::from_secs(n.saturating_mul(unit_s)))
}

/// One VM of the last successful snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VmFigures {
    /// The pause the network saw (ms).
    pub paused_ms: u64,
    pub bytes: u64,
}

/// The last successful snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastSuccess {
    pub snapshot_id: String,
    /// Seconds since the Unix epoch, when it committed.
    pub at: u64,
    pub duration_ms: u64,
    pub vms: BTreeMap<String, VmFigures>,
}

/// The last failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastFailure {
    pub at: u64,
    pub error: String,
}

/// The schedule's state, as `viola tc schedule` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ScheduleStatus {
    pub service: String,
    pub every_s: u64,
    pub keep: Option<usize>,
    /// A snapshot is running now.
    pub running: bool,
    pub successes: u64,
    pub failures: u64,
    /// Slots that passed while a snapshot was still running.
    pub skipped_slots: u64,
    pub last_success: Option<LastSuccess>,
    pub last_failure: Option<LastFailure>,
    pub last_prune: Option<PruneReport>,
    /// When the next snapshot starts (seconds since the Unix epoch).
    pub next_at: u64,
}

/// The schedule's Prometheus metrics, in a registry of their own.
pub struct ScheduleMetrics {
    registry: Registry,
    snapshots: IntCounterVec,
    skipped: IntCounter,
    last_success: Gauge,
    duration: Gauge,
    pause: GaugeVec,
    bytes: GaugeVec,
}

impl ScheduleMetrics {
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let labels: std::collections::HashMap<String, String> =
            [("service".to_string(), service.to_string())].into();
        let registry = Registry::new_custom(Some("viola".into()), Some(labels))?;
        let snapshots = IntCounterVec::new(
            Opts::new("tc_snapshots_total", "Scheduled snapshots by result"),
            &["result"],
        )?;
        let skipped = IntCounter::new(
            "tc_schedule_skipped_slots_total",
            "Slots skipped because the previous snapshot still ran",
        )?;
        let last_success = Gauge::new(
            "tc_last_success_timestamp_seconds",
            "When the last successful snapshot committed (Unix time)",
        )?;
        let duration = Gauge::new(
            "tc_last_snapshot_duration_seconds",
            "Duration of the last successful snapshot",
        )?;
        let pause = GaugeVec::new(
            Opts::new(
                "tc_last_vm_pause_seconds",
                "Pause the network saw per VM in the last successful snapshot",
            ),
            &["vm"],
        )?;
        let bytes = GaugeVec::new(
            Opts::new(
                "tc_last_vm_image_bytes",
                "Image size per VM in the last successful snapshot",
            ),
            &["vm"],
        )?;
        registry.register(Box::new(snapshots.clone()))?;
        registry.register(Box::new(skipped.clone()))?;
        registry.register(Box::new(last_success.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(pause.clone()))?;
        registry.register(Box::new(bytes.clone()))?;
        // Both results show from the start (0), so a rate() works before the first failure.
        snapshots.with_label_values(&["success"]);
        snapshots.with_label_values(&["failure"]);
        Ok(ScheduleMetrics {
            registry,
            snapshots,
            skipped,
            last_success,
            duration,
            pause,
            bytes,
        })
    }

    /// The Prometheus text exposition.
    pub fn text(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::warn!("encoding metrics: {e}");
        }
        String::from_utf8_lossy(&buf).into_owned()
    }

    fn success(&self, s: &LastSuccess) {
        self.snapshots.with_label_values(&["success"]).inc();
        self.last_success.set(s.at as f64);
        self.duration.set(s.duration_ms as f64 / 1e3);
        for (vm, f) in &s.vms {
            self.pause
                .with_label_values(&[vm])
                .set(f.paused_ms as f64 / 1e3);
            self.bytes.with_label_values(&[vm]).set(f.bytes as f64);
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn last_success(rec: &SnapshotRecord, took: Duration) -> LastSuccess {
    LastSuccess {
        snapshot_id: rec.snapshot_id.clone(),
        at: unix_now(),
        duration_ms: took.as_millis() as u64,
        vms: rec
            .vms
            .iter()
            .map(|(vm, v)| {
                (
                    vm.clone(),
                    VmFigures {
                        paused_ms: v.paused_ms,
                        bytes: v.size,
                    },
                )
            })
            .collect(),
    }
}

/// A running schedule's shared state: what the status and metrics endpoints read.
pub struct Schedule {
    pub every: Duration,
    pub keep: Option<usize>,
    pub status: Mutex<ScheduleStatus>,
    pub metrics: ScheduleMetrics,
}

impl Schedule {
    pub fn new(
        svc: &ServiceFile,
        every: Duration,
        keep: Option<usize>,
    ) -> Result<Arc<Self>, TcError> {
        let metrics = ScheduleMetrics::new(&svc.name)
            .map_err(|e| TcError::Config(format!("metrics: {e}")))?;
        Ok(Arc::new(Schedule {
            every,
            keep,
            status: Mutex::new(ScheduleStatus {
                service: svc.name.clone(),
                every_s: every.as_secs(),
                keep,
                ..ScheduleStatus::default()
            }),
            metrics,
        }))
    }

    pub fn status(&self) -> ScheduleStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut ScheduleStatus)) -> ScheduleStatus {
        let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        s.clone()
    }

    /// Runs the schedule: the first snapshot at once, then one per slot; stops after
    /// `runs` snapshots if given (else never). `on_update` gets the status after each.
    pub async fn run<C: Cluster>(
        &self,
        c: &C,
        svc: &ServiceFile,
        runs: Option<u64>,
        on_update: impl Fn(&ScheduleStatus),
    ) -> Result<(), TcError> {
        let journal = Journal::of(svc)?;
        let mut next = Instant::now();
        let mut done = 0u64;
        loop {
            tokio::time::sleep_until(next.into()).await;
            on_update(&self.update(|s| s.running = true));
            let r = recover(c, svc, &journal).await;
            if !r.resolved.is_empty() || !r.errors.is_empty() {
                tracing::info!(?r, "recovery before the scheduled snapshot");
            }
            let t = Instant::now();
            let result = snapshot(c, svc, &SnapshotOptions::default()).await;
            let took = t.elapsed();
            match result {
                Ok(rec) => {
                    let last = last_success(&rec, took);
                    self.metrics.success(&last);
                    tracing::info!(snapshot = %rec.snapshot_id, "scheduled snapshot committed");
                    self.update(|s| {
                        s.successes += 1;
                        s.last_success = Some(last);
                    });
                    if let Some(keep) = self.keep {
                        match prune(c, svc, &journal, keep).await {
                            Ok(p) => {
                                self.update(|s| s.last_prune = Some(p));
                            }
                            Err(e) => tracing::warn!("pruning to {keep}: {e}"),
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!("scheduled snapshot failed: {e}");
                    self.metrics.snapshots.with_label_values(&["failure"]).inc();
                    self.update(|s| {
                        s.failures += 1;
                        s.last_failure = Some(LastFailure {
                            at: unix_now(),
                            error: e.to_string(),
                        });
                    });
                }
            }
            done += 1;
            // The next slot is the first boundary still ahead; the ones passed are skipped.
            next += self.every;
            let mut skipped = 0u64;
            let now = Instant::now();
            while next <= now {
                next += self.every;
                skipped += 1;
            }
            if skipped > 0 {
                tracing::warn!(
                    "the snapshot took {took:?}, longer than the interval: {skipped} slot(s) skipped"
                );
                self.metrics.skipped.inc_by(skipped);
            }
            let ahead = next.saturating_duration_since(Instant::now());
            let status = self.update(|s| {
                s.running = false;
                s.skipped_slots += skipped;
                s.next_at = unix_now() + ahead.as_secs();
            });
            on_update(&status);
            if runs.is_some_and(|n| done >= n) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_and_bad_ones_say_why() {
        assert_eq!(parse_every("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_every("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_every("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_every("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "10", "m", "0s", "1.5m", "10 min", "-1s"] {
            let e = parse_every(bad).expect_err(bad);
            assert!(e.contains("bad interval"), "{e}");
        }
    }
}
