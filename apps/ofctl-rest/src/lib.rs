//! # viola-ofctl-rest — Ryu's `ofctl_rest` API, natively
//!
//! `viola run --apps …,ofctl-rest` serves Ryu's `/stats/…` routes with Ryu's methods,
//! paths, request bodies and response JSON, for OpenFlow 1.0 and 1.3 switches, so curl
//! scripts and dashboards written for `ryu.app.ofctl_rest` work unchanged. The route table
//! and each difference from Ryu are in `docs/src/ofctl-rest.md`.
//!
//! Replies are keyed by the decimal datapath id (`{"1": [...]}`); flow actions are Ryu's
//! strings (`"OUTPUT:2"`); matches use Ryu's keys (`dl_dst`, `nw_src`, `tp_dst` …) and
//! bodies take the OXM names and Ryu's aliases alike. Status codes are Ryu's: 400 for a bad
//! body or dpid, 404 for an unknown switch or command, 501 for what the switch's OpenFlow
//! version has no message for (group and meter routes on 1.0).
//!
//! The routes sit behind the REST API's token and body limits. Ryu's scripts often send no
//! `Content-Type`; the API refuses that on POST/DELETE (415, naming the header) unless the
//! operator turns the compatibility switch on:
//!
//! ```toml
//! [apps.ofctl-rest]
//! accept_any_content_type = true   # Ryu scripts without Content-Type: application/json
//! ```
//!
//! With it on, a web page a browser of someone who can reach the API visits could make
//! that browser send commands to `/stats/…` (see the framework's `rest/content_type.rs`);
//! a token (`[api] token`) still guards every command.
#![forbid(unsafe_code)]

pub mod commands;
pub mod dpid;
pub mod port_mod;
pub mod queue_config;
pub mod render;
mod routes;
pub mod stats;
pub mod table_features;

use std::sync::Arc;

use viola_framework::declare::{AppError, Declare, Setup};
use viola_framework::{App, Context, Controller, Event, Verdict};

/// The prefix of every route.
pub const PREFIX: &str = "/stats/";

/// `[apps.ofctl-rest]`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfctlRestConfig {
    /// Take POST/DELETE under `/stats/` whatever their `Content-Type` (Ryu's scripts send
    /// none, or curl's form type). Off by default: see the crate docs for the risk.
    pub accept_any_content_type: bool,
}

/// The app: routes only; it never handles switch events.
pub struct OfctlRest {
    config: OfctlRestConfig,
}

impl Declare for OfctlRest {
    const NAME: &'static str = "ofctl-rest";
    type Config = OfctlRestConfig;

    fn build(config: OfctlRestConfig, _setup: &mut Setup) -> Result<Self, AppError> {
        Ok(OfctlRest { config })
    }

    fn routes(self: &Arc<Self>, ctl: Controller) -> Option<axum::Router> {
        if self.config.accept_any_content_type {
            ctl.accept_any_content_type_under(PREFIX);
        }
        Some(routes::router(ctl))
    }
}

impl App for OfctlRest {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn handle(&self, _event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        Verdict::Continue
    }
}
