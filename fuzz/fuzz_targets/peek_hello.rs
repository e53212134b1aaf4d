//! A peer's HELLO and version negotiation (see `viola_fuzzing::targets::hello`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| viola_fuzzing::targets::hello(data));
