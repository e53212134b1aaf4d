//! # viola-topology — what the network looks like
//!
//! LLDP discovery of switch-to-switch links, host tracking from packet-ins, and a petgraph
//! model with shortest paths and a spanning tree recomputed on every change.
//!
//! - [`TopologyState`] is the pure model: time is an argument, every input returns the
//!   list of [`TopologyEvent`]s it caused. It never sends anything.
//! - [`TopologyApp`] (app name `topology`) drives it: probes every live port on switch-up
//!   and periodically, consumes LLDP packet-ins, publishes the events, and hands out an
//!   `Arc<`[`TopologyView`]`>` snapshot to other apps (`Controller::app::<TopologyApp>()`).
//!
//! It never installs forwarding rules (only the LLDP-to-controller rule) and never learns a
//! host on a port that LLDP showed facing another switch.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use viola_topology::{Dpid, PortRef, StateTimers, TopologyState};
//! let (s1, s2) = (Dpid(1), Dpid(2));
//! let t0 = Instant::now();
//! let mut st = TopologyState::new(StateTimers::default());
//! st.on_switch_up(t0, s1, &[]);
//! st.on_switch_up(t0, s2, &[]);
//! st.on_lldp(t0, s1, 1, s2, 1);
//! st.on_lldp(t0, s2, 1, s1, 1);
//! assert_eq!(st.view().shortest_path(s1, s2).map(|p| p.len()), Some(1));
//! assert!(st.view().is_tree_port(PortRef::new(s1, 1)));
//! // No probe for longer than the link timeout: the link is gone.
//! assert_eq!(st.expire(t0 + Duration::from_secs(4)).len(), 2);
//! assert_eq!(st.view().shortest_path(s1, s2), None);
//! ```
#![forbid(unsafe_code)]

pub mod app;
pub mod config;
pub mod doc;
pub mod frame;
pub mod hosts;
pub mod lldp;
mod metrics;
pub mod rest;
pub mod state;
pub mod types;
pub mod view;

pub use app::TopologyApp;
pub use config::{ConfigError, TopologyConfig, TopologySettings};
pub use doc::TopologyDoc;
pub use state::{StateTimers, TopologyState};
pub use types::{Dpid, Host, HostGoneReason, Link, LinkDownReason, PortRef, TopologyEvent};
pub use view::TopologyView;
