//! Hostile platform inputs (issue #15): overlays naming host files, FIFOs,
//! xz bombs, SVD clusters nested to overflow the stack, memories in the
//! wrong places, exponential exclusion patterns. Each is a clear error
//! naming the file and the fix, never a crash or a hang.

mod common;
use common::{fixture_text, mini};
use gale_platform::{overlay::pattern_matches, svd_load, Platform, PlatformError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A scratch repository (platforms/ + svd/) under cargo's target/tmp.
fn scratch_repo(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-platform")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("platforms")).unwrap();
    std::fs::create_dir_all(d.join("svd")).unwrap();
    d
}

/// `platforms/evil.toml`: the mini overlay pointing at `svd`.
fn evil_overlay(repo: &Path, svd: &str) {
    let text = fixture_text("mini.toml")
        .replace("name = \"mini\"", "name = \"evil\"")
        .replace("svd = \"mini.svd\"", &format!("svd = \"{svd}\""));
    std::fs::write(repo.join("platforms/evil.toml"), text).unwrap();
}

fn load_err(repo: &Path) -> String {
    match Platform::load(repo, "evil") {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn overlay_svd_paths_outside_the_repository_are_not_read() {
    let repo = scratch_repo("outside");
    std::os::unix::fs::symlink("/etc/passwd", repo.join("svd/link.svd")).unwrap();
    for svd in [
        "/etc/passwd",
        "../../../../../../../../etc/passwd",
        "/proc/self/environ",
        "svd/link.svd",
    ] {
        evil_overlay(&repo, svd);
        let msg = load_err(&repo);
        assert!(
            msg.contains("evil.toml") && msg.contains("Fix:"),
            "{svd}: {msg}"
        );
        assert!(
            msg.contains("outside the repository") || msg.contains("absolute path"),
            "{svd}: {msg}"
        );
        assert!(
            !msg.contains("root:") && !msg.contains("PATH="),
            "{svd}: host content echoed: {msg}"
        );
    }
}

#[test]
fn fifos_and_devices_are_not_opened() {
    let repo = scratch_repo("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(repo.join("svd/pipe.svd"))
        .status()
        .unwrap()
        .success());
    evil_overlay(&repo, "svd/pipe.svd");
    let msg = load_err(&repo);
    assert!(msg.contains("not a regular file"), "{msg}");
    assert!(svd_load::read_svd_text(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string()
        .contains("not a regular file"));
}

#[test]
fn an_xz_bomb_is_refused_at_the_cap() {
    let repo = scratch_repo("bomb");
    let path = repo.join("svd/bomb.svd.xz");
    let mut enc = xz2::write::XzEncoder::new(std::fs::File::create(&path).unwrap(), 1);
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..(gale_platform::MAX_SVD_TEXT_BYTES >> 20) + 2 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap();
    let e = svd_load::read_svd_text(&path).unwrap_err();
    assert!(matches!(e, PlatformError::Decompress { .. }), "{e:?}");
    assert!(e.to_string().contains("expands past"), "{e}");
}

#[test]
fn clusters_nested_1500_deep_are_an_error_not_a_stack_overflow() {
    let depth = 1500;
    let mut nest = String::new();
    for i in 0..depth {
        nest += &format!("<cluster><name>C{i}</name><addressOffset>0x0</addressOffset>");
    }
    nest += "<register><name>R</name><addressOffset>0x0</addressOffset></register>";
    nest += &"</cluster>".repeat(depth);
    let svd = fixture_text("mini.svd").replacen(
        "        <cluster>",
        &format!("{nest}\n        <cluster>"),
        1,
    );
    // A thread with a 2 MiB stack, like the runner's and the test harness's.
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            mini(&svd, &fixture_text("mini.toml"))
                .err()
                .map(|e| e.to_string())
        })
        .unwrap()
        .join()
        .unwrap();
    let msg = r.expect("accepted");
    assert!(
        msg.contains("mini.svd") && msg.contains("nest more than"),
        "{msg}"
    );
}

fn overlay_err(from: &str, to: &str) -> String {
    let overlay = fixture_text("mini.toml");
    assert!(overlay.contains(from), "fixture changed: {from}");
    match mini(&fixture_text("mini.svd"), &overlay.replace(from, to)) {
        Ok(_) => panic!("accepted {to}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn memories_must_be_page_aligned_below_4_gib_and_clear_of_the_scs() {
    let m = overlay_err(
        "base = 0x2000_0000\nsize = 0x4000",
        "base = 0x2000_0100\nsize = 0x4000",
    );
    assert!(
        m.contains("not 4 KiB aligned") && m.contains("mini.toml"),
        "{m}"
    );
    let m = overlay_err(
        "base = 0x2000_0000\nsize = 0x4000",
        "base = 0x2000_0000\nsize = 0x4010",
    );
    assert!(m.contains("multiple of 4 KiB"), "{m}");
    let m = overlay_err(
        "base = 0x2000_0000\nsize = 0x4000",
        "base = 0xe000_0000\nsize = 0x4000",
    );
    assert!(m.contains("System Control Space"), "{m}");
    let m = overlay_err(
        "base = 0x2000_0000\nsize = 0x4000",
        "base = 0xffff_f000\nsize = 0x2000",
    );
    assert!(m.contains("past 4 GiB"), "{m}");
    let m = overlay_err("aliases = [0x0]", "aliases = [0xe000_e000]");
    assert!(
        m.contains("alias") && m.contains("System Control Space"),
        "{m}"
    );
}

#[test]
fn exclusion_patterns_match_in_linear_time() {
    let pattern = format!("{}Z", "*".repeat(120));
    let t0 = Instant::now();
    assert!(!pattern_matches(&pattern, "LPUART1_AND_SOME_LONGER_NAME"));
    assert!(pattern_matches(&pattern, "LPUART1Z"));
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "took {:?}",
        t0.elapsed()
    );
    let t0 = Instant::now();
    let m = overlay_err(
        "exclude = [\"SCS\"]",
        &format!("exclude = [\"SCS\", \"{pattern}\"]"),
    );
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "took {:?}: {m}",
        t0.elapsed()
    );
}

#[test]
fn platform_names_that_are_paths_are_unknown_platforms() {
    let repo = scratch_repo("names");
    // An overlay outside platforms/ that a path-like name would reach.
    let text = fixture_text("mini.toml").replace("name = \"mini\"", "name = \"x\"");
    std::fs::write(repo.join("svd/x.toml"), text).unwrap();
    for name in ["../svd/x", "../../etc/passwd", "/etc/passwd", "a/b"] {
        let e = Platform::load(&repo, name).unwrap_err();
        assert!(
            matches!(e, PlatformError::UnknownPlatform { .. }),
            "{name}: {e}"
        );
    }
}
