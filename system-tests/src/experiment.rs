//! Experiments on real Open vSwitch with the snapshot app: a lab whose controller runs
//! `topology,snapshot,l2-learning` in this process ([`snaplab`]), tools to drive and observe
//! traffic in the hosts' namespaces ([`netns`], [`udp`], [`capture`], [`pcap`]), and the
//! GENI-VIOLIN TCP-stall microbenchmark ([`skew`]) with its plot ([`plot`]).
//!
//! Everything here needs root, Open vSwitch, `tcpdump` and (for [`skew`]) `iperf3`. Run it
//! inside a network namespace of its own ([`netns::reexec_isolated`] or the test support
//! `viola_lab::isolate`): the lab starts private OVS daemons, and only one
//! userspace-datapath `ovs-vswitchd` can run per namespace.

pub mod capture;
pub mod diag;
mod error;
pub mod http;
pub mod netns;
pub mod pcap;
pub mod plot;
pub mod skew;
pub mod snaplab;
pub mod udp;

pub use error::ExperimentError;
