//! The gale-sim scenario language.
//!
//! A scenario is one YAML file: the machines (a board's platform plus the
//! firmware image it runs), a virtual-time limit, and expectations on the
//! trace. [`Scenario::load`] parses and validates it; every problem comes
//! back as a [`Diagnostic`] naming the file, line and column, and the fix.
//! [`check::check`] turns a run's trace into a verdict; it is pure, so every
//! backend (built-in engine, Renode, probe-rs) shares one definition of
//! PASS and FAIL.

// A Diagnostic carries the file, the offending source line and a fix, so it
// is large; it is built once per failed load, never on a hot path.
#![allow(clippy::result_large_err)]

pub mod check;
mod device;
mod diagnostic;
mod fault;
mod model;
mod names;
mod pattern;
pub mod project;
pub mod signal;
mod spans;
pub mod telemetry;
mod time;
mod validate;
mod windows;

pub use device::{BusKind, DeviceDef, DeviceKind, Input};
pub use diagnostic::{shown, Diagnostic};
pub use fault::{FaultDef, FaultedSignal, Window};
pub use model::*;
pub use names::{check_file_name, MAX_NAME_LEN};
pub use pattern::Pattern;
pub use signal::{Interpolate, Signal};
pub use spans::SpanIndex;
pub use time::{format_time, parse_time, Time};

use std::path::{Path, PathBuf};

/// A parsed scenario together with its source, for located diagnostics.
#[derive(Debug)]
pub struct Scenario {
    /// The file it came from (as given by the user).
    pub path: PathBuf,
    /// The scenario name: `name:` or the file stem.
    pub name: String,
    pub def: ScenarioDef,
    source: String,
    spans: SpanIndex,
    /// Files the scenario names must lie inside this folder.
    root: PathBuf,
}

impl Scenario {
    /// Reads and parses a scenario file. Files it names must lie inside
    /// the project folder above it ([`project::find_root`]).
    pub fn load(path: &Path) -> Result<Scenario, Diagnostic> {
        Scenario::load_in(path, &project::find_root(path))
    }

    /// [`Scenario::load`] with the folder files it names must lie in.
    pub fn load_in(path: &Path, root: &Path) -> Result<Scenario, Diagnostic> {
        let text = project::read_text(path).map_err(|e| {
            Diagnostic::file(path, format!("cannot read scenario: {e}"))
                .with_help("check the path; `cargo xtask sim run scenarios/` runs every scenario in the folder")
        })?;
        Scenario::parse_in(path, text, root)
    }

    /// Parses scenario text; `path` is used for messages and for resolving
    /// relative paths inside the scenario (which must stay inside the
    /// project folder above it).
    pub fn parse(path: &Path, text: String) -> Result<Scenario, Diagnostic> {
        Scenario::parse_in(path, text, &project::find_root(path))
    }

    /// [`Scenario::parse`] with the folder files it names must lie in.
    pub fn parse_in(path: &Path, text: String, root: &Path) -> Result<Scenario, Diagnostic> {
        let spans = SpanIndex::build(&text).map_err(|(line, col, msg)| {
            Diagnostic::at(path, &text, line, col, format!("invalid YAML: {msg}"))
                .with_help("fix the YAML syntax at this position (indentation, a missing `:` or an unclosed quote)")
        })?;
        if let Some(d) = spans.duplicates().first() {
            return Err(duplicate_key(path, &text, d));
        }
        let def: ScenarioDef =
            serde_yaml::from_str(&text).map_err(|e| from_serde(path, &text, &e))?;

        let name = def.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into())
        });
        let mut scenario = Scenario {
            path: path.to_path_buf(),
            name,
            def,
            source: text,
            spans,
            root: root.to_path_buf(),
        };
        scenario.validate()?;
        Ok(scenario)
    }

    /// A diagnostic pointing at the node at `path` (e.g. `["machines", "gust",
    /// "board"]` or `["expect", "2", "uart", "line"]`); falls back to the
    /// nearest ancestor that exists.
    pub fn error_at(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.spans.locate(path);
        Diagnostic::at(&self.path, &self.source, line, col, message)
    }

    /// The folder every file this scenario names must lie in.
    pub fn project_root(&self) -> &Path {
        &self.root
    }

    /// Resolves a path the scenario gives (relative to the scenario file)
    /// to a file inside the project folder; the message says why not.
    pub fn resolve_input(&self, named: &Path) -> Result<PathBuf, String> {
        project::resolve(&self.root, self.base_dir(), named)
    }

    /// The directory relative paths in this scenario are resolved against.
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The machine an expectation or device refers to: the one named, or the
    /// only machine when the scenario has one.
    pub fn resolve_machine<'a>(&'a self, named: Option<&'a str>) -> Option<&'a str> {
        match named {
            Some(m) => self.def.machines.contains_key(m).then_some(m),
            None if self.def.machines.len() == 1 => {
                self.def.machines.keys().next().map(String::as_str)
            }
            None => None,
        }
    }
}

/// The JSON Schema of the scenario format (published as
/// `scenarios/scenario.schema.json`; a test keeps the file current).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ScenarioDef);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// The help for an unknown enum name, by where in the file it is: serde_yaml
/// starts its message with the path (`devices.imu0.type: unknown variant`).
fn variant_help(msg: &str) -> &'static str {
    let path = msg.split(": ").next().unwrap_or_default();
    if path.starts_with("devices") && path.contains("signals") {
        "use one of the signal forms listed above (docs/scenarios.md, signals)"
    } else if path.starts_with("devices") {
        "use one of the device types listed above (docs/scenarios.md, devices)"
    } else if path.starts_with("faults") {
        "use one of the fault kinds listed above (docs/scenarios.md, faults)"
    } else if path.starts_with("expect") {
        "use one of the expectation kinds listed above (docs/scenarios.md, expect)"
    } else {
        "use one of the names listed above"
    }
}

fn duplicate_key(path: &Path, text: &str, d: &spans::DuplicateKey) -> Diagnostic {
    let key = d.path.rsplit('.').next().unwrap_or(&d.path);
    Diagnostic::at(
        path,
        text,
        d.again.0,
        d.again.1,
        format!(
            "duplicate key `{key}` (`{}` is already given at line {}, column {})",
            d.path, d.first.0, d.first.1
        ),
    )
    .with_help("YAML keeps only one of the two: rename one (e.g. `imu1`) or merge them")
}

fn from_serde(path: &Path, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let msg = e.to_string();
    // serde_yaml appends " at line L column C"; keep the message itself.
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    let help = if msg.contains("unknown field") {
        "remove the key or correct its spelling: the expected keys are listed above"
    } else if msg.contains("missing field") {
        "add the missing key"
    } else if msg.contains("unknown variant") {
        variant_help(&msg)
    } else {
        "see docs/scenarios.md for the scenario format"
    };
    match e.location() {
        Some(loc) => Diagnostic::at(path, text, loc.line(), loc.column(), msg).with_help(help),
        None => Diagnostic::file(path, msg).with_help(help),
    }
}
