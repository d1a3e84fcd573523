//! Real firmware against ApplySVD semantics: fmu-m7 reads and writes
//! registers no behavioural model claims; each access is traced by
//! PERIPHERAL.REGISTER, and a read before any write returns the SVD's reset
//! value.

use gale_engine_backend::EngineBackend;
use gale_harness::runner::{self, Context};
use gale_scenario::Scenario;
use gale_trace::EventKind;
use std::path::Path;

#[test]
fn unmodelled_registers_read_their_svd_reset_values_and_are_named() {
    let root = runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let s = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmu-registers.yaml"),
    )
    .unwrap();
    let out = runner::run(&Context::new(root.clone()), &EngineBackend::default(), &s).unwrap();
    let platform = gale_platform::Platform::load(&root, "rt1176-cm7").unwrap();

    let regs: Vec<(&str, bool, u32)> = out
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Reg { name, write, value } => Some((name.as_str(), *write, *value)),
            _ => None,
        })
        .collect();
    assert!(
        regs.iter()
            .any(|r| r.0.starts_with("IOMUXC.SW_MUX_CTL_PAD_") && r.1),
        "{regs:?}"
    );

    // Every register read before the firmware wrote it returns its reset value.
    let mut checked = 0;
    for (i, (name, write, value)) in regs.iter().enumerate() {
        if *write || regs[..i].iter().any(|(n, w, _)| n == name && *w) {
            continue;
        }
        let (per, reg) = name.split_once('.').unwrap();
        let desc = platform.peripheral(per).unwrap();
        assert!(
            desc.model.is_none(),
            "{per} has a behavioural model but was traced as ApplySVD"
        );
        let r = desc
            .registers
            .iter()
            .find(|r| r.name == reg)
            .unwrap_or_else(|| panic!("{name} not in the SVD"));
        assert_eq!(*value, r.reset_value, "{name}");
        checked += 1;
    }
    assert!(
        checked >= 1,
        "no register was read before being written: {regs:?}"
    );
    // The watchdog's control register, read before it is configured.
    assert!(regs.iter().any(|r| r.0 == "RTWDOG3.CS" && !r.1), "{regs:?}");
}
