use super::*;
use std::vec::Vec;

fn ok() -> Result<(), DeviceError> {
    Ok(())
}

const fn dev(name: &'static str, level: Level, priority: u8, deps: &'static [&'static str]) -> Device {
    Device { name, level, priority, deps, init: ok }
}

fn names<const N: usize>(table: &[Device; N]) -> Vec<&'static str> {
    plan(table).unwrap().iter().map(|&i| table[i].name).collect()
}

#[test]
fn levels_then_dependencies_then_priority() {
    let table = [
        dev("app", Level::Application, 0, &["imu"]),
        dev("imu", Level::PostKernel, 0, &["spi"]),
        dev("spi", Level::PreKernel2, 5, &["clocks"]),
        dev("gpt", Level::PreKernel2, 1, &[]),
        dev("clocks", Level::PreKernel1, 9, &[]),
        dev("pins", Level::PreKernel1, 0, &[]),
        dev("wdog", Level::Early, 200, &[]),
    ];
    assert_eq!(names(&table), ["wdog", "pins", "clocks", "gpt", "spi", "imu", "app"]);
}

#[test]
fn a_dependency_overrides_priority_inside_a_level() {
    let table = [dev("a", Level::PostKernel, 0, &["b"]), dev("b", Level::PostKernel, 9, &[])];
    assert_eq!(names(&table), ["b", "a"]);
}

#[test]
fn errors_name_the_device() {
    let missing = [dev("imu", Level::PostKernel, 0, &["spi"])];
    assert_eq!(plan(&missing), Err(PlanError::MissingDependency { device: "imu", missing: "spi" }));
    let later = [dev("spi", Level::PreKernel2, 0, &["imu"]), dev("imu", Level::PostKernel, 0, &[])];
    assert_eq!(plan(&later), Err(PlanError::LaterLevel { device: "spi", dependency: "imu" }));
    let cycle = [dev("x", Level::PostKernel, 0, &[]), dev("a", Level::PostKernel, 0, &["b"]), dev("b", Level::PostKernel, 0, &["a"])];
    assert_eq!(plan(&cycle), Err(PlanError::Cycle { device: "a" }));
    let dup = [dev("a", Level::Early, 0, &[]), dev("a", Level::Early, 1, &[])];
    assert_eq!(plan(&dup), Err(PlanError::DuplicateName { name: "a" }));
    let mut buf = [0; 160];
    assert_eq!(describe(plan(&cycle).unwrap_err(), &mut buf), "init table: dependency cycle through \"a\"");
    assert_eq!(describe(plan(&missing).unwrap_err(), &mut buf), "init table: \"imu\" depends on missing device \"spi\"");
}

#[test]
fn plan_runs_in_const_context() {
    const TABLE: [Device; 2] = [dev("b", Level::PreKernel1, 0, &["a"]), dev("a", Level::PreKernel1, 1, &[])];
    const ORDER: [usize; 2] = plan_or_fail(&TABLE);
    assert_eq!(ORDER, [1, 0]);
}

#[test]
fn run_stops_at_the_first_failure_and_names_it() {
    fn fails() -> Result<(), DeviceError> {
        Err(DeviceError("no ack"))
    }
    let table = [
        dev("a", Level::PreKernel1, 0, &[]),
        Device { name: "baro", level: Level::PostKernel, priority: 0, deps: &["a"], init: fails },
        dev("c", Level::Application, 0, &[]),
    ];
    let mut seen = Vec::new();
    let err = run(&table, &plan(&table).unwrap(), |d| seen.push(d.name)).unwrap_err();
    assert_eq!(err, BootError { device: "baro", level: Level::PostKernel, error: DeviceError("no ack") });
    assert_eq!(seen, ["a", "baro"]);
}

/// Bounded-exhaustive: every table of 4 devices with levels in 0..3 and any
/// dependency relation (each device may depend on any other, 2^12
/// relations x 3^4 level choices): `plan` either returns an order that
/// respects levels and dependencies and is a permutation, or an error that
/// is justified (a real cycle or a real later-level dependency).
#[test]
fn exhaustive_small_tables() {
    const NAMES: [&str; 4] = ["d0", "d1", "d2", "d3"];
    let levels = [Level::PreKernel1, Level::PreKernel2, Level::PostKernel];
    let mut dep_storage: Vec<&'static [&'static str]> = Vec::new();
    for mask in 0u32..16 {
        let v: Vec<&'static str> = (0..4).filter(|b| mask & (1 << b) != 0).map(|b| NAMES[b]).collect();
        dep_storage.push(Box::leak(v.into_boxed_slice()));
    }
    for rel in 0u32..(1 << 12) {
        // Build a 4x4 adjacency without self-loops from 12 bits.
        let mut deps = [0u32; 4];
        let mut bit = 0;
        for (i, d) in deps.iter_mut().enumerate() {
            for j in 0..4 {
                if i != j {
                    if rel & (1 << bit) != 0 {
                        *d |= 1 << j;
                    }
                    bit += 1;
                }
            }
        }
        for lv in 0..81u32 {
            let lvl = |i: u32| levels[((lv / 3u32.pow(i)) % 3) as usize];
            let table: [Device; 4] = core::array::from_fn(|i| dev(NAMES[i], lvl(i as u32), (3 - i) as u8, dep_storage[deps[i] as usize]));
            match plan(&table) {
                Ok(order) => {
                    let mut pos = [0; 4];
                    for (k, &i) in order.iter().enumerate() {
                        pos[i] = k;
                    }
                    let mut sorted = order;
                    sorted.sort();
                    assert_eq!(sorted, [0, 1, 2, 3]);
                    for i in 0..4 {
                        for j in 0..4 {
                            if deps[i] & (1 << j) != 0 {
                                assert!(pos[j] < pos[i], "dependency order rel {rel} lv {lv}");
                            }
                            if table[i].level < table[j].level {
                                assert!(pos[i] < pos[j], "level order rel {rel} lv {lv}");
                            }
                        }
                    }
                }
                Err(PlanError::LaterLevel { device, dependency }) => {
                    let (i, j) = (find(&table, device).unwrap(), find(&table, dependency).unwrap());
                    assert!(table[j].level > table[i].level && deps[i] & (1 << j) != 0);
                }
                Err(PlanError::Cycle { .. }) => assert!(has_cycle(&deps), "false cycle rel {rel}"),
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    }
}

fn has_cycle(deps: &[u32; 4]) -> bool {
    // Transitive closure; a cycle exists if some node reaches itself.
    let mut reach = *deps;
    for _ in 0..4 {
        for i in 0..4 {
            for j in 0..4 {
                if reach[i] & (1 << j) != 0 {
                    reach[i] |= reach[j];
                }
            }
        }
    }
    (0..4).any(|i| reach[i] & (1 << i) != 0)
}
