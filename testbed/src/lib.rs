//! # viola-testbed — networks to run Viola on
//!
//! - [`topo`]: the topology SPEC syntax (`linear,4`, `tree,2,3`, `ring,5`, a TOML file…) as
//!   a model of switches, hosts and links with Mininet's naming and port numbering.
#![forbid(unsafe_code)]

pub mod demo;
pub mod sim;
pub mod topo;
pub mod lab;
pub mod bench;
pub mod experiment;
