//! Scenario signals: scalar inputs over virtual time, evaluated purely
//! (the same time always gives the same value, on every backend).

use crate::Time;
use gale_trace::Nanos;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;

/// How a piecewise signal fills between its points.
#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Interpolate {
    #[default]
    Linear,
    Step,
}

/// A signal definition. Units are the device input's (see docs/scenarios.md).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Signal {
    /// `constant: 9.81`
    Constant(f64),
    /// `ramp: { from: 20, to: 30, start: 0ms, end: 1s }` (holds outside).
    Ramp {
        from: f64,
        to: f64,
        #[serde(default)]
        start: Time,
        end: Time,
    },
    /// `sine: { offset: 0, amplitude: 1, period: 100ms, phase_deg: 0 }`
    Sine {
        #[serde(default)]
        offset: f64,
        amplitude: f64,
        period: Time,
        #[serde(default)]
        phase_deg: f64,
    },
    /// Seeded Gaussian noise, a new sample every `hold` (default 1ms).
    Noise {
        #[serde(default)]
        mean: f64,
        stddev: f64,
        seed: u64,
        #[serde(default)]
        hold: Option<Time>,
    },
    /// `piecewise: { points: [[0ms, 1.0], [100ms, 2.0]], interpolate: step }`
    Piecewise {
        points: Vec<(Time, f64)>,
        #[serde(default)]
        interpolate: Interpolate,
    },
    /// `csv: { file: data/imu.csv, column: accel_z }`: the first column is
    /// the time (with a unit, e.g. `10ms`), the header names the columns.
    /// Loaded when the scenario loads.
    Csv {
        file: PathBuf,
        column: String,
        #[serde(default)]
        interpolate: Interpolate,
        #[serde(skip)]
        #[schemars(skip)]
        points: Vec<(Time, f64)>,
    },
    /// `sum: [ {constant: 9.81}, {noise: {stddev: 0.05, seed: 7}} ]`
    Sum(Vec<Signal>),
}

const DEFAULT_HOLD: Nanos = 1_000_000;

impl Signal {
    /// The value at virtual time `t`.
    pub fn value(&self, t: Nanos) -> f64 {
        match self {
            Signal::Constant(v) => *v,
            Signal::Ramp {
                from,
                to,
                start,
                end,
            } => {
                if t <= start.0 || end.0 <= start.0 {
                    if t >= end.0 {
                        *to
                    } else {
                        *from
                    }
                } else if t >= end.0 {
                    *to
                } else {
                    from + (to - from) * ((t - start.0) as f64 / (end.0 - start.0) as f64)
                }
            }
            Signal::Sine {
                offset,
                amplitude,
                period,
                phase_deg,
            } => {
                let p = period.0.max(1);
                let frac = (t % p) as f64 / p as f64;
                offset + amplitude * (std::f64::consts::TAU * frac + phase_deg.to_radians()).sin()
            }
            Signal::Noise {
                mean,
                stddev,
                seed,
                hold,
            } => {
                let step = t / hold.map(|h| h.0).unwrap_or(DEFAULT_HOLD).max(1);
                mean + stddev * gaussian(*seed, step)
            }
            Signal::Piecewise {
                points,
                interpolate,
            }
            | Signal::Csv {
                points,
                interpolate,
                ..
            } => piecewise(points, *interpolate, t),
            Signal::Sum(parts) => parts.iter().map(|s| s.value(t)).sum(),
        }
    }

    /// Why the parameters make no sense, if they do not (a negative or
    /// non-finite `stddev`).
    pub fn problem(&self) -> Option<String> {
        match self {
            Signal::Noise { stddev, .. } if !(stddev.is_finite() && *stddev >= 0.0) => Some(
                format!("noise `stddev` must be a finite number >= 0, not {stddev}"),
            ),
            Signal::Sum(parts) => parts.iter().find_map(Signal::problem),
            _ => None,
        }
    }

    /// Every CSV signal inside this one (for loading).
    pub(crate) fn csv_parts_mut(&mut self) -> Vec<&mut Signal> {
        match self {
            Signal::Csv { .. } => vec![self],
            Signal::Sum(parts) => parts.iter_mut().flat_map(|p| p.csv_parts_mut()).collect(),
            _ => Vec::new(),
        }
    }
}

fn piecewise(points: &[(Time, f64)], interp: Interpolate, t: Nanos) -> f64 {
    let Some(first) = points.first() else {
        return 0.0;
    };
    if t <= first.0 .0 {
        return first.1;
    }
    for w in points.windows(2) {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        if t < t1.0 {
            return match interp {
                Interpolate::Step => v0,
                Interpolate::Linear if t1.0 > t0.0 => {
                    v0 + (v1 - v0) * ((t - t0.0) as f64 / (t1.0 - t0.0) as f64)
                }
                Interpolate::Linear => v1,
            };
        }
    }
    points[points.len() - 1].1
}

/// splitmix64: a well-mixed 64-bit hash of (seed, step).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A standard normal deviate that depends only on (seed, step) (Box-Muller).
pub fn gaussian(seed: u64, step: u64) -> f64 {
    let a = mix(seed ^ mix(step));
    let b = mix(a);
    let u1 = ((a >> 11) as f64 + 1.0) / (1u64 << 53) as f64; // (0, 1]
    let u2 = (b >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Parses CSV text: a header row (time column first), then rows of
/// `<time with unit>,<number>,...`. Errors carry the 1-based line.
pub fn parse_csv(text: &str, column: &str) -> Result<Vec<(Time, f64)>, (usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((hl, header)) = lines.next() else {
        return Err((1, "empty CSV file: expected a header row".into()));
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let Some(ci) = cols
        .iter()
        .skip(1)
        .position(|c| *c == column)
        .map(|i| i + 1)
    else {
        let names: Vec<String> = cols[1..]
            .iter()
            .take(32)
            .map(|c| crate::shown(c, 40))
            .collect();
        return Err((
            hl + 1,
            format!(
                "no column `{}` in the header; columns: {}",
                crate::shown(column, 40),
                names.join(", ")
            ),
        ));
    };
    let mut points: Vec<(Time, f64)> = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let t = crate::parse_time(cells[0]).map_err(|e| (i + 1, crate::shown(&e, 120)))?;
        let v: f64 = cells
            .get(ci)
            .ok_or_else(|| {
                (
                    i + 1,
                    format!(
                        "row has {} cells, column `{}` is cell {}",
                        cells.len(),
                        crate::shown(column, 40),
                        ci + 1
                    ),
                )
            })?
            .parse()
            .map_err(|_| {
                (
                    i + 1,
                    format!("`{}` is not a number", crate::shown(cells[ci], 40)),
                )
            })?;
        if points.last().is_some_and(|p| p.0 .0 > t) {
            return Err((i + 1, "times must not go backwards".into()));
        }
        points.push((Time(t), v));
    }
    if points.is_empty() {
        return Err((hl + 1, "CSV has a header but no rows".into()));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let ramp = Signal::Ramp {
            from: 0.0,
            to: 10.0,
            start: Time(100),
            end: Time(200),
        };
        assert_eq!(
            [ramp.value(0), ramp.value(150), ramp.value(500)],
            [0.0, 5.0, 10.0]
        );
        let sine = Signal::Sine {
            offset: 1.0,
            amplitude: 2.0,
            period: Time(400),
            phase_deg: 0.0,
        };
        assert!((sine.value(100) - 3.0).abs() < 1e-12 && (sine.value(300) + 1.0).abs() < 1e-12);
        let pw = Signal::Piecewise {
            points: vec![(Time(10), 1.0), (Time(20), 3.0)],
            interpolate: Interpolate::Linear,
        };
        assert_eq!([pw.value(0), pw.value(15), pw.value(99)], [1.0, 2.0, 3.0]);
        let step = Signal::Piecewise {
            points: vec![(Time(10), 1.0), (Time(20), 3.0)],
            interpolate: Interpolate::Step,
        };
        assert_eq!(step.value(19), 1.0);
        let sum = Signal::Sum(vec![Signal::Constant(1.0), Signal::Constant(2.5)]);
        assert_eq!(sum.value(7), 3.5);
    }

    #[test]
    fn noise_is_seeded_held_and_roughly_normal() {
        let n = Signal::Noise {
            mean: 5.0,
            stddev: 2.0,
            seed: 42,
            hold: Some(Time(10)),
        };
        assert_eq!(n.value(0), n.value(9));
        assert_ne!(n.value(0), n.value(10));
        let other = Signal::Noise {
            mean: 5.0,
            stddev: 2.0,
            seed: 43,
            hold: Some(Time(10)),
        };
        assert_ne!(n.value(0), other.value(0));
        let xs: Vec<f64> = (0..20_000).map(|i| n.value(i * 10)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((mean - 5.0).abs() < 0.05, "{mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.05, "{}", var.sqrt());
    }

    #[test]
    fn csv_parses_and_reports_lines() {
        let pts = parse_csv("t,a,b\n0ms,1,2\n10ms,3,4\n", "b").unwrap();
        assert_eq!(pts, vec![(Time(0), 2.0), (Time(10_000_000), 4.0)]);
        assert_eq!(parse_csv("t,a\n0ms,x\n", "a").unwrap_err().0, 2);
        assert!(parse_csv("t,a\n", "z")
            .unwrap_err()
            .1
            .contains("no column `z`"));
        assert_eq!(parse_csv("t,a\n5ms,1\n1ms,2\n", "a").unwrap_err().0, 3);
    }
}
