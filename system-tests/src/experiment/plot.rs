//! The figure of the skew experiment: one panel per skew, bytes delivered to the receiver
//! against time since the sender's ADVANCE, buffered and dropped runs overlaid (every
//! repetition, one legend entry per policy with the range of its stalls); grey lines mark
//! the two ADVANCEs. Written as PNG and SVG.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::skew::{Policy, Report};
use super::ExperimentError;

fn perr(e: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Plot(e.to_string())
}

/// Writes `DIR/STEM.png` and `DIR/STEM.svg`; returns their paths.
pub fn write(report: &Report, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ExperimentError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ExperimentError::io(format!("create {}", dir.display()), e))?;
    let mut skews: Vec<f64> = Vec::new();
    for r in &report.runs {
        if !skews.iter().any(|s| (s - r.skew).abs() < 1e-9) {
            skews.push(r.skew);
        }
    }
    let size = (420 * skews.len().max(1) as u32, 360);
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        draw(&root, report, &skews)?;
        root.present().map_err(perr)?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        draw(&root, report, &skews)?;
        root.present().map_err(perr)?;
    }
    Ok(vec![png, svg])
}

fn color(p: Policy) -> RGBColor {
    match p {
        Policy::Buffer => RGBColor(0x1f, 0x77, 0xb4),
        Policy::Drop => RGBColor(0xd6, 0x27, 0x28),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    skews: &[f64],
) -> Result<(), ExperimentError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(perr)?;
    let panels = root.split_evenly((1, skews.len().max(1)));
    for (panel, &skew) in panels.iter().zip(skews) {
        let runs: Vec<_> = report
            .runs
            .iter()
            .filter(|r| (r.skew - skew).abs() < 1e-9)
            .collect();
        let x_min = runs
            .iter()
            .filter_map(|r| r.progress.first().map(|p| p.0))
            .fold(0.0f64, f64::min)
            .floor();
        let x_max = runs
            .iter()
            .filter_map(|r| r.progress.last().map(|p| p.0))
            .fold(skew + 1.0, f64::max)
            .ceil();
        let y_max = runs
            .iter()
            .map(|r| r.bytes as f64 / 1e6)
            .fold(1.0f64, f64::max)
            * 1.05;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("skew {skew} s"), ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(x_min..x_max, 0.0..y_max)
            .map_err(perr)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("seconds since the sender's ADVANCE")
            .y_desc("MB delivered to h2")
            .draw()
            .map_err(perr)?;
        let marks = [0.0, runs.first().map_or(skew, |r| r.receiver_advance)];
        for x in marks {
            chart
                .draw_series(LineSeries::new(
                    vec![(x, 0.0), (x, y_max)],
                    &RGBColor(0xa0, 0xa0, 0xa0),
                ))
                .map_err(perr)?;
        }
        for policy in [Policy::Buffer, Policy::Drop] {
            let mine: Vec<_> = runs.iter().filter(|r| r.policy == policy).collect();
            let stalls: Vec<f64> = mine.iter().map(|r| r.stall).collect();
            let Some((min, _, max)) = super::skew::min_median_max(&stalls) else {
                continue;
            };
            let c = color(policy);
            let label = if mine.len() == 1 {
                format!("{} (stall {min:.2} s)", policy.as_str())
            } else {
                format!(
                    "{} (stall {min:.2}–{max:.2} s, {} runs)",
                    policy.as_str(),
                    mine.len()
                )
            };
            for (i, r) in mine.iter().enumerate() {
                let pts: Vec<(f64, f64)> = r
                    .progress
                    .iter()
                    .map(|&(t, b)| (t, b as f64 / 1e6))
                    .collect();
                let series = chart
                    .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                    .map_err(perr)?;
                if i == 0 {
                    series.label(label.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                    });
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(perr)?;
    }
    Ok(())
}
