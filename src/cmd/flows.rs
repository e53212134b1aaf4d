//! `viola flows save|restore|diff`: the flow-state document of a running controller
//! (docs/src/flow-state.md "The document"), through its REST API (`viola_flow_state::Client`).
//!
//! Exit codes: 0 success (restore: verified; diff: identical), 1 restore not verified or
//! diff different, 2 error (unreadable file, refused document, controller unreachable…).
//! A file is read and checked locally before the controller is contacted, so a corrupt or
//! foreign file is refused with a one-line reason and nothing is sent.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use viola_flow_state::{
    Client, DiffReport, DpidMap, FlowStateDoc, Mode, RestoreReport, DEFAULT_API,
};

#[derive(clap::Args, Debug, Clone)]
pub struct Api {
    /// Base URL of the controller's REST API (`viola run --api`).
    #[arg(long, default_value = DEFAULT_API, value_name = "URL")]
    api: String,
    /// Bearer token for an API protected by `[api] token` (default: $VIOLA_TOKEN).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "VIOLA_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Save every flow table of every connected switch as a flow-state document.
    Save {
        #[command(flatten)]
        api: Api,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Push a flow-state document back (replacing each switch's flows), then verify.
    Restore {
        /// The flow-state document (`-` for stdin).
        file: PathBuf,
        #[command(flatten)]
        api: Api,
        /// Restore the document's switch OLD onto switch NEW (repeatable).
        #[arg(long = "map", value_name = "OLD=NEW")]
        map: Vec<String>,
        /// Add to the flows the switches have instead of deleting them first.
        #[arg(long)]
        merge: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what differs between a flow-state document and the live tables.
    Diff {
        /// The flow-state document (`-` for stdin).
        file: PathBuf,
        #[command(flatten)]
        api: Api,
        /// Compare the document's switch OLD with switch NEW (repeatable).
        #[arg(long = "map", value_name = "OLD=NEW")]
        map: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(c: Command) -> anyhow::Result<ExitCode> {
    match execute(c).await {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("viola flows: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

async fn execute(c: Command) -> anyhow::Result<ExitCode> {
    match c {
        Command::Save { api, output } => {
            let doc = client(&api)?.save().await?;
            let text = doc.to_string_pretty();
            match output {
                Some(p) => {
                    write_atomically(&p, &text)?;
                    eprintln!(
                        "saved {} flows of {} switches to {}",
                        doc.flow_count(),
                        doc.switches.len(),
                        p.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            file,
            api,
            map,
            merge,
            json,
        } => {
            let doc = read_doc(&file)?;
            let map = DpidMap::parse(&map)?;
            let mode = if merge { Mode::Merge } else { Mode::Replace };
            let report = client(&api)?.restore(&doc, &map, mode).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", restore_text(&report));
            }
            Ok(if report.verified {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Diff {
            file,
            api,
            map,
            json,
        } => {
            let doc = read_doc(&file)?;
            let map = DpidMap::parse(&map)?;
            let report = client(&api)?.diff(&doc, &map).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", diff_text(&report));
            }
            Ok(if report.identical {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn client(api: &Api) -> anyhow::Result<Client> {
    Ok(Client::new(&api.api)?.with_token(api.token.clone()))
}

fn read_doc(path: &Path) -> anyhow::Result<FlowStateDoc> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    FlowStateDoc::parse(&text).with_context(|| format!("{} refused", path.display()))
}

/// Writes through a temporary file in the same directory, so an interrupted save never
/// leaves half a document under the final name.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "flow-state.json".into());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

fn restore_text(r: &RestoreReport) -> String {
    let mut out = String::new();
    for s in &r.switches {
        let from = if s.document_dpid == s.dpid {
            String::new()
        } else {
            format!(" (from {})", s.document_dpid)
        };
        let m = &s.mismatches;
        out.push_str(&format!(
            "{}{from}: OpenFlow {}, {} flows pushed in {} batches, {}\n",
            s.dpid,
            s.version,
            s.pushed,
            s.batches,
            if s.verified {
                "verified".to_string()
            } else {
                format!(
                    "NOT verified: {} missing, {} extra, {} changed",
                    m.missing.len(),
                    m.extra.len(),
                    m.changed.len()
                )
            }
        ));
        out.push_str(&flow_lines(m, "  "));
    }
    out.push_str(&format!(
        "{} mode: {} flows pushed to {} switches, {}\n",
        match r.mode {
            Mode::Replace => "replace",
            Mode::Merge => "merge",
        },
        r.pushed,
        r.switches.len(),
        if r.verified {
            "verified"
        } else {
            "NOT verified"
        }
    ));
    out
}

fn flow_lines(d: &viola_flow_state::FlowDiff, indent: &str) -> String {
    let mut out = String::new();
    for f in &d.missing {
        out.push_str(&format!("{indent}- {}\n", f.one_line()));
    }
    for f in &d.extra {
        out.push_str(&format!("{indent}+ {}\n", f.one_line()));
    }
    for c in &d.changed {
        out.push_str(&format!("{indent}~ {}\n", c.expected.one_line()));
        out.push_str(&format!("{indent}  now {}\n", c.actual.one_line()));
    }
    out
}

fn diff_text(r: &DiffReport) -> String {
    let mut out = String::new();
    for s in &r.switches {
        let from = if s.document_dpid == s.dpid {
            String::new()
        } else {
            format!(" (document {})", s.document_dpid)
        };
        let status = if !s.connected {
            "not connected".to_string()
        } else if s.identical {
            "identical".to_string()
        } else {
            format!(
                "{} missing, {} extra, {} changed",
                s.diff.missing.len(),
                s.diff.extra.len(),
                s.diff.changed.len()
            )
        };
        out.push_str(&format!("{}{from}: {status}\n", s.dpid));
        if s.connected {
            out.push_str(&flow_lines(&s.diff, "  "));
        }
    }
    out.push_str(if r.identical {
        "identical\n"
    } else {
        "different (- missing from the switch, + extra on the switch, ~ changed)\n"
    });
    out
}
