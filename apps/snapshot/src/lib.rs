//! # viola-snapshot — consistent snapshots of a virtual network, in the network
//!
//! Mattern's distributed snapshot as GENI-VIOLIN and VNsnap do it, with the controller as
//! the place where the cut is enforced. Each member VM of a service has an epoch (the
//! paper's pre/post flag generalised, so snapshots can follow each other without a reset).
//!
//! - **The gate.** For every member port the app installs `in_port=P → CONTROLLER` above
//!   every other app's forwarding rules, and answers the packet-ins itself: packets from a
//!   sender whose epoch is above the receiver's (Type-3) are held in a bounded
//!   per-destination FIFO (policy `buffer`) or dropped (policy `drop`); any other packet is
//!   forwarded with a PACKET_OUT to the next hop and a pair rule `in_port, eth_src, eth_dst →
//!   next hop` (cookie-tagged with service and VM) is installed so later packets skip the
//!   controller. Broadcasts are flooded, packets to non-members forwarded (Type-1).
//! - **ADVANCE** raises a VM's epoch and deletes exactly its pair rules, confirmed by a
//!   barrier: from then on its packets come to the controller again and are classified.
//! - **REINJECT** re-sends held packets in arrival order once their receiver caught up.
//! - **Abort** equalises epochs and releases or drops what is held.
//!
//! It never touches packets from non-member ports, never forwards a Type-3 packet early,
//! and never holds more than the configured packet/byte/time bounds (tail drop).
//!
//! [`model`] is the pure logic (time injected); [`SnapshotApp`] the app and
//! [`rest`] its routes (`RestRoutes`).
//!
//! ```
//! use std::time::Instant;
//! use viola_snapshot::config::{Limits, SnapshotConfig};
//! use viola_snapshot::model::{Class, Policy, Registry, VmSpec};
//! let vm = |n: u8| VmSpec { name: format!("h{n}"), mac: openflow::MacAddr([0, 0, 0, 0, 0, n]),
//!                           ip: None, dpid: openflow::Dpid(1), port: n as u32 };
//! let mut reg = Registry::new(&SnapshotConfig::default());
//! reg.register("svc", Policy::Buffer, Limits::default(), false, vec![vm(1), vm(2)]).unwrap();
//! let (svc, totals) = reg.service_mut("svc").unwrap();
//! let now = Instant::now();
//! svc.start_epoch(None, now).unwrap();      // snapshot epoch 1
//! svc.advance(0, now).unwrap();             // h1 paused: post
//! assert_eq!(svc.class(0, 1), Class::Type3); // h1 → h2 must wait
//! svc.hold(totals, 1, 0, &[0u8; 60], now);
//! svc.advance(1, now).unwrap();             // h2 paused too
//! assert_eq!(svc.release(totals, 1).len(), 1); // REINJECT
//! ```
#![forbid(unsafe_code)]

pub mod app;
pub mod config;
pub mod error;
pub mod events;
pub mod gate;
mod metrics;
pub mod model;
pub mod ops;
pub mod rest;
pub mod routes;
pub mod status;

pub use app::SnapshotApp;
pub use config::{ConfigError, Limits, SnapshotConfig};
pub use error::SnapshotError;
pub use events::SnapshotEvent;
pub use model::Policy;
pub use ops::Registration;
pub use routes::{Routes, StaticRoutes};
