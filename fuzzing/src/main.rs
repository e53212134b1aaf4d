//! `viola-fuzz`: runs the fuzz targets of `viola-fuzzing` on stable Rust — seeded, for a
//! fixed time — and saves any input that breaks one as a regression test.
//!
//! ```text
//! viola-fuzz [--seconds N] [--seed S] [--max-len N] (TARGET | all)…
//! ```
//!
//! Targets: frames, hello, connection, json. The seed defaults to a fixed value so that a
//! run is repeatable; pass `--seed random` to explore. Exit 0 if nothing broke; 1 with the
//! input saved under `fuzzing/regressions/TARGET/` (replayed by `cargo test -p
//! viola-fuzzing`) otherwise; 2 on a usage error.
#![forbid(unsafe_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use viola_framework::layers::panic_message;
use viola_fuzzing::{corpus, mutate, Target, TARGETS};

const DEFAULT_SEED: u64 = 0x0076_696f_6c61;
/// Inputs kept to mutate further besides the seeds (some survivors).
const POOL: usize = 4096;

struct Options {
    seconds: f64,
    seed: u64,
    max_len: usize,
    targets: Vec<(&'static str, Target)>,
}

fn usage(why: &str) -> ExitCode {
    eprintln!("viola-fuzz: {why}");
    eprintln!("usage: viola-fuzz [--seconds N] [--seed S|random] [--max-len N] (TARGET | all)…");
    let names: Vec<&str> = TARGETS.iter().map(|t| t.0).collect();
    eprintln!("targets: {}", names.join(", "));
    ExitCode::from(2)
}

fn parse() -> Result<Options, String> {
    let mut o = Options {
        seconds: 60.0,
        seed: DEFAULT_SEED,
        max_len: 64 * 1024,
        targets: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => {
                o.seconds = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--seed" => {
                let v = value("--seed")?;
                o.seed = if v == "random" {
                    fastrand::u64(..)
                } else {
                    v.parse().map_err(|e| format!("--seed: {e}"))?
                };
            }
            "--max-len" => {
                o.max_len = value("--max-len")?
                    .parse()
                    .map_err(|e| format!("--max-len: {e}"))?
            }
            "all" => o.targets.extend(TARGETS.iter().copied()),
            name => match TARGETS.iter().find(|t| t.0 == name) {
                Some(t) => o.targets.push(*t),
                None => return Err(format!("unknown target or option {name:?}")),
            },
        }
    }
    if o.targets.is_empty() {
        return Err("name a target (or all)".into());
    }
    Ok(o)
}

fn save(name: &str, input: &[u8]) -> std::io::Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(name);
    std::fs::create_dir_all(&dir)?;
    // FNV-1a names the file after its content, so a crash found twice is saved once.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("crash-{hash:016x}.hex"));
    std::fs::write(&path, hex::encode(input) + "\n")?;
    Ok(path)
}

/// Runs one target for the time budget. `Err` carries the report of a crash.
fn run(name: &str, target: Target, o: &Options) -> Result<u64, String> {
    let mut rng = fastrand::Rng::with_seed(o.seed);
    let mut pool = corpus::seeds(name);
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    let seeds = pool.len();
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let mut n = 0u64;
    // The seeds themselves first, unmutated.
    let mut queue: Vec<Vec<u8>> = pool.clone();
    while Instant::now() < deadline {
        let input = match queue.pop() {
            Some(seed) => seed,
            None => {
                let mut x = pool[rng.usize(0..pool.len())].clone();
                let other = &pool[rng.usize(0..pool.len())];
                mutate::mutate(&mut rng, &mut x, other, o.max_len);
                x
            }
        };
        n += 1;
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| target(&input))) {
            let why = panic_message(p.as_ref());
            let saved = match save(name, &input) {
                Ok(path) => path.display().to_string(),
                Err(e) => format!("(not saved: {e}) {}", hex::encode(&input)),
            };
            return Err(format!(
                "viola-fuzz {name}: input {n} broke the target: {why}; saved to {saved}"
            ));
        }
        if rng.u8(0..16) == 0 {
            if pool.len() < seeds + POOL {
                pool.push(input);
            } else {
                let i = rng.usize(seeds..pool.len());
                pool[i] = input;
            }
        }
    }
    Ok(n)
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(why) => return usage(&why),
    };
    // Panics are the findings: report them once, in our words, not through the hook.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for (name, target) in &o.targets {
        let started = Instant::now();
        match run(name, *target, &o) {
            Ok(n) => {
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "viola-fuzz {name}: {n} inputs in {secs:.1} s ({:.0}/s), seed {}, nothing broke",
                    n as f64 / secs.max(1e-9),
                    o.seed
                );
            }
            Err(report) => {
                eprintln!("{report}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
