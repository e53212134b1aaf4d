//! The workspace reads top-down: every crate depends only on crates of a lower layer
//! (dev-dependencies included), so there is no dependency cycle, and the default `viola`
//! binary links no plotting library. Read from `cargo metadata` and `cargo tree`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The layers, bottom first. A crate may depend on crates of any lower layer only.
const LAYERS: &[&[&str]] = &[
    &["openflow"],
    &["viola-topo-spec", "viola-client"],
    &["viola-sim", "viola-lab", "viola-bench"],
    &["viola-framework", "viola-orchestrator"],
    &["viola-topology"],
    &[
        "viola-l2-learning",
        "viola-snapshot",
        "viola-flow-state",
        "viola-ofctl-rest",
        "viola-example-hub",
        "viola-example-simple-monitor",
        "viola-example-rest-firewall",
        "viola-example-simple-switch",
    ],
    &["viola-apps"],
    &["viola"],
    &["viola-system-tests", "viola-fuzzing"],
];

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
    c
}

fn run(mut c: Command) -> String {
    let out = c.output().expect("run cargo");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Workspace package name → names of the workspace packages it depends on (any kind).
fn workspace_edges() -> BTreeMap<String, BTreeSet<String>> {
    let mut c = cargo();
    c.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ]);
    let meta: Value = serde_json::from_str(&run(c)).expect("cargo metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let names: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.contains(*d))
                // A crate's dev-dependency on itself only turns a feature on for its own
                // tests (viola-framework's `testing`): not an edge of the graph.
                .filter(|d| *d != name)
                .map(str::to_owned)
                .collect();
            (name.to_owned(), deps)
        })
        .collect()
}

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&name))
}

#[test]
fn every_crate_depends_only_on_lower_layers() {
    let edges = workspace_edges();
    let mut wrong = Vec::new();
    for (pkg, deps) in &edges {
        let Some(mine) = layer_of(pkg) else {
            wrong.push(format!(
                "{pkg} is in no layer: add it to LAYERS in {}",
                file!()
            ));
            continue;
        };
        for dep in deps {
            match layer_of(dep) {
                Some(theirs) if theirs < mine => {}
                _ => wrong.push(format!(
                    "{pkg} (layer {mine}) depends on {dep}, not below it"
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn no_dependency_cycle_dev_dependencies_included() {
    let edges = workspace_edges();
    // Depth-first search with colours; a grey node reached again closes a cycle.
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<String> {
        match state.get(n) {
            Some(true) => return None,
            Some(false) => {
                let from = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut cycle = path[from..].to_vec();
                cycle.push(n);
                return Some(cycle.join(" → "));
            }
            None => {}
        }
        state.insert(n, false);
        path.push(n);
        for d in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, true);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(n, &edges, &mut state, &mut path) {
            panic!("dependency cycle: {cycle}");
        }
    }
}

#[test]
fn the_viola_binary_links_no_plotting_crate() {
    let mut c = cargo();
    c.args([
        "tree",
        "--offline",
        "-p",
        "viola",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let tree = run(c);
    let plotting: BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| name.starts_with("plotters") || *name == "font-kit" || *name == "image")
        .collect();
    assert!(
        plotting.is_empty(),
        "the viola binary links plotting crates: {plotting:?}"
    );
    // The check can fail: the load generator's plots do pull plotters in.
    let mut c = cargo();
    c.args([
        "tree",
        "--offline",
        "-p",
        "viola-bench",
        "--features",
        "plot",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    assert!(
        run(c).lines().any(|l| l.starts_with("plotters ")),
        "viola-bench --features plot should link plotters (is the check still meaningful?)"
    );
}
