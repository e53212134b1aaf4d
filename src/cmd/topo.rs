//! `viola topo [--api URL] [--format text|json|dot] [--json]`: switches, links and hosts a
//! running controller knows (`GET /api/v1/topology`), read with [`viola_client::RestClient`].

use std::process::ExitCode;
use std::time::Duration;

use viola_client::{RestClient, DEFAULT_API};
use viola_topology::TopologyDoc;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Dot,
}

#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the controller's REST API (`viola run --api`).
    #[arg(long, default_value = DEFAULT_API)]
    api: String,
    /// Bearer token for an API protected by `[api] token` (default: $VIOLA_TOKEN).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "VIOLA_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Same as `--format json`.
    #[arg(long)]
    json: bool,
}

/// The whole call (connect, request, answer) gives up after this.
const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = if args.json { Format::Json } else { args.format };
    let client = RestClient::new(&args.api)?
        .with_timeout(TIMEOUT)?
        .with_token(args.token);
    let doc: TopologyDoc = client.get("/topology").await?;
    match format {
        Format::Text => print!("{}", doc.to_text()),
        Format::Dot => print!("{}", doc.to_dot()),
        Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
    }
    Ok(ExitCode::SUCCESS)
}
