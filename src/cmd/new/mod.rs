//! `viola new app NAME`: a crate of one's own with an app, its tests (the harness and the
//! simulated network) and a `main.rs` that is the whole `viola` command line with the app
//! in it. The crate depends on this Viola checkout by path and copies its `Cargo.lock`, so
//! `cargo test --offline` works with what building Viola already fetched.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

/// The files of a new app crate, with `{{…}}` placeholders (see [`Names`]).
const TEMPLATE: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("template/Cargo.toml.in")),
    ("README.md", include_str!("template/README.md.in")),
    ("src/lib.rs", include_str!("template/lib.rs.in")),
    ("src/main.rs", include_str!("template/main.rs.in")),
    ("tests/harness.rs", include_str!("template/harness.rs.in")),
    (
        "tests/simulated.rs",
        include_str!("template/simulated.rs.in"),
    ),
    (".gitignore", "/target\n"),
];

#[derive(clap::Subcommand)]
pub enum Command {
    /// Scaffold an app crate: the app, a harness test, a simulated-network test, a main.rs
    /// with the whole command line, a README.
    App(AppArgs),
}

#[derive(clap::Args)]
pub struct AppArgs {
    /// The app's name (`--apps NAME`): lowercase letters, digits and dashes.
    name: String,
    /// Where to create the crate (default: ./NAME).
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
    /// The Viola checkout to depend on (default: the one this binary was built from).
    #[arg(long, value_name = "DIR")]
    viola_path: Option<PathBuf>,
}

pub fn run(c: Command) -> anyhow::Result<ExitCode> {
    match c {
        Command::App(a) => new_app(a),
    }
}

/// The spellings of the app's name the template uses.
struct Names {
    /// `pkt-counter`: the app's and the package's name.
    name: String,
    /// `pkt_counter`: the crate in `use` paths and metric names.
    snake: String,
    /// `PktCounter`: the app's type.
    camel: String,
}

impl Names {
    fn new(name: &str) -> anyhow::Result<Self> {
        let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('-')
            && !name.contains("--")
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        anyhow::ensure!(
            ok,
            "app name `{name}`: use lowercase letters, digits and single dashes, starting \
             with a letter (e.g. pkt-counter)"
        );
        let snake = name.replace('-', "_");
        let camel = name
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        Ok(Names {
            name: name.to_string(),
            snake,
            camel,
        })
    }

    fn fill(&self, text: &str, viola: &Path) -> String {
        text.replace("{{name}}", &self.name)
            .replace("{{snake}}", &self.snake)
            .replace("{{Camel}}", &self.camel)
            .replace("{{viola}}", &viola.display().to_string())
    }
}

/// The checkout this binary was built from, if it is still there.
fn default_viola_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn new_app(a: AppArgs) -> anyhow::Result<ExitCode> {
    let names = Names::new(&a.name)?;
    let viola = a.viola_path.unwrap_or_else(default_viola_path);
    let viola = viola
        .canonicalize()
        .with_context(|| format!("Viola checkout {}", viola.display()))?;
    anyhow::ensure!(
        viola.join("framework/Cargo.toml").is_file(),
        "{} is not a Viola checkout (no framework/Cargo.toml): pass --viola-path",
        viola.display()
    );
    let dir = a.path.unwrap_or_else(|| PathBuf::from(&a.name));
    if dir.exists() && dir.read_dir()?.next().is_some() {
        anyhow::bail!("{} exists and is not empty", dir.display());
    }
    for (rel, text) in TEMPLATE {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(&path, names.fill(text, &viola))
            .with_context(|| format!("write {}", path.display()))?;
    }
    // The checkout's lock: the same dependency versions, already in cargo's cache.
    let lock = viola.join("Cargo.lock");
    if lock.is_file() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).context("copy Cargo.lock")?;
    }
    println!(
        "created app `{}` in {}\n  cd {} && cargo test && cargo run -- demo --apps {}",
        names.name,
        dir.display(),
        dir.display(),
        names.name
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_spelled_three_ways() {
        let n = Names::new("pkt-counter2").unwrap();
        assert_eq!(
            (n.snake.as_str(), n.camel.as_str()),
            ("pkt_counter2", "PktCounter2")
        );
        for bad in ["", "Pkt", "2pkt", "pkt-", "pkt--x", "pkt_x", "pkt x"] {
            assert!(Names::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let n = Names::new("a-b").unwrap();
        for (rel, text) in TEMPLATE {
            let out = n.fill(text, Path::new("/v"));
            assert!(!out.contains("{{"), "{rel} keeps a placeholder");
        }
    }

    #[test]
    fn refuses_a_non_empty_directory_and_a_missing_checkout() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("x"), "").unwrap();
        let e = new_app(AppArgs {
            name: "a".into(),
            path: Some(tmp.path().to_path_buf()),
            viola_path: None,
        })
        .unwrap_err();
        assert!(e.to_string().ends_with("exists and is not empty"), "{e}");
        let e = new_app(AppArgs {
            name: "a".into(),
            path: Some(tmp.path().join("new")),
            viola_path: Some(tmp.path().to_path_buf()),
        })
        .unwrap_err();
        assert!(e.to_string().contains("is not a Viola checkout"), "{e}");
    }
}
