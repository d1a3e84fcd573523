//! The published JSON Schema matches the scenario types, and every shipped
//! scenario is valid YAML of that shape.

use std::path::Path;

#[test]
fn published_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/scenario.schema.json");
    let fresh = gale_scenario::json_schema();
    if std::env::var_os("GALE_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the scenario types; regenerate it with\n    GALE_UPDATE_SCHEMA=1 cargo test --release -p gale-scenario --test schema",
        path.display()
    );
    for key in [
        "machines",
        "devices",
        "faults",
        "expect",
        "time_limit",
        "telemetry",
        "noise_burst",
        "icm42688",
    ] {
        assert!(fresh.contains(&format!("\"{key}\"")), "schema lacks {key}");
    }
}
