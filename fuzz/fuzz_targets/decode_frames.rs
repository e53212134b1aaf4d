//! A byte stream from a switch, frame by frame (see `viola_fuzzing::targets::frames`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| viola_fuzzing::targets::frames(data));
