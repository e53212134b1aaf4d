//! The `viola` command line: argument parsing and dispatch to the subcommands in
//! [`crate::cmd`]. Each subcommand is a thin layer over the crates; docs/src/cli.md (the
//! mdBook) is the contract.
//!
//! [`Cli`] is also how a controller of one's own is built: the whole command line, with the
//! built-in apps and the caller's declared apps available by name.
//!
//! ```no_run
//! # struct MyApp;
//! # impl viola_framework::App for MyApp {
//! #     fn name(&self) -> &'static str { "my-app" }
//! #     fn handle(&self, _: &viola_framework::Event<'_>, _: &mut viola_framework::Context<'_>)
//! #         -> viola_framework::Verdict { viola_framework::Verdict::Continue }
//! # }
//! # impl viola_framework::declare::Declare for MyApp {
//! #     const NAME: &'static str = "my-app";
//! #     type Config = viola_framework::declare::NoConfig;
//! #     fn build(_: Self::Config, _: &mut viola_framework::declare::Setup)
//! #         -> Result<Self, viola_framework::declare::AppError> { Ok(MyApp) }
//! # }
//! fn main() -> std::process::ExitCode {
//!     viola::Cli::new().app::<MyApp>().run()
//! }
//! ```

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use viola_framework::declare::{Catalog, Declare};

use crate::cmd;

#[derive(Parser)]
#[command(
    name = "viola",
    version,
    about = "Viola: a fast, typed OpenFlow controller framework"
)]
struct CommandLine {
    /// More log lines on stderr: -v for info, -vv for debug (RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the controller.
    Run(cmd::run::Args),
    /// Controller + a simulated (or --ovs: real) network; prints topology, ping matrix, flows.
    Demo(cmd::demo::Args),
    /// Real Open vSwitch labs in network namespaces (needs root).
    #[command(subcommand)]
    Lab(cmd::lab::Command),
    /// Save, restore or diff the flow tables of every connected switch.
    #[command(subcommand)]
    Flows(cmd::flows::Command),
    /// Switches, links and hosts the controller knows.
    Topo(cmd::topo::Args),
    /// cbench-compatible load generator.
    Bench(cmd::bench::Args),
    /// Receive, store, commit, copy and serve VM snapshot images.
    SnapshotServer(cmd::snapshot_server::Args),
    /// VM-server agent: runs and snapshots QEMU guests through QMP.
    VmAgent(cmd::vm_agent::Args),
    /// Transaction controller: boot, snapshot, restore a service of VMs.
    Tc(cmd::tc::Args),
    /// Certificates and the shared token for a deployment.
    #[command(subcommand)]
    Certs(cmd::certs::Command),
    /// Start something new: `viola new app NAME` scaffolds an app crate.
    #[command(subcommand)]
    New(cmd::new::Command),
}

impl Command {
    /// Daemons log what they do at info; commands that print a report keep stderr to
    /// warnings and errors, so their output reads as a report.
    fn default_log_level(&self) -> &'static str {
        match self {
            Command::Run(_) | Command::SnapshotServer(_) | Command::VmAgent(_) => "info",
            _ => "warn",
        }
    }
}

/// Logs to stderr: `RUST_LOG` if set, else the command's level raised by `-v`; colour only
/// when stderr is a terminal.
fn init_logging(verbose: u8, default_level: &str) {
    use std::io::IsTerminal;
    let level = match verbose {
        0 => default_level,
        1 if default_level == "warn" => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // A second initialisation (a test calling `run_from` twice) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// The `viola` command line with a set of apps: the built-in ones, plus any added with
/// [`Cli::app`].
pub struct Cli {
    catalog: Catalog,
}

impl Default for Cli {
    fn default() -> Self {
        Self::new()
    }
}

impl Cli {
    /// The command line with the built-in apps.
    pub fn new() -> Self {
        Cli {
            catalog: viola_apps::builtin(),
        }
    }

    /// Makes a declared app available by its name (`run --apps …`, `demo --apps …`). An
    /// app with a built-in app's name replaces it.
    pub fn app<T: Declare>(mut self) -> Self {
        self.catalog = self.catalog.with::<T>();
        self
    }

    /// The apps available by name.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Parses the process arguments, runs the subcommand and returns the exit status.
    pub fn run(self) -> std::process::ExitCode {
        self.run_from(std::env::args_os())
    }

    /// As [`Cli::run`], with the arguments given (the first is the program name).
    pub fn run_from<I, T>(self, args: I) -> std::process::ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        // A binary of one's own speaks under its own name (`my-ctl: …`, `Usage: my-ctl`).
        let prog = args
            .first()
            .and_then(|a| std::path::Path::new(a).file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "viola".into());
        // clap keeps the name for the process's lifetime; leaking it once is what it costs.
        let name: &'static str = Box::leak(prog.clone().into_boxed_str());
        let parsed = CommandLine::command()
            .name(name)
            .bin_name(name)
            .try_get_matches_from(args)
            .and_then(|m| CommandLine::from_arg_matches(&m));
        let cli = match parsed {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                return std::process::ExitCode::from(e.exit_code().clamp(0, 255) as u8);
            }
        };
        init_logging(cli.verbose, cli.command.default_log_level());
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("{prog}: cannot start the runtime: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let catalog = self.catalog;
        let result = rt.block_on(async move {
            match cli.command {
                Command::Run(a) => cmd::run::run(a, &catalog).await,
                Command::Demo(a) => cmd::demo::run(a, &catalog).await,
                Command::Lab(c) => cmd::lab::run(c).await,
                Command::Flows(c) => cmd::flows::run(c).await,
                Command::Topo(a) => cmd::topo::run(a).await,
                Command::Bench(a) => cmd::bench::run(a).await,
                Command::SnapshotServer(a) => cmd::snapshot_server::run(a).await,
                Command::VmAgent(a) => cmd::vm_agent::run(a).await,
                Command::Tc(a) => cmd::tc::run(a).await,
                Command::Certs(c) => cmd::certs::run(c),
                Command::New(c) => cmd::new::run(c),
            }
        });
        match result {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{prog}: {e:#}");
                std::process::ExitCode::FAILURE
            }
        }
    }
}

/// `viola` with the built-in apps: what the `viola` binary runs.
pub fn main() -> std::process::ExitCode {
    Cli::new().run()
}
