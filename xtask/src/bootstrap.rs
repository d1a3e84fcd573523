//! Checks for, and installs, what the project needs on this machine.

use std::path::Path;
use std::process::Command;

/// Whether missing apt packages may be installed.
#[derive(Clone, Copy)]
pub struct Policy {
    install_apt: bool,
    use_sudo: bool,
}

impl Policy {
    /// Root installs; `--yes` allows installing through sudo otherwise.
    pub fn from_flag(yes: bool) -> Policy {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.trim_ascii() == b"0")
            .unwrap_or(false);
        Policy {
            install_apt: root || yes,
            use_sudo: !root,
        }
    }
}

/// One system dependency: the apt package that provides it and how to tell
/// it is already there (a command on PATH, or else the package database).
pub struct Tool {
    apt: &'static str,
    command: Option<&'static str>,
}

const CMAKE: Tool = Tool {
    apt: "cmake",
    command: Some("cmake"),
};
const LIBCLANG: Tool = Tool {
    apt: "libclang-dev",
    command: None,
};
const QEMU: Tool = Tool {
    apt: "qemu-system-arm",
    command: Some("qemu-system-arm"),
};
const PYTHON: Tool = Tool {
    apt: "python3",
    command: Some("python3"),
};
const PIP: Tool = Tool {
    apt: "python3-pip",
    command: Some("pip3"),
};

/// What one command needs.
pub struct Needs {
    tools: &'static [Tool],
}

impl Needs {
    /// Building and running the engine: unicorn's C build needs cmake and libclang.
    pub const ENGINE: Needs = Needs {
        tools: &[CMAKE, LIBCLANG],
    };
    /// Everything the tests and benchmarks use (QEMU is the engine's oracle).
    pub const ALL: Needs = Needs {
        tools: &[CMAKE, LIBCLANG, QEMU],
    };
    /// `svd refresh` runs a python3 script that calls pip.
    pub const SVD: Needs = Needs {
        tools: &[PYTHON, PIP],
    };
}

pub fn ensure(needs: &Needs, policy: Policy) -> Result<(), String> {
    ensure_targets()?;
    ensure_apt(needs.tools, policy)
}

/// Adds the rustup targets rust-toolchain.toml lists but are not installed.
fn ensure_targets() -> Result<(), String> {
    let root = crate::run::repo_root();
    let toolchain = std::fs::read_to_string(root.join("rust-toolchain.toml"))
        .map_err(|e| format!("cannot read rust-toolchain.toml: {e}"))?;
    let wanted = toml_string_array(&toolchain, "targets");
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(&root)
        .output()
        .map_err(|e| format!("rustup is needed to add the thumbv7 targets but could not run ({e}); install it from your distribution or rustup.rs"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: adding rustup targets: {}", missing.join(" "));
    crate::run::status(
        Command::new("rustup")
            .args(["target", "add"])
            .args(&missing)
            .current_dir(&root),
    )
}

/// The strings of `key = ["a", "b"]` in a small TOML file (no TOML crate:
/// xtask stays dependency-light, and rust-toolchain.toml is simple).
fn toml_string_array(text: &str, key: &str) -> Vec<String> {
    let Some(line) = text
        .lines()
        .find(|l| l.trim_start().starts_with(key) && l.contains('['))
    else {
        return Vec::new();
    };
    let inner = line.split_once('[').map(|(_, r)| r).unwrap_or("");
    let inner = inner.split_once(']').map(|(l, _)| l).unwrap_or(inner);
    inner
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn present(tool: &Tool) -> bool {
    if let Some(cmd) = tool.command {
        return which(cmd);
    }
    if std::env::var_os("LIBCLANG_PATH").is_some() {
        return true;
    }
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", tool.apt])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        // No dpkg (not Debian-like): a libclang under the usual LLVM prefix will do.
        .unwrap_or_else(|_| Path::new("/usr/lib/llvm-14").exists())
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

fn ensure_apt(tools: &[Tool], policy: Policy) -> Result<(), String> {
    let missing: Vec<&str> = tools
        .iter()
        .filter(|t| !present(t))
        .map(|t| t.apt)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let cmd = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !policy.install_apt {
        return Err(format!(
            "missing system packages: {}.\nInstall them with:\n    sudo sh -c '{cmd}'\nor let xtask do it: cargo xtask --yes <command>",
            missing.join(", ")
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let mut c = if policy.use_sudo {
        let mut c = Command::new("sudo");
        c.args(["sh", "-c", &cmd]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &cmd]);
        c
    };
    c.env("DEBIAN_FRONTEND", "noninteractive");
    crate::run::status(&mut c).map_err(|e| format!("{e}\n(the command was: {cmd})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_targets_from_toolchain_file() {
        let t = "[toolchain]\nchannel = \"1.95.0\"\ntargets = [\"thumbv7m-none-eabi\", \"wasm32-unknown-unknown\"]\n";
        assert_eq!(
            toml_string_array(t, "targets"),
            vec!["thumbv7m-none-eabi", "wasm32-unknown-unknown"]
        );
        assert!(toml_string_array(t, "components").is_empty());
    }
}
