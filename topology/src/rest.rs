//! `GET /api/v1/topology`: the [`crate::doc::TopologyDoc`] of the current snapshot.
//! The app's declaration (name `topology`, typed `[apps.topology]` table, this route) is
//! here too.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use viola_framework::rest::RestRoutes;
use viola_framework::Controller;

use crate::app::TopologyApp;
use crate::doc::TopologyDoc;

/// Path of the route.
pub const PATH: &str = "/api/v1/topology";

async fn show(State(app): State<Arc<TopologyApp>>) -> Json<TopologyDoc> {
    Json(TopologyDoc::from_view(&app.snapshot(), Instant::now()))
}

impl RestRoutes for TopologyApp {
    fn routes(self: Arc<Self>, _ctl: Controller) -> Router {
        Router::new().route(PATH, get(show)).with_state(self)
    }
}

impl viola_framework::declare::Declare for TopologyApp {
    const NAME: &'static str = "topology";
    type Config = crate::TopologySettings;

    fn build(
        settings: crate::TopologySettings,
        setup: &mut viola_framework::declare::Setup,
    ) -> Result<Self, viola_framework::declare::AppError> {
        TopologyApp::new(crate::TopologyConfig::try_from(settings)?).registered(setup)
    }

    fn routes(self: &Arc<Self>, ctl: Controller) -> Option<Router> {
        Some(RestRoutes::routes(Arc::clone(self), ctl))
    }
}
