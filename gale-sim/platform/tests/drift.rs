//! The committed Renode files in platforms/ must equal the generator's
//! output. To regenerate after changing an overlay, SVD or the generator:
//!
//!     GALE_UPDATE_PLATFORMS=1 cargo test -p gale-platform --test drift

mod common;
use common::{platform, repo_root};
use gale_platform::{drift, repl};

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
fn stm32f100_is_current() {
    check_or_update("stm32f100");
}
