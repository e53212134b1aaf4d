//! # viola-fuzzing — what no input may do to Viola
//!
//! Each target takes arbitrary bytes and checks a property that must hold for all of them:
//! no panic, and what decodes re-encodes to the same thing, and memory that stays bounded.
//!
//! - [`targets::frames`]: a byte stream from a switch, split into frames and decoded;
//! - [`targets::hello`]: a peer's HELLO and version negotiation;
//! - [`targets::connection`]: the connection state machine fed a byte stream (after a
//!   valid handshake or not), with requests in flight and time moving;
//! - [`targets::json`]: REST bodies (flow entries in ofctl_rest-like JSON) and flow-state
//!   documents.
//!
//! Two drivers run them: `viola-fuzz` (this crate's binary: a seeded mutation fuzzer on
//! stable Rust with a time budget, run by `scripts/test-all.sh`) and `fuzz/` (cargo-fuzz
//! with libFuzzer, on nightly, for longer campaigns). Every crash found is saved under
//! `regressions/TARGET/` and replayed by this crate's plain tests.
#![forbid(unsafe_code)]

pub mod corpus;
pub mod mutate;
pub mod targets;

/// A fuzz target: panics when its property does not hold for `data`.
pub type Target = fn(&[u8]);

/// Every target by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("frames", targets::frames),
    ("hello", targets::hello),
    ("connection", targets::connection),
    ("json", targets::json),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
