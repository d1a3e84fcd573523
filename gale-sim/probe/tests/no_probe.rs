//! The probe path as far as it goes without hardware: chip names are
//! checked against probe-rs's built-in targets, and with no probe attached
//! the run stops with "no debug probe found" and its own exit status.

use gale_probe::{check_chip, connect, probes, ProbeOptions};
use gale_target::TargetError;

#[test]
fn probe_rs_knows_the_images_chips_and_not_the_old_name() {
    check_chip("STM32F100RB").expect("STM32F100RB");
    check_chip("MIMXRT1170").expect("MIMXRT1170 (the CM7)");
    let e = check_chip("MIMXRT1176DVMAA").unwrap_err();
    assert_eq!(e.exit_status(), 12);
    assert!(e.to_string().contains("probe-rs chip list"), "{e}");
}

#[test]
fn without_a_probe_the_run_stops_with_no_probe_found() {
    if !probes().is_empty() {
        eprintln!("a probe is attached here; skipping the no-probe check");
        return;
    }
    let e = connect(&ProbeOptions::default(), Some("STM32F100RB"))
        .err()
        .expect("no probe on this machine");
    assert!(matches!(e, TargetError::NoProbe), "{e}");
    assert_eq!(e.exit_status(), 10);
    assert!(e.to_string().contains("connect one"), "{e}");
}

/// The whole hardware backend, scenario in, as far as it goes here: it
/// builds the replay image, then stops at the probe with status 10.
#[test]
fn a_scenario_on_the_probe_backend_stops_at_no_probe_found() {
    if !probes().is_empty() {
        eprintln!("a probe is attached here; skipping the no-probe check");
        return;
    }
    use gale_harness::runner::{self, Context};
    let root = runner::find_root(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let ctx = Context::new(root.clone());
    let s = gale_scenario::Scenario::load(&root.join("scenarios/gust-alone.yaml")).unwrap();
    let backend = gale_probe::backend(root, ProbeOptions::default());
    let e = runner::run(&ctx, &backend, &s)
        .err()
        .expect("no probe here");
    assert_eq!(gale_target::exit_status(&e), 10, "{e}");
    assert!(e.to_string().contains("no debug probe found"), "{e}");
}
