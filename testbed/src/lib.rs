//! # viola-testbed — networks to run Viola on
//!
//! - [`topo`]: the topology SPEC syntax (`linear,4`, `tree,2,3`, `ring,5`, a TOML file…) as
//!   a model of switches, hosts and links with Mininet's naming and port numbering.
//! - [`lab`]: real Open vSwitch bridges (userspace datapath) and hosts in network namespaces.
//! - [`sim`]: simulated OpenFlow 1.0/1.3 switches and hosts over real TCP, no root needed.
//! - [`experiment`]: the GENI-VIOLIN skew microbenchmark on real Open vSwitch.
//! - [`demo`]: `viola demo` as a library: controller + network, ping matrix, flow tables.
#![forbid(unsafe_code)]

pub mod demo;
pub mod experiment;
pub mod lab;
pub mod sim;
pub mod topo;
