//! Faults a scenario injects into devices at given virtual times.

use crate::{Signal, Time};
use gale_trace::Nanos;
use schemars::JsonSchema;
use serde::Deserialize;

/// When a fault acts: from `at` for `for` (default: to the end of the run).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub at: Time,
    pub duration: Option<Time>,
}

impl Window {
    pub fn end(&self) -> Nanos {
        self.duration
            .map(|d| self.at.0.saturating_add(d.0))
            .unwrap_or(Nanos::MAX)
    }
    pub fn contains(&self, t: Nanos) -> bool {
        self.at.0 <= t && t < self.end()
    }
}

/// A fault on one device.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultDef {
    /// The input holds `value` (or its value at `at`) for the window.
    Stuck {
        device: String,
        signal: Option<String>,
        value: Option<f64>,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// The input jumps to `value` for the window (default 1ms).
    Spike {
        device: String,
        signal: Option<String>,
        value: f64,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// Seeded Gaussian noise with `stddev` added to the input.
    NoiseBurst {
        device: String,
        signal: Option<String>,
        stddev: f64,
        #[serde(default)]
        seed: u64,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// I2C: the device NAKs its address (a dropout).
    #[serde(alias = "dropout")]
    Nak {
        device: String,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// The device is gone from its bus.
    Disconnect {
        device: String,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// One bit of every byte the device sends is inverted.
    BitFlip {
        device: String,
        bit: u8,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// Frames the device sends carry a wrong checksum.
    BadChecksum {
        device: String,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
    /// UART bytes the device sends arrive with a framing error.
    FramingError {
        device: String,
        at: Time,
        #[serde(rename = "for")]
        duration: Option<Time>,
    },
}

const DEFAULT_SPIKE: Nanos = 1_000_000;

impl FaultDef {
    pub fn kind(&self) -> &'static str {
        match self {
            FaultDef::Stuck { .. } => "stuck",
            FaultDef::Spike { .. } => "spike",
            FaultDef::NoiseBurst { .. } => "noise_burst",
            FaultDef::Nak { .. } => "nak",
            FaultDef::Disconnect { .. } => "disconnect",
            FaultDef::BitFlip { .. } => "bit_flip",
            FaultDef::BadChecksum { .. } => "bad_checksum",
            FaultDef::FramingError { .. } => "framing_error",
        }
    }

    pub fn device(&self) -> &str {
        match self {
            FaultDef::Stuck { device, .. }
            | FaultDef::Spike { device, .. }
            | FaultDef::NoiseBurst { device, .. }
            | FaultDef::Nak { device, .. }
            | FaultDef::Disconnect { device, .. }
            | FaultDef::BitFlip { device, .. }
            | FaultDef::BadChecksum { device, .. }
            | FaultDef::FramingError { device, .. } => device,
        }
    }

    /// The input a value fault acts on (`None`: all the device's inputs).
    pub fn signal(&self) -> Option<&str> {
        match self {
            FaultDef::Stuck { signal, .. }
            | FaultDef::Spike { signal, .. }
            | FaultDef::NoiseBurst { signal, .. } => signal.as_deref(),
            _ => None,
        }
    }

    pub fn window(&self) -> Window {
        match self {
            FaultDef::Spike { at, duration, .. } => Window {
                at: *at,
                duration: Some(duration.unwrap_or(Time(DEFAULT_SPIKE))),
            },
            FaultDef::Stuck { at, duration, .. }
            | FaultDef::NoiseBurst { at, duration, .. }
            | FaultDef::Nak { at, duration, .. }
            | FaultDef::Disconnect { at, duration, .. }
            | FaultDef::BitFlip { at, duration, .. }
            | FaultDef::BadChecksum { at, duration, .. }
            | FaultDef::FramingError { at, duration, .. } => Window {
                at: *at,
                duration: *duration,
            },
        }
    }

    /// Whether this fault changes an input value (vs. bus behaviour).
    pub fn is_value_fault(&self) -> bool {
        matches!(
            self,
            FaultDef::Stuck { .. } | FaultDef::Spike { .. } | FaultDef::NoiseBurst { .. }
        )
    }

    /// The bus-level fault for the device model, if this is one.
    pub fn bus_fault(&self) -> Option<gale_models::fault::FaultWindow> {
        use gale_models::fault::BusFault;
        let fault = match self {
            FaultDef::Nak { .. } => BusFault::Nak,
            FaultDef::Disconnect { .. } => BusFault::Disconnect,
            FaultDef::BitFlip { bit, .. } => BusFault::BitFlip { bit: *bit },
            FaultDef::BadChecksum { .. } => BusFault::BadChecksum,
            FaultDef::FramingError { .. } => BusFault::FramingError,
            _ => return None,
        };
        let w = self.window();
        Some(gale_models::fault::FaultWindow {
            start: w.at.0,
            end: w.end(),
            fault,
        })
    }
}

/// An input signal with the value faults that act on it applied.
pub struct FaultedSignal {
    base: Signal,
    faults: Vec<(ValueFault, Window)>,
}

enum ValueFault {
    Hold(f64),
    Replace(f64),
    Noise { stddev: f64, seed: u64 },
}

impl FaultedSignal {
    /// `faults`: every fault of the scenario that targets this input.
    pub fn new(base: Signal, faults: &[&FaultDef]) -> Self {
        let faults = faults
            .iter()
            .filter_map(|f| {
                let w = f.window();
                let v = match f {
                    FaultDef::Stuck { value, .. } => {
                        ValueFault::Hold(value.unwrap_or_else(|| base.value(w.at.0)))
                    }
                    FaultDef::Spike { value, .. } => ValueFault::Replace(*value),
                    FaultDef::NoiseBurst { stddev, seed, .. } => ValueFault::Noise {
                        stddev: *stddev,
                        seed: *seed,
                    },
                    _ => return None,
                };
                Some((v, w))
            })
            .collect();
        FaultedSignal { base, faults }
    }

    pub fn value(&self, t: Nanos) -> f64 {
        let mut v = self.base.value(t);
        for (f, w) in &self.faults {
            if !w.contains(t) {
                continue;
            }
            v = match f {
                ValueFault::Hold(x) | ValueFault::Replace(x) => *x,
                ValueFault::Noise { stddev, seed } => {
                    v + stddev * crate::signal::gaussian(*seed, t / 1_000_000)
                }
            };
        }
        v
    }
}

impl gale_models::bus::Source for FaultedSignal {
    fn value(&self, t: Nanos) -> f64 {
        FaultedSignal::value(self, t)
    }
}
