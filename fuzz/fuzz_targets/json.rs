//! REST bodies and flow-state documents (see `viola_fuzzing::targets::json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| viola_fuzzing::targets::json(data));
