//! The scenario file's data model (what `serde_yaml` deserialises into).
//! Keep docs/scenarios.md in step with this file.

use crate::{DeviceDef, FaultDef, Pattern, Time};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
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
    /// Sensors attached to the machines' buses, by device name.
    #[serde(
        default,
        deserialize_with = "serde_yaml::with::singleton_map_recursive::deserialize"
    )]
    #[schemars(with = "BTreeMap<String, DeviceDef>")]
    pub devices: BTreeMap<String, DeviceDef>,
    /// Faults injected into devices at given times.
    #[serde(
        default,
        deserialize_with = "serde_yaml::with::singleton_map_recursive::deserialize"
    )]
    #[schemars(with = "Vec<FaultDef>")]
    pub faults: Vec<FaultDef>,
    /// What must hold for the scenario to PASS.
    #[serde(
        default,
        deserialize_with = "serde_yaml::with::singleton_map_recursive::deserialize"
    )]
    #[schemars(with = "Vec<Expect>")]
    pub expect: Vec<Expect>,
    /// What the trace records beyond bus-level events.
    #[serde(default)]
    pub trace: TraceOptions,
}

/// One machine: which board platform and which firmware image.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MachineDef {
    /// A platform in `platforms/` (`stm32f100`, `rt1176-cm7`, `rt1176-cm4`).
    pub board: String,
    /// A firmware image in `firmware/boards/` (built when stale).
    pub image: String,
    /// Run this ELF instead of building `image` (relative to the scenario file).
    #[serde(default)]
    pub elf: Option<PathBuf>,
    /// Run this machine as another core of the named machine's chip (the
    /// RT1176 CM4 beside its CM7): the two share the memories their
    /// platforms mark `shared` and the Messaging Unit. Both boards must
    /// name the same `soc`.
    #[serde(default)]
    pub chip: Option<String>,
}

/// Extra detail the trace records (bus-level events are always recorded).
#[derive(Debug, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Deserialize, JsonSchema)]
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
    /// A field of decoded telemetry frames is within bounds.
    Telemetry(TelemetryExpect),
    /// A decoded log line (defmt or plain RTT text) matches `line`.
    Log(LogExpect),
    /// A GPIO pin (or PWM channel) is at a level.
    Gpio(GpioExpect),
}

impl Expect {
    /// The key that names this kind in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            Expect::Uart(_) => "uart",
            Expect::Console(_) => "console",
            Expect::Exit(_) => "exit",
            Expect::NoFault(_) => "no_fault",
            Expect::Telemetry(_) => "telemetry",
            Expect::Log(_) => "log",
            Expect::Gpio(_) => "gpio",
        }
    }

    /// The virtual times the expectation names, by key, in the order
    /// `after`, `at`, `by`, `before`, `from`, `until` (absent keys left out).
    pub fn times(&self) -> Vec<(&'static str, Time)> {
        const KEYS: [&str; 6] = ["after", "at", "by", "before", "from", "until"];
        let w: [Option<Time>; 6] = match self {
            Expect::Uart(e) => [e.after, None, None, e.before, None, None],
            Expect::Console(e) => [e.after, None, None, e.before, None, None],
            Expect::Exit(e) => [e.after, None, None, e.before, None, None],
            Expect::NoFault(_) => [None; 6],
            Expect::Telemetry(e) => [e.after, e.at, e.by, None, e.from, e.until],
            Expect::Log(e) => [e.after, None, None, e.before, None, None],
            Expect::Gpio(e) => [e.after, e.at, e.by, None, None, None],
        };
        KEYS.into_iter()
            .zip(w)
            .filter_map(|(k, t)| t.map(|t| (k, t)))
            .collect()
    }

    /// The machine named by the expectation, if any.
    pub fn machine(&self) -> Option<&str> {
        match self {
            Expect::Uart(e) => e.machine.as_deref(),
            Expect::Console(e) => e.machine.as_deref(),
            Expect::Exit(e) => e.machine.as_deref(),
            Expect::NoFault(e) => e.machine.as_deref(),
            Expect::Telemetry(e) => e.machine.as_deref(),
            Expect::Log(e) => e.machine.as_deref(),
            Expect::Gpio(e) => e.machine.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleExpect {
    pub machine: Option<String>,
    pub line: Pattern,
    /// The line must be complete by this virtual time.
    #[serde(default)]
    pub before: Option<Time>,
    /// The line must start at or after this virtual time.
    #[serde(default)]
    pub after: Option<Time>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitExpect {
    pub machine: Option<String>,
    pub code: i32,
    /// The exit must happen by this virtual time.
    #[serde(default)]
    pub before: Option<Time>,
    /// The exit must happen at or after this virtual time.
    #[serde(default)]
    pub after: Option<Time>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoFaultExpect {
    pub machine: Option<String>,
}

/// Bounds on one telemetry field, checked at one time, by a time, or over a
/// window. Give `value` with `tolerance`, or `min` and/or `max`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryExpect {
    pub machine: Option<String>,
    /// The UART carrying telemetry frames (`LPUART1`).
    pub port: String,
    /// `sample` (default) or `heartbeat`.
    #[serde(default = "default_message")]
    pub message: String,
    /// A field name (see docs/scenarios.md), e.g. `accel_mg.z`.
    pub field: String,
    pub value: Option<f64>,
    pub tolerance: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The last frame at or before this time must be within bounds.
    pub at: Option<Time>,
    /// Some frame before this time must be within bounds.
    pub by: Option<Time>,
    /// Every frame from this time (and until `until`, default: the end) must
    /// be within bounds; there must be at least one.
    pub from: Option<Time>,
    pub until: Option<Time>,
    /// With `at` or `by`: only frames at or after this time count (so a
    /// boot frame cannot satisfy a check about later behaviour).
    pub after: Option<Time>,
}

fn default_message() -> String {
    "sample".into()
}

impl TelemetryExpect {
    /// The accepted closed interval.
    pub fn bounds(&self) -> (f64, f64) {
        match (self.value, self.tolerance) {
            (Some(v), t) => {
                let t = t.unwrap_or(0.0).abs();
                (v - t, v + t)
            }
            (None, _) => (
                self.min.unwrap_or(f64::NEG_INFINITY),
                self.max.unwrap_or(f64::INFINITY),
            ),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogExpect {
    pub machine: Option<String>,
    pub line: Pattern,
    /// Only lines at this level (`error`, `warn`, `info`, `debug`, `trace`, `print`).
    pub level: Option<String>,
    #[serde(default)]
    pub before: Option<Time>,
    #[serde(default)]
    pub after: Option<Time>,
    /// `true`: no such line may appear (in the window).
    #[serde(default)]
    pub absent: bool,
}

/// A pin level.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PinLevel {
    Low,
    High,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpioExpect {
    pub machine: Option<String>,
    /// Pin as the trace names it (`PB0`, `GPIO3.4`, `TIM3.CH1`).
    pub pin: String,
    pub level: PinLevel,
    /// The pin is at `level` at this time.
    pub at: Option<Time>,
    /// The pin reaches `level` at some time in [`after`, `by`].
    pub by: Option<Time>,
    #[serde(default)]
    pub after: Option<Time>,
}
