//! Every input a fuzzer found that broke a target (saved under `regressions/TARGET/` as
//! hex) is replayed here, and every target runs briefly on its seeds and a few thousand
//! mutations, so plain `cargo test` keeps the properties.

use std::path::Path;

use viola_fuzzing::{corpus, mutate, target, TARGETS};

#[test]
fn saved_crashes_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for dir in std::fs::read_dir(&root).expect("regressions/").flatten() {
        if !dir.path().is_dir() {
            continue;
        }
        let name = dir.file_name().to_string_lossy().into_owned();
        let Some(t) = target(&name) else {
            panic!("regressions/{name}: no such target");
        };
        for f in std::fs::read_dir(dir.path()).expect("target dir").flatten() {
            let text = std::fs::read_to_string(f.path()).expect("read");
            let input = hex::decode(text.trim()).expect("hex");
            t(&input);
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} saved inputs");
}

#[test]
fn every_target_holds_on_its_seeds_and_some_mutations() {
    for (name, t) in TARGETS {
        let seeds = corpus::seeds(name);
        assert!(!seeds.is_empty(), "{name} has seeds");
        let mut rng = fastrand::Rng::with_seed(7);
        for s in &seeds {
            t(s);
        }
        for i in 0..2000 {
            let mut x = seeds[i % seeds.len()].clone();
            let other = &seeds[rng.usize(0..seeds.len())];
            mutate::mutate(&mut rng, &mut x, other, 16 * 1024);
            t(&x);
        }
    }
}
