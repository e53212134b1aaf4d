//! # viola-apps — the built-in apps, declared
//!
//! The apps `viola` knows by name, as a [`Catalog`] of declared apps: `viola run --apps
//! topology,l2-learning` and `viola demo --apps …` build their pipelines from it, and a
//! user's binary (`viola::Cli::new().app::<MyApp>()`) adds its own apps to it. Each app
//! declares itself (name, typed `[apps.NAME]` table, REST routes, metrics, the apps it
//! needs) with [`viola_framework::declare::Declare`]; nothing here is specific to one app.
//!
//! ```
//! use viola_framework::declare::Setup;
//! let empty = |_: &str| toml::Value::Table(Default::default());
//! let apps = viola_apps::builtin()
//!     .build(&["topology".into(), "l2-learning".into()], &empty, &mut Setup::standalone())
//!     .unwrap();
//! assert_eq!(apps.names(), vec!["topology", "l2-learning"]);
//! let err = viola_apps::builtin()
//!     .build(&["nope".into()], &empty, &mut Setup::standalone())
//!     .err()
//!     .unwrap();
//! assert!(err.to_string().starts_with("unknown app `nope` (available: topology, "));
//! ```
#![forbid(unsafe_code)]

pub use viola_framework::declare::{Apps, BuildError, Catalog};

// ANCHOR: builtin
/// The built-in apps, in the order a typical pipeline uses them.
pub fn builtin() -> Catalog {
    Catalog::new()
        .with::<viola_topology::TopologyApp>()
        .with::<viola_snapshot::SnapshotApp>()
        .with::<viola_flow_state::FlowStateApp>()
        .with::<viola_ofctl_rest::OfctlRest>()
        .with::<viola_l2_learning::L2Learning>()
        .with::<viola_example_hub::Hub>()
        .with::<viola_example_simple_switch::SimpleSwitch>()
        .with::<viola_example_simple_monitor::SimpleMonitor>()
        .with::<viola_example_rest_firewall::RestFirewall>()
}
// ANCHOR_END: builtin

#[cfg(test)]
mod tests {
    use super::*;
    use viola_framework::declare::Setup;

    fn table(s: &'static str) -> impl Fn(&str) -> toml::Value {
        move |_| toml::from_str(s).unwrap()
    }

    #[test]
    fn every_builtin_builds_with_defaults_and_refuses_a_typo_by_name() {
        let c = builtin();
        for name in c.names() {
            c.build(&[name.to_string()], &table(""), &mut Setup::standalone())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let e = c
                .build(
                    &[name.to_string()],
                    &table("nonsense_key = 1"),
                    &mut Setup::standalone(),
                )
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.starts_with(&format!("[apps.{name}]: unknown field `nonsense_key`")),
                "{e}"
            );
        }
    }

    #[test]
    fn the_apps_metrics_are_listed_in_their_controllers_registry_from_the_start() {
        let mut setup = Setup::standalone();
        let names: Vec<String> = builtin().names().iter().map(|s| s.to_string()).collect();
        builtin().build(&names, &table(""), &mut setup).unwrap();
        let text = setup.app_metrics().encode_text();
        for name in [
            "links",
            "hosts",
            "snapshot_buffered_packets",
            "snapshot_buffered_bytes",
            "snapshot_type3_total",
            "snapshot_phase_seconds",
            "l2_learned_macs",
            "l2_floods_total",
            "monitor_polls_total",
        ] {
            assert!(
                text.contains(&format!("# TYPE viola_{name} ")),
                "{name}:\n{text}"
            );
        }
        // Two controllers in one process do not share them.
        let other = Setup::standalone();
        assert!(other.app_metrics().encode_text().is_empty());
    }

    #[test]
    fn a_bad_value_names_the_app_and_the_key() {
        let e = builtin()
            .build(
                &["l2-learning".into()],
                &table("idle_timeout = -1"),
                &mut Setup::standalone(),
            )
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("[apps.l2-learning]: idle_timeout: invalid value"),
            "{e}"
        );
    }
}
