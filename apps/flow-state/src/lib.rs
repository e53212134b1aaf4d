//! # viola-flow-state — save, restore and diff the flow tables of every switch
//!
//! What it does:
//! - **save** reads every table of every connected switch (flow stats from the switches,
//!   never a cache) into a [`FlowStateDoc`] (`"format": "viola.flow-state/1"`,
//!   docs/src/flow-state.md), flows in the framework's lossless JSON form;
//! - **restore** checks the whole document first (every switch connected, after `map`;
//!   every flow expressible in that switch's OpenFlow version) and refuses before sending
//!   anything; then pushes per switch in barrier-fenced batches and verifies by reading the
//!   tables back ([`RestoreReport`]);
//! - **diff** compares a document with the live tables ([`DiffReport`]).
//!
//! What it never does: guess a missing field of a document, read a document of another
//! format, or push anything for a document that fails a check.
//!
//! The app [`FlowStateApp`] serves `GET|POST /api/v1/flows/state` and
//! `POST /api/v1/flows/state/diff`; [`Client`] calls them (the `viola flows` command).
//!
//! ```
//! use viola_flow_state::{diff_flows, FlowStateDoc, FORMAT};
//! let text = r#"{"format": "viola.flow-state/1", "taken_at": "2026-11-22T06:43:10Z",
//!   "switches": [{"dpid": "0000000000000001", "version": "1.3",
//!                 "taken_at": "2026-11-22T06:43:10Z",
//!                 "flows": [{"table_id": 0, "priority": 100, "cookie": 7,
//!                            "match": {"in_port": 1},
//!                            "instructions": [{"type": "APPLY_ACTIONS",
//!                                              "actions": [{"type": "OUTPUT", "port": 2}]}]}]}]}"#;
//! let doc = FlowStateDoc::parse(text).unwrap();
//! assert_eq!(doc.flow_count(), 1);
//! assert_eq!(FlowStateDoc::parse(&doc.to_string_pretty()).unwrap(), doc);
//! let flows = &doc.switches[0].flows;
//! assert!(diff_flows(flows, flows).is_empty());
//! let err = FlowStateDoc::parse(&text.replace(FORMAT, "viola.flow-state/9")).unwrap_err();
//! assert!(err.to_string().contains("unknown format"));
//! ```
#![forbid(unsafe_code)]

mod app;
pub mod client;
mod compare;
mod diff;
mod document;
mod error;
mod flow;
mod mapping;
pub mod request;
mod restore;
mod routes;
mod save;
mod timestamp;

pub use app::FlowStateApp;
pub use client::{Client, ClientError, DEFAULT_API};
pub use compare::{diff_live, DiffReport, SwitchDiffReport};
pub use diff::{diff_flows, ChangedFlow, FlowDiff};
pub use document::{FlowStateDoc, SwitchFlows, FORMAT};
pub use error::{DocError, FlowStateError, MapError};
pub use flow::SavedFlow;
pub use mapping::DpidMap;
pub use restore::{
    plan, restore, Mode, PlannedSwitch, RestoreOptions, RestoreReport, SwitchReport, DEFAULT_BATCH,
};
pub use save::{read_flows, save, save_switch};
pub use timestamp::{now as now_rfc3339, rfc3339};

#[cfg(test)]
mod tests;
