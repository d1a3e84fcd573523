//! Platform::load timings: cold (this platform's cache entry removed, so
//! the SVD is decompressed and parsed) and warm (from the cache). The
//! runner loads a platform on every run; the goal is warm < 200 ms.

use gale_platform::{find_repo_root, list, Platform};
use std::time::{Duration, Instant};

fn main() {
    let root =
        find_repo_root(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).expect("repository root");
    let cache_dir = root.join("target/gale-sim/platform-cache");
    for name in list(&root).expect("platform list") {
        if let Ok(entries) = std::fs::read_dir(&cache_dir) {
            for e in entries.flatten() {
                if e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{name}-"))
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let t = Instant::now();
        let p = Platform::load(&root, &name).expect("load");
        let cold = t.elapsed();
        let runs = 5;
        let mut warm = Duration::ZERO;
        for _ in 0..runs {
            let t = Instant::now();
            let q = Platform::load(&root, &name).expect("load");
            warm += t.elapsed();
            assert_eq!(q.peripherals.len(), p.peripherals.len());
        }
        let regs: usize = p.peripherals.iter().map(|x| x.registers.len()).sum();
        println!(
            "platform-load {name:<12} cold {:>8.1} ms  warm {:>6.1} ms  ({} peripherals, {regs} registers)",
            cold.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3 / runs as f64,
            p.peripherals.len()
        );
    }
}
