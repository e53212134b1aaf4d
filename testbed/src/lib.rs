//! # viola-testbed — networks to run Viola on
//!
//! - [`topo`]: the topology SPEC syntax (`linear,4`, `tree,2,3`, `ring,5`, a TOML file…) as
//!   a model of switches, hosts and links with Mininet's naming and port numbering.
//! - [`lab`]: real Open vSwitch bridges (userspace datapath) and hosts in network namespaces.
#![forbid(unsafe_code)]

pub mod lab;
pub mod topo;
