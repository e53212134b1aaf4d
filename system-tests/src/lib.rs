//! # viola-system-tests — the system tier
//!
//! Tests that need root, real Open vSwitch, Mininet, QEMU or tshark live in this crate's
//! `tests/`, apart from the hermetic tier that plain `cargo test --workspace` runs. They
//! FAIL — never skip — when a component is missing; `scripts/test-all.sh` installs and
//! starts what they need and runs them as root with `cargo test -p viola-system-tests`.
//!
//! The library holds [`controller::start`] (a controller with built-in apps and its REST
//! API, in-process) and the experiment runners those tests and `examples/skew.rs` share
//! ([`experiment`]: the snapshot app on real Open vSwitch, traffic tools, the GENI-VIOLIN
//! skew microbenchmark).
#![forbid(unsafe_code)]

pub mod controller;
pub mod experiment;
