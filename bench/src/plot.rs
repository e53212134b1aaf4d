//! Peer comparison output: the markdown table and the SVG chart that
//! `scripts/bench-peers.sh` puts in the docs, made from `viola bench --json` reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::{BenchMode, BenchReport};

/// Why loading or drawing failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("expected CONTROLLER=FILE, got `{0}`")]
    BadSpec(String),
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("drawing {path}: {reason}")]
    Draw { path: String, reason: String },
}

/// One run of one controller.
#[derive(Debug, Clone)]
pub struct Entry {
    pub controller: String,
    pub report: BenchReport,
}

/// Reads `CONTROLLER=FILE` (FILE holds a `viola bench --json` report).
pub fn load(spec: &str) -> Result<Entry, PlotError> {
    let (controller, path) = spec
        .split_once('=')
        .ok_or_else(|| PlotError::BadSpec(spec.to_string()))?;
    let text = std::fs::read_to_string(path).map_err(|e| PlotError::Read {
        path: path.into(),
        reason: e.to_string(),
    })?;
    let report: BenchReport = serde_json::from_str(&text).map_err(|e| PlotError::Read {
        path: path.into(),
        reason: e.to_string(),
    })?;
    Ok(Entry {
        controller: controller.to_string(),
        report,
    })
}

/// One table row: a controller at one OpenFlow version.
#[derive(Debug, Default, Clone)]
struct Row {
    throughput: Option<f64>,
    latency_rate: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
    kib: Option<f64>,
    switches: usize,
}

fn rows(entries: &[Entry]) -> BTreeMap<(String, String), Row> {
    let mut m: BTreeMap<(String, String), Row> = BTreeMap::new();
    for e in entries {
        let r = &e.report;
        let row = m
            .entry((e.controller.clone(), r.of_version.to_string()))
            .or_default();
        match r.mode {
            BenchMode::Throughput => {
                row.throughput = Some(r.summary.avg);
                row.switches = r.switches;
            }
            BenchMode::Latency => {
                row.latency_rate = Some(r.summary.avg);
                if let Some(l) = &r.latency {
                    row.p50 = Some(l.p50_us);
                    row.p90 = Some(l.p90_us);
                    row.p99 = Some(l.p99_us);
                }
            }
            BenchMode::Connections => row.kib = r.connections.as_ref().map(|c| c.kib_per_switch),
        }
    }
    m
}

fn cell(v: Option<f64>, prec: usize) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.prec$}"))
}

/// The comparison as a markdown table.
pub fn markdown_table(entries: &[Entry]) -> String {
    let mut t = String::new();
    t.push_str("| controller | OpenFlow | throughput (responses/s) | latency mode (responses/s) | p50 (µs) | p90 (µs) | p99 (µs) | RSS per switch (KiB) |\n");
    t.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for ((c, v), r) in rows(entries) {
        let _ = writeln!(
            t,
            "| {c} | {v} | {} | {} | {} | {} | {} | {} |",
            cell(r.throughput, 0),
            cell(r.latency_rate, 0),
            cell(r.p50, 1),
            cell(r.p90, 1),
            cell(r.p99, 1),
            cell(r.kib, 1)
        );
    }
    t
}

fn draw_err(path: &Path, e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Two bar charts side by side: throughput, and p99 latency (log scale).
pub fn draw_svg(entries: &[Entry], path: &Path) -> Result<(), PlotError> {
    let rows = rows(entries);
    let labels: Vec<String> = rows.keys().map(|(c, v)| format!("{c} {v}")).collect();
    let thr: Vec<f64> = rows.values().map(|r| r.throughput.unwrap_or(0.0)).collect();
    let p99: Vec<f64> = rows.values().map(|r| r.p99.unwrap_or(0.0)).collect();
    let root = SVGBackend::new(path, (1100, 400)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_err(path, e))?;
    let (left, right) = root.split_horizontally(550);
    bars(
        &left,
        "Throughput (higher is better)",
        "responses/s",
        &labels,
        &thr,
        false,
        &BLUE,
    )
    .map_err(|e| draw_err(path, e))?;
    bars(
        &right,
        "Latency p99 (lower is better)",
        "µs",
        &labels,
        &p99,
        true,
        &RED,
    )
    .map_err(|e| draw_err(path, e))?;
    root.present().map_err(|e| draw_err(path, e))?;
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn bars(
    area: &Area<'_>,
    title: &str,
    unit: &str,
    labels: &[String],
    values: &[f64],
    log: bool,
    color: &RGBColor,
) -> Result<(), String> {
    let n = values.len().max(1) as f64;
    let max = values.iter().copied().fold(1.0f64, f64::max) * if log { 2.0 } else { 1.15 };
    let min = if log {
        values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(max, f64::min)
            / 2.0
    } else {
        0.0
    };
    let mut b = ChartBuilder::on(area);
    b.caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80);
    // Bars sit at x in [i + 0.15, i + 0.85]; the label of bar i is drawn at i + 0.5.
    let fmt_x = |x: &f64| {
        let i = x.floor();
        if (x - i - 0.5).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let bar = |i: usize, v: f64| {
        Rectangle::new(
            [(i as f64 + 0.15, min.max(0.1)), (i as f64 + 0.85, v)],
            color.mix(0.8).filled(),
        )
    };
    if log {
        let mut chart = b
            .build_cartesian_2d((0.0..n).step(0.5), (min.max(0.1)..max).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * values.len() + 1)
            .x_label_formatter(&fmt_x)
            .x_label_style(("sans-serif", 13))
            .y_desc(unit)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(i, v)| bar(i, *v)),
            )
            .map_err(|e| e.to_string())?;
    } else {
        let mut chart = b
            .build_cartesian_2d((0.0..n).step(0.5), 0.0..max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * values.len() + 1)
            .x_label_formatter(&fmt_x)
            .x_label_style(("sans-serif", 13))
            .y_desc(unit)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| bar(i, *v)))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
