//! # viola — the binary's library
//!
//! The `viola` command line ([`Cli`]: `viola::Cli::new().app::<MyApp>().run()` is a whole
//! controller binary with one's own apps) and the pieces of it that tests and other programs
//! reuse: [`demo`] (a controller with the caller's apps on a simulated or real network).
//! Each subcommand in [`cmd`] is a thin layer over the crates below: the codec
//! (`openflow`), the runtime (`viola-framework`), the apps, the orchestrator, and the
//! networks to run on (`viola-sim`, `viola-lab`, `viola-bench`).
#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod demo;

pub use cli::Cli;
pub use openflow;
/// The runtime and the app contract, for crates that depend on `viola` alone.
pub use viola_framework as framework;
