//! The committed Renode files in platforms/ must equal the generator's
//! output. To regenerate after changing an overlay, SVD or the generator:
//!
//!     GALE_UPDATE_PLATFORMS=1 cargo test -p gale-platform --test drift

mod common;
use common::{platform, repo_root};
use gale_platform::{drift, list, repl};

fn check_or_update(name: &str) {
    let p = platform(name);
    let root = repo_root();
    if std::env::var_os("GALE_UPDATE_PLATFORMS").is_some() {
        for f in drift::update(&root, &p).unwrap() {
            eprintln!("regenerated {}", f.display());
        }
    }
    if let Err(e) = drift::check(&root, &p) {
        panic!("{e}");
    }
    // What is committed also passes the structural checker.
    let text = std::fs::read_to_string(root.join(format!("platforms/{name}.repl"))).unwrap();
    if let Err(errors) = repl::check(&text) {
        panic!("platforms/{name}.repl:\n{}", errors.join("\n"));
    }
}

#[test]
fn every_overlay_is_a_tested_platform() {
    let names = list(&repo_root()).unwrap();
    for want in ["rt1176-cm4", "rt1176-cm7", "stm32f100"] {
        assert!(
            names.iter().any(|n| n == want),
            "platforms/{want}.toml missing (have {names:?})"
        );
    }
    assert_eq!(
        names.len(),
        3,
        "a new overlay needs a drift test here: {names:?}"
    );
}

#[test]
fn stm32f100_is_current() {
    check_or_update("stm32f100");
}

#[test]
fn rt1176_cm7_is_current() {
    check_or_update("rt1176-cm7");
}

#[test]
fn rt1176_cm4_is_current() {
    check_or_update("rt1176-cm4");
}
