//! Simulated OpenFlow switches and hosts, in-process and without root.
//!
//! - [`FlowTable`]: flow tables with OpenFlow 1.0/1.3 semantics (priorities, masks,
//!   strict/non-strict modify and delete, cookies, timeouts on a driven [`Clock`],
//!   counters, multi-table pipeline with goto-table, groups); [`FlowTable::apply`] says
//!   where a frame goes.
//! - [`SwitchCore`]: the switch's OpenFlow agent, sans-IO: messages in, replies, packet-ins
//!   and frames out. [`switch`] runs it over TCP to a controller.
//! - [`Network`]: a whole [`viola_topo_spec::Topology`] in-process: switches connected to a
//!   controller over real TCP on 127.0.0.1, in-memory links with a loop guard, and hosts
//!   that answer ARP and ping.
//! - [`build`] and [`frame`]: the frames hosts send and the header fields switches read
//!   and rewrite.

pub mod build;
mod clock;
pub mod errors;
mod flow_table;
pub mod frame;
pub mod group;
mod lookup;
mod pipeline;

pub use clock::Clock;
pub use errors::OfError;
pub use flow_table::{removed_reason, FlowEntry, FlowTable, PortFlags, N_TABLES_13};
pub use group::{Bucket, Group, GroupCommand, GroupType};
pub use pipeline::Output;
mod core;
pub use self::core::{decode_all, port_mac, Effects, SwitchCore, SwitchCounters, SwitchOptions};
mod host;
mod link;
mod network;
mod switch;
pub use host::{Host, PingError, Received};
pub use link::{LoopGuard, NetStats};
pub use network::{Network, NetworkOptions, SimError};
pub use switch::Switch;
mod datapath;
mod requests;
