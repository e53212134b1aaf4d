//! [`FlowStateApp`]: the app (name `flow-state`) that serves the flow-state routes. It sees
//! no OpenFlow events of its own; its work is REST-triggered.

use std::sync::Arc;

use viola_framework::declare::{AppError, Declare, NoConfig, Setup};
use viola_framework::rest::RestRoutes;
use viola_framework::{App, Context, Controller, Event, Verdict};

use crate::restore::DEFAULT_BATCH;

/// The flow-state app. Add it to the pipeline (anywhere: it passes every event on) and its
/// routes to the REST API:
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use viola_flow_state::FlowStateApp;
/// use viola_framework::rest::{ApiConfig, RestRoutes};
/// use viola_framework::ControllerBuilder;
///
/// let app = Arc::new(FlowStateApp::new());
/// let running = ControllerBuilder::new().app(app.clone()).start().await?;
/// let ctl = running.handle();
/// let routes = vec![app.routes(ctl.clone())];
/// viola_framework::rest::serve(ctl, "127.0.0.1:8080".parse()?, ApiConfig::default(), routes)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FlowStateApp {
    batch: usize,
    /// One restore at a time: two interleaved restores would leave neither verified.
    pub(crate) restoring: tokio::sync::Mutex<()>,
}

impl Default for FlowStateApp {
    fn default() -> Self {
        Self::new()
    }
}

impl FlowStateApp {
    /// FLOW_MODs are pushed [`DEFAULT_BATCH`] at a time between barriers.
    pub fn new() -> Self {
        Self::with_batch(DEFAULT_BATCH)
    }

    /// `batch` FLOW_MODs between two barriers (at least 1); a request's `batch` option
    /// overrides it.
    pub fn with_batch(batch: usize) -> Self {
        FlowStateApp {
            batch: batch.max(1),
            restoring: tokio::sync::Mutex::new(()),
        }
    }

    pub fn batch(&self) -> usize {
        self.batch
    }
}

impl App for FlowStateApp {
    fn name(&self) -> &'static str {
        <Self as Declare>::NAME
    }

    fn handle(&self, _event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        Verdict::Continue
    }
}

impl RestRoutes for FlowStateApp {
    fn routes(self: Arc<Self>, ctl: Controller) -> axum::Router {
        crate::routes::router(self, ctl)
    }
}

impl Declare for FlowStateApp {
    const NAME: &'static str = "flow-state";
    type Config = NoConfig;

    fn build(_: NoConfig, _setup: &mut Setup) -> Result<Self, AppError> {
        Ok(FlowStateApp::new())
    }

    fn routes(self: &Arc<Self>, ctl: Controller) -> Option<axum::Router> {
        Some(RestRoutes::routes(Arc::clone(self), ctl))
    }
}
