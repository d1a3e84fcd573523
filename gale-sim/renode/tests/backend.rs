//! The Renode backend through the harness, as `gale-sim run --engine renode`
//! uses it: the same verdict code judges the shipped scenarios; scenarios
//! it cannot run are refused with a located reason before Renode starts.

use gale_harness::runner::{self, Context};
use gale_scenario::Scenario;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn scenario(name: &str) -> Scenario {
    Scenario::load(&root().join("scenarios").join(format!("{name}.yaml"))).unwrap()
}

#[test]
fn scenarios_with_sensors_or_two_cores_are_refused_with_a_located_reason() {
    let e = gale_renode::refuse_unsupported(&scenario("fmu-healthy"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("has no Renode model yet") && e.contains("fmu-healthy.yaml:"),
        "{e}"
    );
    assert!(e.contains("--engine gale"), "the way out is named: {e}");
    let e = gale_renode::refuse_unsupported(&scenario("rt1176-dual-core"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("another core of a chip"), "{e}");
    for ok in ["f100-banner", "gust-alone", "gust-heartbeat-loss"] {
        assert!(
            gale_renode::refuse_unsupported(&scenario(ok)).is_ok(),
            "{ok}"
        );
    }
}

#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn shipped_scenarios_pass_on_renode_with_every_expectation_including_exit() {
    let renode = gale_renode::locate().unwrap_or_else(|e| panic!("{e}"));
    let backend = gale_renode::RenodeBackend::new(renode);
    let out = std::env::temp_dir().join(format!("gale-renode-backend-{}", std::process::id()));
    let ctx = Context::new(root()).with_out(out);
    for name in ["f100-banner", "gust-alone"] {
        let o =
            runner::run(&ctx, &backend, &scenario(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = gale_harness::report::outcome_text(&o);
        assert!(o.passed(), "{text}");
        assert_eq!(o.backend, "renode");
        assert!(
            o.verdict
                .outcomes
                .iter()
                .any(|x| x.expected.contains("exits with code 0") && x.passed),
            "{text}"
        );
        assert_eq!(o.ends[0].how, "exit 0", "{text}");
    }
}
