//! `viola bench`: the load generator (being written).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("viola bench is not available in this build yet")
}
