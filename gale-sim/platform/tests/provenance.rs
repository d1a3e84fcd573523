//! The committed SVDs match svd/provenance.toml, and the refresh script
//! fails on a checksum mismatch (checked offline with `--check`).

mod common;
use common::repo_root;
use std::process::Command;

fn check(svd_dir: &std::path::Path) -> std::process::Output {
    Command::new("python3")
        .arg(svd_dir.join("refresh.py"))
        .arg("--check")
        .output()
        .expect("python3 is needed for svd/refresh.py")
}

#[test]
fn committed_svds_match_provenance() {
    let out = check(&repo_root().join("svd"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checksum_mismatch_fails() {
    let src = repo_root().join("svd");
    let dir = std::env::temp_dir().join(format!("gale-svd-check-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("licenses")).unwrap();
    for entry in std::fs::read_dir(&src)
        .unwrap()
        .chain(std::fs::read_dir(src.join("licenses")).unwrap())
    {
        let path = entry.unwrap().path();
        if path.is_file() {
            let rel = path.strip_prefix(&src).unwrap();
            std::fs::copy(&path, dir.join(rel)).unwrap();
        }
    }
    let prov = std::fs::read_to_string(dir.join("provenance.toml")).unwrap();
    let pinned = "26e5f908c949dee232c32156f084e96437d29e734397370e2e24af0f786d751b";
    assert!(
        prov.contains(pinned),
        "STM32F100xx sha256 changed; update this test"
    );
    std::fs::write(
        dir.join("provenance.toml"),
        prov.replace(pinned, &"0".repeat(64)),
    )
    .unwrap();
    let out = check(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success(), "a wrong checksum was accepted");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("STM32F100xx.svd.xz") && err.contains("svd refresh"),
        "{err}"
    );
}
