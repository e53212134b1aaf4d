//! # viola — the binary's library
//!
//! The `viola` command line ([`cli`]) and the pieces of it that tests and other programs
//! reuse: [`demo`] (a controller with the caller's apps on a simulated or real network).
//! Each subcommand in [`cmd`] is a thin layer over the crates below: the codec
//! (`openflow`), the runtime (`viola-framework`), the apps, the orchestrator, and the
//! networks to run on (`viola-sim`, `viola-lab`, `viola-bench`).
#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod demo;
