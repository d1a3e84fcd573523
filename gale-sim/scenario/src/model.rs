//! The scenario file's data model (what `serde_yaml` deserialises into).
//! Keep docs/scenarios.md in step with this file.

use crate::{Pattern, Time};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDef {
    /// Defaults to the file stem.
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The machines (one core of one board each), by name. Names appear in
    /// trace lines (`gust/USART1`) and expectations.
    pub machines: BTreeMap<String, MachineDef>,
    /// The run ends at this virtual time if nothing ended it before.
    pub time_limit: Time,
    /// Optional cap on retired instructions per machine (a hang guard).
    #[serde(default)]
    pub instruction_limit: Option<u64>,
    /// What must hold for the scenario to PASS.
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    pub expect: Vec<Expect>,
    /// What the trace records beyond bus-level events.
    #[serde(default)]
    pub trace: TraceOptions,
}

/// One machine: which board platform and which firmware image.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineDef {
    /// A platform in `platforms/` (`stm32f100`, `rt1176-cm7`, `rt1176-cm4`).
    pub board: String,
    /// A firmware image in `firmware/boards/` (built when stale).
    pub image: String,
    /// Run this ELF instead of building `image` (relative to the scenario file).
    #[serde(default)]
    pub elf: Option<PathBuf>,
}

/// Extra detail the trace records (bus-level events are always recorded).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceOptions {
    /// Exception entry/exit events.
    #[serde(default)]
    pub irqs: bool,
    /// Named accesses to registers no behavioural model claims (SVD fallback).
    #[serde(default)]
    pub registers: bool,
}

/// An expectation on the run.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// A line on a UART's transmit side matches `line`.
    Uart(UartExpect),
    /// A semihosting console line matches `line`.
    Console(ConsoleExpect),
    /// The firmware exits with `code` (semihosting exit).
    Exit(ExitExpect),
    /// The machine reports no fault during the run.
    NoFault(NoFaultExpect),
}

impl Expect {
    /// The key that names this kind in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            Expect::Uart(_) => "uart",
            Expect::Console(_) => "console",
            Expect::Exit(_) => "exit",
            Expect::NoFault(_) => "no_fault",
        }
    }

    /// The machine named by the expectation, if any.
    pub fn machine(&self) -> Option<&str> {
        match self {
            Expect::Uart(e) => e.machine.as_deref(),
            Expect::Console(e) => e.machine.as_deref(),
            Expect::Exit(e) => e.machine.as_deref(),
            Expect::NoFault(e) => e.machine.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UartExpect {
    pub machine: Option<String>,
    /// The UART instance as named in the SVD (`USART1`, `LPUART2`).
    pub port: String,
    /// A regular expression a whole line (without `\r\n`) must match.
    pub line: Pattern,
    /// The line must be complete by this virtual time.
    #[serde(default)]
    pub before: Option<Time>,
    /// The line must start at or after this virtual time.
    #[serde(default)]
    pub after: Option<Time>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleExpect {
    pub machine: Option<String>,
    pub line: Pattern,
    #[serde(default)]
    pub before: Option<Time>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitExpect {
    pub machine: Option<String>,
    pub code: i32,
    /// The exit must happen by this virtual time.
    #[serde(default)]
    pub before: Option<Time>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFaultExpect {
    pub machine: Option<String>,
}
