//! Declared apps: an app says once what it is — its name, its typed config, the apps it
//! needs, its metrics and its REST routes — and a [`Catalog`] of such declarations builds
//! any pipeline by name. `viola run --apps …`, `viola demo --apps …` and a user's own binary
//! (`viola::Cli::new().app::<MyApp>()`) all build their pipelines this way; the built-in
//! apps are declared exactly like an app outside the tree.
//!
//! ```
//! use std::sync::Arc;
//! use viola_framework::declare::{AppError, Catalog, Declare, Setup};
//! use viola_framework::{App, Context, Event, Verdict};
//!
//! #[derive(Default, serde::Deserialize)]
//! #[serde(deny_unknown_fields, default)]
//! struct Config { verbose: bool }
//!
//! struct Quiet { verbose: bool }
//!
//! impl App for Quiet {
//!     fn name(&self) -> &'static str { Self::NAME }
//!     fn handle(&self, _: &Event<'_>, _: &mut Context<'_>) -> Verdict { Verdict::Continue }
//! }
//!
//! impl Declare for Quiet {
//!     const NAME: &'static str = "quiet";
//!     type Config = Config;
//!     fn build(config: Config, _setup: &mut Setup) -> Result<Self, AppError> {
//!         Ok(Quiet { verbose: config.verbose })
//!     }
//! }
//!
//! let catalog = Catalog::new().with::<Quiet>();
//! let table = |_: &str| toml::from_str::<toml::Value>("verbose = true").unwrap();
//! let apps = catalog.build(&["quiet".into()], &table, &mut Setup::standalone()).unwrap();
//! assert_eq!(apps.names(), vec!["quiet"]);
//!
//! let typo = |_: &str| toml::from_str::<toml::Value>("verbos = true").unwrap();
//! let err = catalog.build(&["quiet".into()], &typo, &mut Setup::standalone()).err().unwrap();
//! assert!(err.to_string().starts_with("[apps.quiet]: unknown field `verbos`"));
//! ```

use std::sync::Arc;

use axum::Router;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};
use serde::de::DeserializeOwned;

use crate::metrics::{AppMetrics, NAMESPACE};
use crate::{App, Controller};

/// What an app's `build` may fail with (shown after `[apps.NAME]: `).
pub type AppError = Box<dyn std::error::Error + Send + Sync>;

/// An app's declaration. Implement it beside [`App`]; `App::name` should return
/// [`Declare::NAME`] (the catalog refuses an app whose two names differ).
pub trait Declare: App + Sized {
    /// The name `--apps` and `[apps.NAME]` use.
    const NAME: &'static str;
    /// Apps that must come before this one in the pipeline (checked when the pipeline is
    /// built, with an error that says what to add).
    const REQUIRES: &'static [&'static str] = &[];
    /// The `[apps.NAME]` table. Derive `serde::Deserialize` with `deny_unknown_fields` so a
    /// mistyped key is refused by name; a missing table is `Config::default()`.
    type Config: DeserializeOwned + Default;

    /// Builds the app from its config. Register metrics on `setup` (they land in the
    /// controller's own registry, served at `/metrics`).
    fn build(config: Self::Config, setup: &mut Setup) -> Result<Self, AppError>;

    /// The app's REST routes (absolute paths, state supplied). The framework mounts them
    /// behind the API's auth, limits and Content-Type rule.
    fn routes(self: &Arc<Self>, _ctl: Controller) -> Option<Router> {
        None
    }
}

/// The `Config` of an app that takes no settings: any key in its table is refused.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoConfig {}

/// What an app gets while it is built: the controller's app metrics.
pub struct Setup {
    metrics: AppMetrics,
}

impl Setup {
    /// Registers in `metrics` (what a `ControllerBuilder` serves).
    pub fn new(metrics: AppMetrics) -> Self {
        Setup { metrics }
    }

    /// A setup with metrics of its own, for tests and tools that serve none.
    pub fn standalone() -> Self {
        Setup::new(AppMetrics::default())
    }

    /// The controller's registry, for metric types the helpers below do not cover.
    pub fn registry(&self) -> &Registry {
        self.metrics.registry()
    }

    /// Where the helpers register (with the families declared, so `/metrics` lists them
    /// before their first series).
    pub fn app_metrics(&self) -> &AppMetrics {
        &self.metrics
    }

    fn add<C: prometheus::core::Collector + Clone + 'static>(
        &mut self,
        c: C,
        kind: &'static str,
    ) -> Result<C, AppError> {
        self.metrics.register(Box::new(c.clone()), kind)?;
        Ok(c)
    }

    /// A counter `viola_NAME`.
    pub fn counter(&mut self, name: &str, help: &str) -> Result<IntCounter, AppError> {
        self.add(IntCounter::with_opts(opts(name, help))?, "counter")
    }

    /// A counter `viola_NAME` with labels.
    pub fn counter_vec(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<IntCounterVec, AppError> {
        self.add(IntCounterVec::new(opts(name, help), labels)?, "counter")
    }

    /// A gauge `viola_NAME`.
    pub fn gauge(&mut self, name: &str, help: &str) -> Result<IntGauge, AppError> {
        self.add(IntGauge::with_opts(opts(name, help))?, "gauge")
    }

    /// A gauge `viola_NAME` with labels.
    pub fn gauge_vec(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<IntGaugeVec, AppError> {
        self.add(IntGaugeVec::new(opts(name, help), labels)?, "gauge")
    }

    /// A histogram `viola_NAME` with labels and these bucket bounds (e.g.
    /// `prometheus::exponential_buckets(1e-4, 2.0, 21)`).
    pub fn histogram_vec(
        &mut self,
        name: &str,
        help: &str,
        buckets: Vec<f64>,
        labels: &[&str],
    ) -> Result<HistogramVec, AppError> {
        let o = HistogramOpts::new(name, help)
            .namespace(NAMESPACE)
            .buckets(buckets);
        self.add(HistogramVec::new(o, labels)?, "histogram")
    }
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace(NAMESPACE)
}

/// Builds an app's REST router once the controller runs.
pub type RoutesFn = Arc<dyn Fn(Controller) -> Option<Router> + Send + Sync>;

/// One built app and its routes.
#[derive(Clone)]
pub struct Built {
    pub app: Arc<dyn App>,
    pub routes: Option<RoutesFn>,
}

impl Built {
    /// A declared app with the routes it declares.
    pub fn declared<T: Declare>(app: Arc<T>) -> Self {
        let routes: RoutesFn = {
            let app = Arc::clone(&app);
            Arc::new(move |ctl| app.routes(ctl))
        };
        Built {
            app,
            routes: Some(routes),
        }
    }
}

/// A declaration without its type: what a [`Catalog`] holds.
#[derive(Clone, Copy)]
pub struct AppDecl {
    pub name: &'static str,
    pub requires: &'static [&'static str],
    build: fn(&toml::Value, &mut Setup) -> Result<Built, AppError>,
}

impl AppDecl {
    pub fn of<T: Declare>() -> Self {
        AppDecl {
            name: T::NAME,
            requires: T::REQUIRES,
            build: build_declared::<T>,
        }
    }
}

/// Reads an app's `[apps.NAME]` table into its typed config: an empty table is
/// `C::default()`; an error is one line that starts with the offending key's path
/// (`idle_timeout: invalid value …`), or serde's own message for an unknown key.
pub fn parse_config<C: DeserializeOwned + Default>(table: &toml::Value) -> Result<C, String> {
    if matches!(table, toml::Value::Table(t) if t.is_empty()) {
        return Ok(C::default());
    }
    serde_path_to_error::deserialize(table.clone()).map_err(|e| {
        let mut path = e.path().to_string();
        // toml's messages may end with a newline; keep the error on one line.
        let msg = e.inner().message().trim().replace('\n', " ");
        if msg.starts_with("unknown field") {
            // The path ends with the unknown key, which the message names already.
            path = path
                .rsplit_once('.')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default();
        }
        if path.is_empty() || path == "." {
            msg
        } else {
            format!("{path}: {msg}")
        }
    })
}

fn build_declared<T: Declare>(table: &toml::Value, setup: &mut Setup) -> Result<Built, AppError> {
    let config: T::Config = parse_config(table)?;
    let app = Arc::new(T::build(config, setup)?);
    if app.name() != T::NAME {
        return Err(format!(
            "declared as `{}` but App::name returns `{}`",
            T::NAME,
            app.name()
        )
        .into());
    }
    Ok(Built::declared(app))
}

/// Why a pipeline could not be built. Each is one line naming the app.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown app `{name}` (available: {available})")]
    Unknown { name: String, available: String },
    #[error("app `{name}` is listed twice")]
    Duplicate { name: String },
    #[error("app `{name}` needs `{needs}` before it: list it first, e.g. --apps {needs},{name}")]
    Missing { name: String, needs: String },
    #[error("[apps.{name}]: {reason}")]
    Config { name: String, reason: String },
}

/// The pipeline, in order.
#[derive(Clone, Default)]
pub struct Apps(pub Vec<Built>);

impl Apps {
    /// The apps, for `ControllerBuilder::app` in this order.
    pub fn apps(&self) -> Vec<Arc<dyn App>> {
        self.0.iter().map(|b| Arc::clone(&b.app)).collect()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|b| b.app.name()).collect()
    }
}

/// The apps a binary knows by name.
#[derive(Clone, Default)]
pub struct Catalog {
    decls: Vec<AppDecl>,
}

impl Catalog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or, for a name already known, replaces) a declared app.
    pub fn with<T: Declare>(self) -> Self {
        self.with_decl(AppDecl::of::<T>())
    }

    pub fn with_decl(mut self, d: AppDecl) -> Self {
        match self.decls.iter_mut().find(|x| x.name == d.name) {
            Some(x) => *x = d,
            None => self.decls.push(d),
        }
        self
    }

    /// Names, in the order they were added.
    pub fn names(&self) -> Vec<&'static str> {
        self.decls.iter().map(|d| d.name).collect()
    }

    pub fn get(&self, name: &str) -> Option<&AppDecl> {
        self.decls.iter().find(|d| d.name == name)
    }

    /// Builds the pipeline from names in order; `table(name)` gives each app's
    /// `[apps.NAME]` table (an empty table when there is none).
    pub fn build(
        &self,
        names: &[String],
        table: &dyn Fn(&str) -> toml::Value,
        setup: &mut Setup,
    ) -> Result<Apps, BuildError> {
        let names: Vec<&str> = names.iter().map(|n| n.trim()).collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(BuildError::Duplicate {
                    name: n.to_string(),
                });
            }
            let decl = self.get(n).ok_or_else(|| BuildError::Unknown {
                name: n.to_string(),
                available: self.names().join(", "),
            })?;
            if let Some(needs) = decl.requires.iter().find(|r| !names[..i].contains(r)) {
                return Err(BuildError::Missing {
                    name: n.to_string(),
                    needs: needs.to_string(),
                });
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let decl = self.get(n).expect("checked above");
            let built = (decl.build)(&table(n), setup).map_err(|e| BuildError::Config {
                name: n.to_string(),
                reason: e.to_string(),
            })?;
            out.push(built);
        }
        Ok(Apps(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Event, Verdict};

    #[derive(Default, serde::Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct CountConfig {
        step: u32,
    }

    struct Counter {
        step: u32,
        seen: IntCounter,
    }

    impl App for Counter {
        fn name(&self) -> &'static str {
            Self::NAME
        }
        fn handle(&self, _: &Event<'_>, _: &mut Context<'_>) -> Verdict {
            self.seen.inc_by(u64::from(self.step));
            Verdict::Continue
        }
    }

    impl Declare for Counter {
        const NAME: &'static str = "counter";
        type Config = CountConfig;
        fn build(c: CountConfig, setup: &mut Setup) -> Result<Self, AppError> {
            Ok(Counter {
                step: c.step,
                seen: setup.counter("counter_seen_total", "events seen")?,
            })
        }
    }

    struct NeedsCounter;
    impl App for NeedsCounter {
        fn name(&self) -> &'static str {
            Self::NAME
        }
        fn handle(&self, _: &Event<'_>, _: &mut Context<'_>) -> Verdict {
            Verdict::Continue
        }
    }
    impl Declare for NeedsCounter {
        const NAME: &'static str = "needs-counter";
        const REQUIRES: &'static [&'static str] = &["counter"];
        type Config = NoConfig;
        fn build(_: NoConfig, _: &mut Setup) -> Result<Self, AppError> {
            Ok(NeedsCounter)
        }
    }

    fn catalog() -> Catalog {
        Catalog::new().with::<Counter>().with::<NeedsCounter>()
    }

    fn empty(_: &str) -> toml::Value {
        toml::Value::Table(Default::default())
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn builds_in_order_with_config_and_metrics_in_the_given_registry() {
        let metrics = AppMetrics::default();
        let table = |n: &str| match n {
            "counter" => toml::from_str::<toml::Value>("step = 3").unwrap(),
            _ => empty(n),
        };
        let apps = catalog()
            .build(
                &names(&["counter", "needs-counter"]),
                &table,
                &mut Setup::new(metrics.clone()),
            )
            .unwrap();
        assert_eq!(apps.names(), vec!["counter", "needs-counter"]);
        let text = metrics.encode_text();
        assert!(text.contains("viola_counter_seen_total 0"), "{text}");
    }

    #[test]
    fn a_labelled_family_is_listed_before_its_first_series() {
        let mut setup = Setup::standalone();
        let v = setup.gauge_vec("things", "things per x", &["x"]).unwrap();
        let text = setup.app_metrics().encode_text();
        assert!(text.contains("# TYPE viola_things gauge"), "{text}");
        v.with_label_values(&["a"]).set(3);
        let text = setup.app_metrics().encode_text();
        assert!(text.contains("viola_things{x=\"a\"} 3"), "{text}");
        assert_eq!(text.matches("# TYPE viola_things").count(), 1, "{text}");
    }

    #[test]
    fn refuses_unknown_duplicate_missing_and_bad_config_in_one_line() {
        let c = catalog();
        let err = |n: &[&str], t: &dyn Fn(&str) -> toml::Value| {
            c.build(&names(n), t, &mut Setup::standalone())
                .err()
                .expect("refused")
                .to_string()
        };
        assert_eq!(
            err(&["nope"], &empty),
            "unknown app `nope` (available: counter, needs-counter)"
        );
        assert_eq!(
            err(&["counter", "counter"], &empty),
            "app `counter` is listed twice"
        );
        assert_eq!(
            err(&["needs-counter", "counter"], &empty),
            "app `needs-counter` needs `counter` before it: list it first, e.g. --apps \
             counter,needs-counter"
        );
        let typo = |_: &str| toml::from_str::<toml::Value>("stp = 1").unwrap();
        let e = err(&["counter"], &typo);
        assert!(e.starts_with("[apps.counter]: unknown field `stp`"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        let wrong_type = |_: &str| toml::from_str::<toml::Value>("step = \"x\"").unwrap();
        let e = err(&["counter"], &wrong_type);
        assert!(e.starts_with("[apps.counter]: step: invalid type"), "{e}");
        let extra = |_: &str| toml::from_str::<toml::Value>("x = 1").unwrap();
        assert!(err(&["counter", "needs-counter"], &extra)
            .starts_with("[apps.counter]: unknown field `x`"));
    }

    #[test]
    fn a_name_mismatch_is_refused() {
        struct Liar;
        impl App for Liar {
            fn name(&self) -> &'static str {
                "other"
            }
            fn handle(&self, _: &Event<'_>, _: &mut Context<'_>) -> Verdict {
                Verdict::Continue
            }
        }
        impl Declare for Liar {
            const NAME: &'static str = "liar";
            type Config = NoConfig;
            fn build(_: NoConfig, _: &mut Setup) -> Result<Self, AppError> {
                Ok(Liar)
            }
        }
        let e = Catalog::new()
            .with::<Liar>()
            .build(&names(&["liar"]), &empty, &mut Setup::standalone())
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "[apps.liar]: declared as `liar` but App::name returns `other`"
        );
    }
}
