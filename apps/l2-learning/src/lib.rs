//! # viola-l2-learning — a loop-safe learning switch
//!
//! Per-switch MAC learning for OpenFlow 1.0 and 1.3 that floods only along the spanning
//! tree the topology app computes (so looped networks do not storm), reaches known hosts
//! along shortest paths, removes stale rules when hosts move or links fail, and, in `path`
//! mode, installs a whole path at once. Without the topology app it is a classic learning
//! switch (FLOOD for unknown destinations; loops are then unsafe).
//!
//! It never learns an address on a blocked (non-tree inter-switch) port, nor on any
//! inter-switch port for an address the topology knows at a host port elsewhere.
//!
//! ```
//! use viola_l2_learning::{L2Config, L2Learning, Mode};
//! let app = L2Learning::new(L2Config { mode: Mode::Path, ..L2Config::default() });
//! assert_eq!(viola_framework::App::name(&app), "l2-learning");
//! ```
#![forbid(unsafe_code)]

pub mod app;
pub mod config;
mod metrics;
mod outgoing;
pub mod route;
pub mod table;

pub use app::{L2Learning, L2Stats, COOKIE, COOKIE_MASK};
pub use config::{ConfigError, L2Config, Mode};
