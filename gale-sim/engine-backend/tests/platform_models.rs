//! Every behavioural model a platform overlay names exists in this build,
//! and every platform boots into an engine machine spec.

use gale_engine_backend::machine;
use gale_harness::{models, runner};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn every_overlay_model_id_is_implemented() {
    let root = runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let names = gale_platform::list(&root).unwrap();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        let p = gale_platform::Platform::load(&root, &name).unwrap();
        let mut claimed = 0;
        for desc in &p.peripherals {
            let built = models::instantiate(desc, Vec::new()).unwrap();
            assert_eq!(
                built.unimplemented, None,
                "{name}: {} asks for a model this build lacks",
                desc.name
            );
            claimed += desc.model.is_some() as usize;
        }
        assert!(claimed > 0, "{name}: no peripheral has a behavioural model");
        let (spec, notes) = machine::spec("m", &p, false, BTreeMap::new(), None).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(spec.peripherals.len(), p.peripherals.len());
    }
}
