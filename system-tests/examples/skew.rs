//! The GENI-VIOLIN TCP-stall microbenchmark on real Open vSwitch (see
//! docs/src/experiments.md). As root:
//!
//! ```sh
//! cargo run --release -p viola-system-tests --example skew -- --skews 1,2,4 --repeat 5 --out docs/src/img
//! ```
//!
//! Options: `--skews S,S…` (seconds, default 1,2,4), `--policies buffer,drop`, `--rate MBIT`
//! (iperf3 `-b`, default 50), `--unpaced` (no `--fq-rate`: iperf3 catches up at line rate
//! after a stall), `--of 1.0|1.3` (default 1.3), `--lead S` / `--tail S` (stream before the
//! sender's and after the receiver's ADVANCE, default 2 / 5), `--repeat N` (runs of each
//! skew and policy, default 1), `--diag DIR` (keep captures at h1, h2 and of the OpenFlow
//! channel and OVS/kernel counters of every run there), `--out DIR` (default `.`). Writes
//! `DIR/skew-stall.png`, `.svg`, `.md` (every run), `-summary.md` (min/median/max) and
//! `.json`.
//!
//! It re-runs itself in a network namespace of its own and starts private OVS daemons
//! there, so it leaves nothing behind and does not disturb an OVS running on the machine.

use std::path::PathBuf;
use std::process::ExitCode;

use viola_lab::{isolate, OfVersions};
use viola_system_tests::experiment::{netns, plot, skew};

type Error = Box<dyn std::error::Error>;

fn parse_args() -> Result<(skew::Options, PathBuf), Error> {
    let mut opts = skew::Options::default();
    let mut out = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--skews" => {
                opts.skews = val()?
                    .split(',')
                    .map(|s| s.trim().parse::<f64>())
                    .collect::<Result<_, _>>()?
            }
            "--policies" => {
                opts.policies = val()?
                    .split(',')
                    .map(|s| skew::Policy::parse(s).ok_or_else(|| format!("bad policy `{s}`")))
                    .collect::<Result<_, _>>()?
            }
            "--rate" => opts.rate_mbit = val()?.parse()?,
            "--of" => opts.of = OfVersions::parse(&val()?)?,
            "--lead" => opts.lead = val()?.parse()?,
            "--tail" => opts.tail = val()?.parse()?,
            "--out" => out = PathBuf::from(val()?),
            "--repeat" => opts.repeat = val()?.parse()?,
            "--unpaced" => opts.paced = false,
            "--diag" => opts.diag = Some(std::path::absolute(PathBuf::from(val()?))?),
            "-h" | "--help" => {
                println!("usage: skew [--skews 1,2,4] [--policies buffer,drop] [--rate MBIT] [--of 1.0|1.3] [--lead S] [--tail S] [--repeat N] [--unpaced] [--diag DIR] [--out DIR]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (try --help)").into()),
        }
    }
    Ok((opts, out))
}

fn main() -> Result<ExitCode, Error> {
    let (mut opts, out) = parse_args()?;
    // Resolve the output directory before moving into the namespace (same filesystem).
    let out = std::path::absolute(&out)?;
    // Lab tests and this program create host namespaces with global names: take turns.
    let _lock = if std::env::var_os(netns::IN_EXPERIMENT_NETNS).is_none() {
        let f = std::fs::File::create(isolate::LOCK_FILE)?;
        f.lock()?;
        Some(f)
    } else {
        None
    };
    if let Some(status) = netns::reexec_isolated("skew")? {
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    opts.run_dir = PathBuf::from(format!("/run/viola-skew-{}", std::process::id()));
    let report = skew::run(&opts);
    let _ = std::fs::remove_dir_all(&opts.run_dir);
    let report = report?;
    let table = report.markdown_table();
    print!("{table}");
    let mut files = plot::write(&report, &out, "skew-stall")?;
    let md = out.join("skew-stall.md");
    std::fs::write(&md, &table)?;
    let json = out.join("skew-stall.json");
    // Compact: with --repeat the progress series make a pretty-printed file megabytes long.
    std::fs::write(&json, serde_json::to_string(&report)?)?;
    files.extend([md, json]);
    for f in files {
        println!("wrote {}", f.display());
    }
    let summary = report.summary_table();
    print!("{summary}");
    std::fs::write(out.join("skew-stall-summary.md"), &summary)?;
    for s in report.skews() {
        let b = skew::min_median_max(&report.stalls(s, skew::Policy::Buffer));
        let d = skew::min_median_max(&report.stalls(s, skew::Policy::Drop));
        if let (Some(b), Some(d)) = (b, d) {
            println!(
                "skew {s} s: buffer stalls {:.2}/{:.2}/{:.2} s, drop {:.2}/{:.2}/{:.2} s (min/median/max; {})",
                b.0,
                b.1,
                b.2,
                d.0,
                d.1,
                d.2,
                if b.2 < d.0 {
                    "buffer stalls less in every run"
                } else {
                    "buffer does NOT always stall less"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
