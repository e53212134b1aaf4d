//! `viola bench`: the cbench-compatible load generator (see `viola_bench`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use openflow::Version;
use viola_bench as bench;
use viola_bench::{BenchConfig, BenchMode};

#[derive(clap::Args)]
pub struct Args {
    /// Controller to load: HOST:PORT (tcp: prefix allowed).
    #[arg(long, default_value = "127.0.0.1:6653", value_name = "ADDR")]
    controller: String,
    /// Emulated switches.
    #[arg(long, default_value_t = 16, value_name = "N")]
    switches: usize,
    /// Source MAC addresses per switch.
    #[arg(long, default_value_t = 100_000, value_name = "M")]
    macs: u32,
    /// throughput (keep buffers full), latency (one probe in flight per switch) or
    /// connections (connect, handshake, idle; report controller memory per switch).
    #[arg(long, default_value = "throughput", value_name = "MODE")]
    mode: BenchMode,
    /// OpenFlow version: 1.0 or 1.3.
    #[arg(long = "of", default_value = "1.0", value_name = "VERSION")]
    of: Version,
    /// Seconds per test loop.
    #[arg(long, default_value_t = 1.0, value_name = "S")]
    duration: f64,
    /// Test loops.
    #[arg(long, default_value_t = 10, value_name = "L")]
    loops: u32,
    /// Seconds of probing before the first loop (not counted).
    #[arg(long, default_value_t = 1.0, value_name = "S")]
    warmup: f64,
    /// Datapath id of the first switch.
    #[arg(long, default_value_t = 1, value_name = "DPID")]
    dpid_offset: u64,
    /// PID of the controller. Connections mode: whose memory per switch is measured (default:
    /// the process listening on the port). Other modes: its RSS is read after every loop.
    #[arg(long, value_name = "PID")]
    controller_pid: Option<u32>,
    /// Seconds allowed for all switches to connect and complete the handshake.
    #[arg(long, default_value_t = 60.0, value_name = "S")]
    setup_timeout: f64,
    /// Connections mode: seconds to idle (echo on) before reading the controller's memory.
    #[arg(long, default_value_t = 3.0, value_name = "S")]
    settle: f64,
    /// Print the report as JSON (no per-second lines).
    #[arg(long)]
    json: bool,
}

fn secs(name: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| anyhow::anyhow!("--{name} must be a non-negative number of seconds"))
}

fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    let a = addr.strip_prefix("tcp:").unwrap_or(addr);
    a.to_socket_addrs()
        .with_context(|| format!("bad --controller `{addr}`"))?
        .next()
        .with_context(|| format!("--controller `{addr}` resolves to nothing"))
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = BenchConfig {
        controller: resolve(&args.controller)?,
        switches: args.switches,
        macs: args.macs,
        mode: args.mode,
        version: args.of,
        duration: secs("duration", args.duration)?,
        loops: args.loops,
        warmup: secs("warmup", args.warmup)?,
        dpid_offset: args.dpid_offset,
        controller_pid: args.controller_pid,
        setup_timeout: secs("setup-timeout", args.setup_timeout)?,
        settle: secs("settle", args.settle)?,
    };
    if !args.json && cfg.mode == BenchMode::Connections {
        println!(
            "viola bench: connections mode, {} switches, OpenFlow {} against {}",
            cfg.switches, cfg.version, cfg.controller
        );
    } else if !args.json {
        println!(
            "viola bench: {} mode, {} switches, {} MACs per switch, OpenFlow {}, {} loops of {:.1} s against {}",
            cfg.mode, cfg.switches, cfg.macs, cfg.version, cfg.loops, cfg.duration.as_secs_f64(), cfg.controller
        );
    }
    let json = args.json;
    let switches = cfg.switches;
    let report = bench::run(&cfg, |t| {
        if !json {
            let phase = t
                .loop_no
                .map_or_else(|| "warm-up".to_string(), |l| format!("loop {l}"));
            println!(
                "{:7.2} s  {phase:>8}  {switches} switches: {:.0} responses/s",
                t.elapsed_s, t.responses_per_s
            );
        }
    })
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_text());
    }
    Ok(ExitCode::SUCCESS)
}
