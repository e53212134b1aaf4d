//! End-to-end load: a controller running only l2-learning, loaded by `viola bench`'s
//! generator over loopback TCP (cbench workload, 16 switches, OpenFlow 1.0).
//!
//! `cargo bench -p viola-l2-learning --bench controller_load` runs both in one process and
//! prints the throughput. For profiling, run the two halves as separate processes:
//!
//! ```text
//! L2_SERVE=127.0.0.1:16653 target/release/deps/controller_load-…      # controller only
//! L2_LOAD=127.0.0.1:16653 target/release/deps/controller_load-…       # generator only
//! ```
//! (`L2_MODE=latency`, `L2_OF=1.3`, `L2_SWITCHES`, `L2_SECONDS` adjust the load.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use viola_bench as bench;
use viola_bench::{BenchConfig, BenchMode};
use viola_framework::{ControllerBuilder, ListenAddr};
use viola_l2_learning::L2Learning;

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn serve(addr: SocketAddr) -> viola_framework::RunningController {
    ControllerBuilder::new()
        .app(Arc::new(L2Learning::default()))
        .listen(ListenAddr::Tcp(addr))
        .start()
        .await
        .expect("the controller starts")
}

async fn load(addr: SocketAddr) {
    let cfg = BenchConfig {
        controller: addr,
        switches: env("L2_SWITCHES", 16),
        macs: env("L2_MACS", 1000),
        mode: env("L2_MODE", BenchMode::Throughput),
        version: env("L2_OF", openflow::Version::V1_0),
        duration: Duration::from_secs(1),
        loops: env("L2_SECONDS", 3),
        warmup: Duration::from_secs(1),
        ..BenchConfig::default()
    };
    match bench::run(&cfg, |t| {
        eprintln!(
            "{:5.1} s {:>12.0} responses/s",
            t.elapsed_s, t.responses_per_s
        )
    })
    .await
    {
        Ok(r) => print!("{}", r.render_text()),
        Err(e) => eprintln!("controller_load: {e}"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that is not ours means "not me".
    if std::env::args()
        .skip(1)
        .any(|a| a != "--bench" && !"controller_load".contains(a.as_str()))
    {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if let Ok(a) = std::env::var("L2_SERVE") {
            let addr: SocketAddr = a.parse().expect("L2_SERVE=HOST:PORT");
            let running = serve(addr).await;
            eprintln!("l2-learning controller on {addr}; SIGTERM or Ctrl-C stops");
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("signal");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            running.shutdown().await;
        } else if let Ok(a) = std::env::var("L2_LOAD") {
            load(a.parse().expect("L2_LOAD=HOST:PORT")).await;
        } else {
            let running = serve("127.0.0.1:0".parse().expect("addr")).await;
            let addr = running.local_addrs()[0];
            load(addr).await;
            running.shutdown().await;
        }
    });
}
