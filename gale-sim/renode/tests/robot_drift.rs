//! The Robot suites in `robot/` are generated from `scenarios/`: one per
//! scenario, current, and no stale ones. `GALE_UPDATE_ROBOT=1` rewrites them.

use gale_scenario::Scenario;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

#[test]
fn robot_suites_match_the_scenarios() {
    let root = root();
    let update = std::env::var_os("GALE_UPDATE_ROBOT").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut wanted = Vec::new();
    let mut drift = Vec::new();
    for f in &files {
        let s = Scenario::load(f).unwrap();
        let why = gale_renode::refuse_unsupported(&s).err().map(|e| {
            let text = e.to_string();
            text.lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string()
        });
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let text = gale_renode::robot::suite(&s, &rel, why.as_deref());
        let out = root.join("robot").join(format!("{}.robot", s.name));
        wanted.push(out.clone());
        if update {
            std::fs::write(&out, &text).unwrap();
        } else if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
            drift.push(out.display().to_string());
        }
    }
    let stale: Vec<String> = std::fs::read_dir(root.join("robot"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "robot") && !wanted.contains(p))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        drift.is_empty() && stale.is_empty(),
        "Robot suites out of date: {drift:?}; stale: {stale:?}. Regenerate: GALE_UPDATE_ROBOT=1 cargo test --release -p gale-renode --test robot_drift"
    );
}
