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
        inputs: vec![],
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

/// The committed `platforms/<name>.resc` files themselves (as a developer
/// would include them, one platform per Renode) load with no error or warning.
#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn committed_platform_scripts_load_cleanly() {
    let renode = renode();
    let root = root();
    let names = gale_platform::list(&root).unwrap();
    assert_eq!(names.len(), 3, "{names:?}");
    for name in names {
        let p = Platform::load(&root, &name).unwrap();
        p.extract_svd(&root).unwrap();
        let dir = root.join(format!("target/gale-renode-tests/platform-resc-{name}"));
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let path = dir.join("load.resc");
        std::fs::write(
            &path,
            format!("include @{}/platforms/{name}.resc\nquit\n", root.display()),
        )
        .unwrap();
        let out = std::process::Command::new(&renode.exe)
            .args(["--console", "--disable-xwt", "--plain"])
            .arg(&path)
            .env("TMPDIR", &tmp)
            .env("RENODE_TMPDIR", &tmp)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        std::fs::write(dir.join("renode.log"), &log).unwrap();
        let bad: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("[WARNING]")
                    || l.contains("[ERROR]")
                    || l.contains("rror")
                    || l.contains("Could not")
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{name}: Renode log has errors or warnings:\n{}",
            bad.join("\n")
        );
        assert!(
            log.contains(&format!(
                "Loaded SVD: {}",
                root.join(repl_svd(&p)).display()
            )),
            "{name}: the SVD was not applied:\n{log}"
        );
    }
}

fn repl_svd(p: &Platform) -> String {
    gale_platform::repl::renode_svd_path(p)
}

/// A run that cannot finish within the wall limit is killed and reported.
#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn wall_limit_kills_renode() {
    let root = root();
    let p = Platform::load(&root, "stm32f100").unwrap();
    let spec = RunSpec {
        root: root.clone(),
        machines: vec![MachineSpec {
            name: "m".into(),
            platform: &p,
            elf: elf("thumbv7m-none-eabi", "gust-f100"),
            core_of: None,
        }],
        links: vec![],
        inputs: vec![],
        time_limit: 1_000_000_000,
        out_dir: root.join("target/gale-renode-tests/wall-limit"),
        wall_limit: Duration::from_secs(2),
    };
    let start = std::time::Instant::now();
    match gale_renode::run(&renode(), &spec) {
        Err(gale_renode::Error::WallLimit { limit, log }) => {
            assert_eq!(limit, Duration::from_secs(2));
            assert!(log.ends_with("renode.log"));
        }
        other => panic!("expected a wall-limit error, got {other:?}"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
}

/// gust-heartbeat-loss: the scenario's heartbeat source (10 Hz on USART2,
/// first beat at 10 ms, disconnected 500..1100 ms), its bytes made by the
/// same gale-models device and fed into Renode's USART2 receiver.
#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn gust_heartbeat_loss_with_a_fed_heartbeat() {
    use gale_models::bus::{UartDevice, UartSymbol};
    use gale_models::fault::{BusFault, FaultSchedule, FaultWindow};
    use gale_models::sensors::heartbeat::HeartbeatSource;
    const MS: u64 = 1_000_000;
    let faults = FaultSchedule::new(vec![FaultWindow {
        start: 500 * MS,
        end: 1100 * MS,
        fault: BusFault::Disconnect,
    }]);
    let mut hb = HeartbeatSource::new(1, 0, 115_200, 10.0, 10 * MS, faults);
    let mut bytes = Vec::new();
    while let Some(t) = hb.next_send() {
        if t >= 2000 * MS {
            break;
        }
        if let Some(UartSymbol::Byte(b)) = hb.send(t) {
            bytes.push((t, b));
        }
    }
    assert!(bytes.len() > 50, "{} heartbeat bytes", bytes.len());

    let root = root();
    let p = Platform::load(&root, "stm32f100").unwrap();
    let spec = RunSpec {
        root: root.clone(),
        machines: vec![MachineSpec {
            name: "gust".into(),
            platform: &p,
            elf: elf("thumbv7m-none-eabi", "gust-f100"),
            core_of: None,
        }],
        links: vec![],
        inputs: vec![gale_renode::UartInput {
            machine: "gust".into(),
            port: "USART2".into(),
            bytes: bytes.clone(),
        }],
        time_limit: 2000 * MS,
        out_dir: root.join("target/gale-renode-tests/gust-heartbeat-loss"),
        wall_limit: Duration::from_secs(300),
    };
    let run = gale_renode::run(&renode(), &spec)
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0);
    let fed = run
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::UartRx { .. }))
        .count();
    assert_eq!(fed, bytes.len(), "every heartbeat byte reaches USART2");
    let level_at = |t: u64| {
        run.events
            .iter()
            .rev()
            .filter(|e| e.t <= t && e.source == "GPIOC")
            .find_map(|e| match &e.kind {
                EventKind::Gpio { pin, level } if pin == "PC9" => Some(*level),
                _ => None,
            })
            .unwrap_or(Level::Low)
    };
    assert_eq!(level_at(450 * MS), Level::Low);
    assert_eq!(level_at(700 * MS), Level::Low);
    assert_eq!(level_at(820 * MS), Level::High, "failsafe by 820 ms");
    assert_eq!(level_at(1600 * MS), Level::Low, "recovered by 1600 ms");
    let lines = uart_lines(&run, "USART1");
    let on = lines
        .iter()
        .find(|(_, l)| l.starts_with("failsafe on"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!((700 * MS..820 * MS).contains(&on.0), "{on:?}");
    let off = lines
        .iter()
        .find(|(_, l)| l.starts_with("failsafe off"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!((1500 * MS..1600 * MS).contains(&off.0), "{off:?}");
    assert_eq!(run.end, End::TimeLimit);
}

/// Two machines joined by a `uart_link` (paced at 115200 baud): fmu-m7's heartbeat on
/// LPUART2 reaches gust-f100's USART2, so gust pairs and never reports
/// "no heartbeat peer" (alone it does so at 40 ms and exits).
#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn uart_link_carries_the_fmu_heartbeat_to_gust() {
    let root = root();
    let cm7 = Platform::load(&root, "rt1176-cm7").unwrap();
    let f100 = Platform::load(&root, "stm32f100").unwrap();
    let spec = RunSpec {
        root: root.clone(),
        machines: vec![
            MachineSpec {
                name: "fmu".into(),
                platform: &cm7,
                elf: elf("thumbv7em-none-eabihf", "fmu-m7"),
                core_of: None,
            },
            MachineSpec {
                name: "gust".into(),
                platform: &f100,
                elf: elf("thumbv7m-none-eabi", "gust-f100"),
                core_of: None,
            },
        ],
        links: vec![gale_renode::UartLink {
            from: ("fmu".into(), "LPUART2".into()),
            to: ("gust".into(), "USART2".into()),
            baud: 115_200,
            faults: vec![],
        }],
        inputs: vec![],
        time_limit: 150_000_000,
        out_dir: root.join("target/gale-renode-tests/uart-link"),
        wall_limit: Duration::from_secs(600),
    };
    let runs = gale_renode::run(&renode(), &spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(runs.len(), 2);
    let (fmu, gust) = (&runs[0], &runs[1]);
    assert_eq!((fmu.name.as_str(), gust.name.as_str()), ("fmu", "gust"));
    let sent = fmu
        .events
        .iter()
        .filter(|e| e.source == "LPUART2" && matches!(e.kind, EventKind::UartTx { .. }))
        .count();
    assert!(sent > 0, "fmu sent no heartbeat bytes");
    let first_tx = fmu
        .events
        .iter()
        .find(|e| e.source == "LPUART2" && matches!(e.kind, EventKind::UartTx { .. }))
        .unwrap()
        .t;
    let rx: Vec<u64> = gust
        .events
        .iter()
        .filter(|e| e.source == "USART2" && matches!(e.kind, EventKind::UartRx { .. }))
        .map(|e| e.t)
        .collect();
    assert!(!rx.is_empty(), "gust's USART2 received nothing");
    assert!(
        rx[0] >= first_tx + 86_805,
        "first byte arrived at {} ns, sent at {first_tx} ns: less than a byte time at 115200",
        rx[0]
    );
    let lines: Vec<String> = uart_lines(gust, "USART1")
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(
        lines.first().map(String::as_str),
        Some("gust-f100 v0.1.0 boot")
    );
    assert!(lines.iter().any(|l| l == "tick 5"), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("no heartbeat peer")),
        "gust did not hear fmu: {lines:?}"
    );
    assert_eq!(gust.end, End::TimeLimit, "{lines:?}");
    assert!(gust.events.iter().all(|e| e.machine == "gust"));

    // The same wire, disconnected for the whole run: gust is alone again.
    let mut down = spec.clone();
    down.out_dir = root.join("target/gale-renode-tests/uart-link-down");
    down.links[0].faults = vec![gale_renode::LinkFault {
        start: 0,
        end: 150_000_000,
        kind: gale_renode::LinkFaultKind::Disconnect,
    }];
    let runs = gale_renode::run(&renode(), &down).unwrap_or_else(|e| panic!("{e}"));
    let gust = &runs[1];
    assert!(
        !gust
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::UartRx { .. })),
        "bytes crossed a disconnected wire"
    );
    let lines: Vec<String> = uart_lines(gust, "USART1")
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("no heartbeat peer")),
        "{lines:?}"
    );
    assert_eq!(gust.end, End::Exit(0));
}

/// The same run twice gives the same records, byte for byte (serial
/// execution, fixed quantum, advance immediately, fixed seed).
#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn runs_are_repeatable() {
    let root = root();
    let mut texts = Vec::new();
    for i in 0..2 {
        let (run, _) = run_one(
            &format!("repeat-{i}"),
            "stm32f100",
            "thumbv7m-none-eabi",
            "gust-f100",
            50,
        );
        assert_eq!(run.end, End::Exit(0));
        let path = root.join(format!("target/gale-renode-tests/repeat-{i}/m.events"));
        texts.push(std::fs::read_to_string(path).unwrap());
    }
    assert!(texts[0].lines().count() > 100, "{}", texts[0]);
    assert_eq!(texts[0], texts[1], "two runs differ");
}
