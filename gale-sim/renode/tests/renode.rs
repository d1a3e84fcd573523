//! Tests against a real Renode. They are ignored by default (reported as
//! ignored, never passed); `cargo test -p gale-renode -- --ignored` runs
//! them and FAILS when no supported Renode is found (RENODE or PATH).

use gale_platform::Platform;
use gale_renode::{End, MachineRun, MachineSpec, RunSpec};
use gale_trace::{EventKind, Level};
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn renode() -> gale_renode::Renode {
    gale_renode::locate().unwrap_or_else(|e| panic!("{e}"))
}

fn elf(triple: &str, image: &str) -> PathBuf {
    let p = root().join(format!("firmware/target/{triple}/release/{image}"));
    assert!(
        p.is_file(),
        "{} is missing: build it with `cargo run --release -p gale-sim -- build`",
        p.display()
    );
    p
}

fn run_one(test: &str, platform: &str, triple: &str, image: &str, ms: u64) -> (MachineRun, String) {
    let root = root();
    let p = Platform::load(&root, platform).unwrap();
    let out_dir = root.join(format!("target/gale-renode-tests/{test}"));
    let spec = RunSpec {
        root: root.clone(),
        machines: vec![MachineSpec {
            name: "m".into(),
            platform: &p,
            elf: elf(triple, image),
            core_of: None,
        }],
        links: vec![],
        time_limit: ms * 1_000_000,
        out_dir: out_dir.clone(),
        wall_limit: Duration::from_secs(240),
    };
    let mut runs = gale_renode::run(&renode(), &spec).unwrap_or_else(|e| panic!("{test}: {e}"));
    let log = std::fs::read_to_string(out_dir.join("renode.log")).unwrap();
    (runs.remove(0), log)
}

/// The text of the bytes `port` transmitted, with the time of each line's end.
fn uart_lines(run: &MachineRun, port: &str) -> Vec<(u64, String)> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for e in &run.events {
        if let (EventKind::UartTx { byte }, true) = (&e.kind, e.source == port) {
            match byte {
                b'\n' => lines.push((e.t, std::mem::take(&mut cur))),
                b'\r' => {}
                b => cur.push(*b as char),
            }
        }
    }
    lines
}

/// Loading (everything before the recorder starts) logged no error or
/// warning, and no monitor command failed. (`run` refuses such runs too;
/// this checks the log independently.)
fn no_warnings(test: &str, log: &str) {
    let mark = log
        .find(gale_renode::LOADED_MARK)
        .unwrap_or_else(|| panic!("{test}: the recorder never started:\n{log}"));
    let bad: Vec<&str> = log[..mark]
        .lines()
        .filter(|l| l.contains("[WARNING]") || l.contains("[ERROR]") || l.contains("rror"))
        .collect();
    assert!(
        bad.is_empty(),
        "{test}: Renode logged errors or warnings while loading:\n{}",
        bad.join("\n")
    );
    let check = gale_renode::LogCheck::of(log);
    assert!(
        check.monitor_errors.is_empty(),
        "{test}: {:?}",
        check.monitor_errors
    );
}

#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn every_platform_loads_and_every_image_boots_to_its_banner() {
    let cases = [
        (
            "stm32f100",
            "thumbv7m-none-eabi",
            "gust-f100",
            "USART1",
            "gust-f100 v0.1.0 boot",
        ),
        (
            "stm32f100",
            "thumbv7m-none-eabi",
            "sensors-f100",
            "USART1",
            "sensors-f100 v0.1.0 boot",
        ),
        (
            "rt1176-cm7",
            "thumbv7em-none-eabihf",
            "fmu-m7",
            "LPUART1",
            "fmu-m7 v0.1.0 boot",
        ),
        (
            "rt1176-cm4",
            "thumbv7em-none-eabihf",
            "io-m4",
            "LPUART1",
            "io-m4 v0.1.0 boot",
        ),
    ];
    for (platform, triple, image, port, banner) in cases {
        let (run, log) = run_one(&format!("boot-{image}"), platform, triple, image, 10);
        no_warnings(image, &log);
        let lines = uart_lines(&run, port);
        assert_eq!(
            lines.first().map(|(_, l)| l.as_str()),
            Some(banner),
            "{image} on {platform}: first {port} line; all: {lines:?}"
        );
        assert!(
            lines[0].0 < 5_000_000,
            "{image}: banner at {} ns, not before 5 ms",
            lines[0].0
        );
    }
}

#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn f100_banner_and_gust_alone_as_the_engine_sees_them() {
    // f100-banner: banner before 5 ms, `tick 3`, exit 0.
    let (run, log) = run_one(
        "f100-banner",
        "stm32f100",
        "thumbv7m-none-eabi",
        "gust-f100",
        50,
    );
    no_warnings("f100-banner", &log);
    let lines = uart_lines(&run, "USART1");
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(texts.first(), Some(&"gust-f100 v0.1.0 boot"), "{texts:?}");
    assert!(lines[0].0 < 5_000_000, "banner at {} ns", lines[0].0);
    assert!(texts.contains(&"tick 3"), "{texts:?}");
    assert_eq!(run.end, End::Exit(0), "{:?}", run.end);
    assert!(
        (39_000_000..42_000_000).contains(&run.end_at),
        "exit at {} ns; the engine exits at 40.437 ms",
        run.end_at
    );
    assert!(
        run.events
            .iter()
            .any(|e| e.kind == EventKind::Exit { code: 0 } && e.source == "semihosting"),
        "no Exit event"
    );

    // gust-alone: the failsafe line, PC9 high after 40 ms, RTT bytes, exit 0.
    let (run, _) = run_one(
        "gust-alone",
        "stm32f100",
        "thumbv7m-none-eabi",
        "gust-f100",
        200,
    );
    let texts: Vec<String> = uart_lines(&run, "USART1")
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert!(
        texts.iter().any(|l| l.starts_with("no heartbeat peer")),
        "{texts:?}"
    );
    let pc9_high = run.events.iter().find(|e| {
        e.source == "GPIOC"
            && e.kind
                == EventKind::Gpio {
                    pin: "PC9".into(),
                    level: Level::High,
                }
    });
    let t = pc9_high.expect("PC9 never went high").t;
    assert!((40_000_000..60_000_000).contains(&t), "PC9 high at {t} ns");
    let rtt: usize = run.rtt.iter().map(|(_, b)| b.len()).sum();
    assert!(rtt > 0, "no RTT bytes read");
    assert_eq!(run.end, End::Exit(0));
}
