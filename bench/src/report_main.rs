//! `viola-bench-report`: turns `viola bench --json` reports of several controllers into
//! the markdown table and SVG chart of the benchmarks page.
//!
//! Usage: `viola-bench-report --md OUT.md --svg OUT.svg CONTROLLER=FILE…`
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use viola_bench::plot;

fn main() -> ExitCode {
    let mut md: Option<PathBuf> = None;
    let mut svg: Option<PathBuf> = None;
    let mut specs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--md" => md = args.next().map(PathBuf::from),
            "--svg" => svg = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("usage: viola-bench-report [--md OUT.md] [--svg OUT.svg] CONTROLLER=REPORT.json…");
                return ExitCode::SUCCESS;
            }
            _ => specs.push(a),
        }
    }
    let mut entries = Vec::new();
    for s in &specs {
        match plot::load(s) {
            Ok(e) => entries.push(e),
            Err(e) => {
                eprintln!("viola-bench-report: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let table = plot::markdown_table(&entries);
    match &md {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &table) {
                eprintln!("viola-bench-report: {}: {e}", p.display());
                return ExitCode::FAILURE;
            }
        }
        None => print!("{table}"),
    }
    if let Some(p) = &svg {
        if let Err(e) = plot::draw_svg(&entries, p) {
            eprintln!("viola-bench-report: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
