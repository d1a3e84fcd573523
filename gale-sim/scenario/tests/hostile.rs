//! Hostile scenarios (issue #15): names that would become paths, files
//! outside the project, FIFOs and devices, huge columns and literals. Each
//! is a located error, never a panic, and never echoes a host file.

// Helpers return Diagnostic, as the crate does (see its lib.rs).
#![allow(clippy::result_large_err)]

use gale_scenario::{Diagnostic, Scenario};
use std::path::{Path, PathBuf};

const GOOD: &str = "\
name: t
machines:
  gust:
    board: stm32f100
    image: gust-f100
time_limit: 20ms
";

fn err(text: &str) -> Diagnostic {
    Scenario::parse(Path::new("scenarios/t.yaml"), text.to_string())
        .expect_err("scenario should be rejected")
}

/// A scratch folder inside the project (cargo's target/tmp), so the project
/// root above it is the repository.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-scenario")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn with_csv(file: &str) -> String {
    format!(
        "{GOOD}devices:\n  imu:\n    type: icm42688\n    bus: LPSPI1\n    cs: 0\n    signals:\n      accel_z: {{ csv: {{ file: '{file}', column: a }} }}\n"
    )
    .replace("board: stm32f100", "board: rt1176-cm7")
}

fn load(dir: &Path, text: &str) -> Result<Scenario, Diagnostic> {
    let p = dir.join("s.yaml");
    std::fs::write(&p, text).unwrap();
    Scenario::load(&p)
}

#[test]
fn scenario_names_that_are_paths_are_rejected_at_their_line() {
    for bad in ["../../escaped", "/tmp/abs", "a/b", "..", ".hidden"] {
        let d = err(&GOOD.replace("name: t", &format!("name: '{bad}'")));
        assert_eq!(d.line, Some(1), "{bad}: {d}");
        assert!(d.message.contains("scenario name"), "{d}");
        assert!(
            d.help.as_deref().unwrap().contains("letters, digits"),
            "{d}"
        );
    }
}

#[test]
fn machine_names_that_are_paths_are_rejected_at_their_key() {
    let d = err(&GOOD.replace("  gust:", "  'x/../../escaped':"));
    assert_eq!((d.line, d.column), (Some(3), Some(3)), "{d}");
    assert!(d.message.contains("machine name"), "{d}");
}

#[test]
fn a_name_over_65535_characters_is_an_error_not_a_panic() {
    let long = "n".repeat(70_000);
    let d = err(&GOOD.replace("name: t", &format!("name: {long}")));
    assert!(
        d.message.contains("70000 characters"),
        "{}",
        &d.message[..200.min(d.message.len())]
    );
    let shown = d.to_string();
    assert!(
        shown.len() < 2_000,
        "the diagnostic repeats the huge name: {} bytes",
        shown.len()
    );
    let d = err(&GOOD.replace("  gust:", &format!("  {long}:")));
    assert!(d.to_string().len() < 2_000);
}

#[test]
fn a_column_over_65535_formats_without_panicking() {
    let pad = " ".repeat(70_000);
    let d = err(&GOOD.replace("time_limit: 20ms", &format!("time_limit: {pad}20")));
    assert!(d.column.unwrap() > 65_535, "{:?}", d.column);
    let text = d.to_string();
    assert!(
        text.contains("beyond the part of the line shown"),
        "{}",
        &text[..400.min(text.len())]
    );
    // Directly, as the runner formats any diagnostic.
    let d = Diagnostic::at(Path::new("x.yaml"), "short", 1, 100_000, "m");
    assert!(d.to_string().contains("x.yaml:1:100000"));
}

#[test]
fn a_time_literal_that_overflows_is_out_of_range() {
    let d = err(&GOOD.replace("20ms", "340282366920938463463374607431.999999999s"));
    assert_eq!(d.line, Some(6), "{d}");
    assert!(d.message.contains("out of range"), "{d}");
}

#[test]
fn negative_noise_stddev_is_rejected() {
    let text = with_csv("x.csv").replace(
        "{ csv: { file: 'x.csv', column: a } }",
        "{ noise: { stddev: -1.0, seed: 3 } }",
    );
    let d = err(&text);
    assert!(d.message.contains("stddev"), "{d}");
    assert_eq!(d.line, Some(13), "{d}");
    let inside_sum = text.replace(
        "{ noise: { stddev: -1.0, seed: 3 } }",
        "{ sum: [ { constant: 1 }, { noise: { stddev: -0.5, seed: 3 } } ] }",
    );
    assert!(err(&inside_sum).message.contains("stddev"));
}

#[test]
fn csv_files_outside_the_project_are_not_read_or_echoed() {
    let dir = scratch("outside");
    for file in [
        "/etc/passwd",
        "/proc/self/environ",
        "/dev/zero",
        "../../../../../../../../etc/passwd",
    ] {
        let d = load(&dir, &with_csv(file)).expect_err(file);
        let text = d.to_string();
        assert!(text.contains("cannot read CSV"), "{file}: {text}");
        assert!(
            !text.contains("root:") && !text.contains("PATH="),
            "{file}: host content echoed: {text}"
        );
        assert_eq!(
            d.file,
            dir.join("s.yaml"),
            "{file}: the error must point at the scenario"
        );
    }
}

#[test]
fn symlinks_out_of_the_project_are_refused() {
    let dir = scratch("symlink");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link.csv")).unwrap();
    let d = load(&dir, &with_csv("link.csv")).expect_err("symlink to /etc/passwd");
    assert!(d.message.contains("outside the project"), "{d}");
    assert!(!d.to_string().contains("root:"), "{d}");
}

#[test]
fn fifos_and_oversized_csvs_are_refused() {
    let dir = scratch("special");
    let fifo = dir.join("pipe.csv");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let d =
        load(&dir, &with_csv("pipe.csv")).expect_err("a FIFO must not be opened (it would block)");
    assert!(d.message.contains("not a regular file"), "{d}");
    let big = std::fs::File::create(dir.join("big.csv")).unwrap();
    big.set_len(gale_scenario::project::MAX_INPUT_BYTES + 1)
        .unwrap();
    let d = load(&dir, &with_csv("big.csv")).expect_err("oversized");
    assert!(d.message.contains("at most"), "{d}");
}

#[test]
fn a_project_csv_parse_error_echoes_a_capped_escaped_line() {
    let dir = scratch("echo");
    let line = format!("0ms,\x1b[31m{}", "9".repeat(5_000));
    std::fs::write(dir.join("d.csv"), format!("t,a\n{line}x\n")).unwrap();
    let d = load(&dir, &with_csv("d.csv")).expect_err("not a number");
    assert_eq!(d.line, Some(2), "{d}");
    let text = d.to_string();
    assert!(
        !text.contains('\x1b'),
        "raw escape sequence printed: {text:?}"
    );
    assert!(text.contains("\\x1b"), "{text}");
    assert!(text.len() < 1_000, "{} bytes", text.len());
}

#[test]
fn elf_paths_outside_the_project_are_rejected() {
    let dir = scratch("elf");
    let text = GOOD.replace(
        "    image: gust-f100",
        "    image: gust-f100\n    elf: /bin/sh",
    );
    let d = load(&dir, &text).expect_err("absolute elf");
    assert_eq!(d.line, Some(6), "{d}");
    assert!(d.message.contains("firmware ELF"), "{d}");
    assert!(std::process::Command::new("mkfifo")
        .arg(dir.join("fw.elf"))
        .status()
        .unwrap()
        .success());
    let d = load(
        &dir,
        &GOOD.replace(
            "    image: gust-f100",
            "    image: gust-f100\n    elf: fw.elf",
        ),
    )
    .expect_err("a FIFO as the ELF");
    assert!(d.message.contains("not a regular file"), "{d}");
}

#[test]
fn csv_inside_the_project_still_loads() {
    let dir = scratch("good");
    std::fs::write(dir.join("d.csv"), "t,a\n0ms,1\n10ms,2\n").unwrap();
    let s = load(&dir, &with_csv("d.csv")).unwrap();
    assert_eq!(
        s.project_root(),
        gale_scenario::project::find_root(&dir.join("s.yaml"))
    );
    assert!(
        s.project_root().join("firmware/Cargo.toml").is_file(),
        "{}",
        s.project_root().display()
    );
}
