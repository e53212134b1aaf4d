//! The connection state machine on bytes from a switch (see `viola_fuzzing::targets::connection`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| viola_fuzzing::targets::connection(data));
