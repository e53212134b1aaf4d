//! `GET /api/v1/topology`: the [`crate::doc::TopologyDoc`] of the current snapshot.
//! [`TopologyApp`] implements the framework's [`RestRoutes`], so the binary passes
//! `app.routes(ctl)` to `viola_framework::rest::serve`.

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
