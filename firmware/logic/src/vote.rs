//! 2-of-3 mid-value-select voting with fault detection, isolation and recovery.
//!
//! Each cycle takes up to three readings of an `N`-axis quantity (`None` for
//! a sensor that produced nothing, e.g. a bus error).
//!
//! * **Reference**: per axis, the median of the present readings when all
//!   three are present; with two present, their midpoint.
//! * **Detection**: with three readings present, a reading *miscompares* when
//!   any axis differs from the reference by more than `tolerance`. With two
//!   present that agree within `tolerance`, the missing one miscompares; two
//!   disagreeing readings cannot tell who is wrong, so nobody is charged.
//!   A missing reading always miscompares.
//! * **Isolation**: `persistence` consecutive miscompares isolate a sensor.
//! * **Recovery**: an isolated sensor that agrees with the reference for
//!   `recovery` consecutive cycles is reinstated.
//! * **Output**: over the present, non-isolated readings: median of three,
//!   midpoint of two, the single one; with none, the last output is held.
//!
//! Consequence (checked by the property tests): while two sensors are present
//! and agree within `tolerance`, neither is ever isolated and the output stays
//! within `tolerance` of both, whatever the third reports.

/// Voter parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Largest per-axis difference from the reference that still agrees.
    pub tolerance: u32,
    /// Consecutive miscompares that isolate a sensor (>= 1).
    pub persistence: u8,
    /// Consecutive agreements that reinstate an isolated sensor (>= 1).
    pub recovery: u8,
}

/// Health of the vote, as carried in telemetry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Three sensors in the vote.
    Nominal = 0,
    /// Two sensors in the vote, agreeing.
    Degraded = 1,
    /// One sensor in the vote, or two that disagree.
    Single = 2,
    /// No sensor in the vote; the last output is held.
    Failed = 3,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Channel {
    isolated: bool,
    miscompares: u8,
    agreements: u8,
}

/// The voter state for an `N`-axis quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voter<const N: usize> {
    config: Config,
    channels: [Channel; 3],
    output: [i32; N],
}

/// Result of one voting cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome<const N: usize> {
    pub value: [i32; N],
    pub status: Status,
    /// Bit i set: sensor i is in the vote (present and not isolated).
    pub in_vote: u8,
    /// Bit i set: sensor i is isolated.
    pub isolated: u8,
}

fn median3(a: i32, b: i32, c: i32) -> i32 {
    a.max(b).min(a.min(b).max(c))
}

fn midpoint(a: i32, b: i32) -> i32 {
    ((a as i64 + b as i64).div_euclid(2)) as i32
}

fn within<const N: usize>(a: &[i32; N], b: &[i32; N], tol: u32) -> bool {
    a.iter().zip(b).all(|(x, y)| (*x as i64 - *y as i64).unsigned_abs() <= tol as u64)
}

fn combine<const N: usize>(values: &[&[i32; N]]) -> Option<[i32; N]> {
    let mut out = [0; N];
    for (axis, o) in out.iter_mut().enumerate() {
        *o = match values {
            [a] => a[axis],
            [a, b] => midpoint(a[axis], b[axis]),
            [a, b, c] => median3(a[axis], b[axis], c[axis]),
            _ => return None,
        };
    }
    Some(out)
}

impl<const N: usize> Voter<N> {
    /// A voter with all three sensors in service and an all-zero held output.
    pub const fn new(config: Config) -> Self {
        let ch = Channel { isolated: false, miscompares: 0, agreements: 0 };
        Voter { config, channels: [ch; 3], output: [0; N] }
    }

    /// Bit i set: sensor i is isolated.
    pub fn isolated_mask(&self) -> u8 {
        self.channels.iter().enumerate().fold(0, |m, (i, c)| m | ((c.isolated as u8) << i))
    }

    /// Runs one cycle.
    pub fn vote(&mut self, readings: [Option<[i32; N]>; 3]) -> Outcome<N> {
        let present: usize = readings.iter().filter(|r| r.is_some()).count();
        let mut refs: [&[i32; N]; 3] = [&self.output; 3];
        let mut k = 0;
        for r in readings.iter().flatten() {
            refs[k] = r;
            k += 1;
        }
        let reference = combine(&refs[..k]);
        let judgeable = match (present, &refs[..k]) {
            (3, _) => true,
            (2, [a, b]) => within(a, b, self.config.tolerance),
            _ => false,
        };
        if let (true, Some(reference)) = (judgeable, reference) {
            for (ch, r) in self.channels.iter_mut().zip(&readings) {
                let agrees = r.as_ref().is_some_and(|r| within(r, &reference, self.config.tolerance));
                ch.record(agrees, &self.config);
            }
        } else {
            for (ch, r) in self.channels.iter_mut().zip(&readings) {
                if r.is_none() {
                    ch.record(false, &self.config);
                }
            }
        }
        let mut chosen: [&[i32; N]; 3] = [&self.output; 3];
        let mut n = 0;
        let mut in_vote = 0u8;
        for (i, (ch, r)) in self.channels.iter().zip(&readings).enumerate() {
            if let (false, Some(r)) = (ch.isolated, r) {
                chosen[n] = r;
                n += 1;
                in_vote |= 1 << i;
            }
        }
        let status = match n {
            3 => Status::Nominal,
            2 if within(chosen[0], chosen[1], self.config.tolerance) => Status::Degraded,
            1 | 2 => Status::Single,
            _ => Status::Failed,
        };
        if let Some(v) = combine(&chosen[..n]) {
            self.output = v;
        }
        Outcome { value: self.output, status, in_vote, isolated: self.isolated_mask() }
    }
}

impl Channel {
    fn record(&mut self, agrees: bool, config: &Config) {
        if agrees {
            self.miscompares = 0;
            self.agreements = self.agreements.saturating_add(1);
            if self.isolated && self.agreements >= config.recovery.max(1) {
                self.isolated = false;
            }
        } else {
            self.agreements = 0;
            self.miscompares = self.miscompares.saturating_add(1);
            if self.miscompares >= config.persistence.max(1) {
                self.isolated = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: Config = Config { tolerance: 50, persistence: 3, recovery: 5 };

    #[test]
    fn median_of_three_agreeing() {
        let mut v = Voter::<1>::new(CFG);
        let out = v.vote([Some([10]), Some([30]), Some([20])]);
        assert_eq!((out.value, out.status, out.in_vote), ([20], Status::Nominal, 0b111));
    }

    #[test]
    fn persistent_fault_isolates_then_recovers() {
        let mut v = Voter::<1>::new(CFG);
        for cycle in 1..=3 {
            let out = v.vote([Some([0]), Some([5]), Some([1000])]);
            assert_eq!(out.isolated != 0, cycle == 3, "cycle {cycle}");
        }
        let out = v.vote([Some([0]), Some([5]), Some([1000])]);
        assert_eq!((out.status, out.in_vote, out.isolated), (Status::Degraded, 0b011, 0b100));
        for cycle in 1..=5 {
            let out = v.vote([Some([0]), Some([5]), Some([3])]);
            assert_eq!(out.isolated == 0, cycle == 5, "cycle {cycle}");
        }
    }

    #[test]
    fn transient_fault_below_persistence_is_not_isolated() {
        let mut v = Voter::<1>::new(CFG);
        for _ in 0..10 {
            v.vote([Some([0]), Some([0]), Some([9999])]);
            v.vote([Some([0]), Some([0]), Some([9999])]);
            let out = v.vote([Some([0]), Some([0]), Some([0])]);
            assert_eq!(out.isolated, 0);
        }
    }

    #[test]
    fn no_readings_hold_the_last_output() {
        let mut v = Voter::<2>::new(CFG);
        v.vote([Some([7, 8]), Some([7, 8]), Some([7, 8])]);
        let out = v.vote([None, None, None]);
        assert_eq!((out.value, out.status), ([7, 8], Status::Failed));
    }

    /// One arbitrary (possibly absent) sensor at any position, two sensors
    /// agreeing within tolerance: over any sequence, the output stays within
    /// tolerance of both good sensors and neither is ever isolated.
    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn one_faulty_sensor_never_moves_the_output_beyond_tolerance() {
        bolero::check!().with_iterations(1000).with_type::<(u8, u8, u8, Vec<(i32, i16, Option<i32>, Option<i32>)>)>().for_each(
            |(bad, persistence, recovery, steps)| {
                let cfg = Config { tolerance: 100, persistence: persistence % 4 + 1, recovery: recovery % 4 + 1 };
                let bad = (*bad % 3) as usize;
                let mut v = Voter::<2>::new(cfg);
                for (base, delta, f0, f1) in steps {
                    let good_a = [*base, base.saturating_add(7)];
                    let d = (*delta as i32).clamp(-100, 100);
                    let good_b = [base.saturating_add(d), base.saturating_add(7).saturating_sub(d)];
                    if !within(&good_a, &good_b, 100) {
                        continue; // saturation at i32 edges broke the agreement
                    }
                    let faulty = f0.zip(*f1).map(|(x, y)| [x, y]);
                    let mut readings = [Some(good_a), Some(good_b), Some(good_a)];
                    readings[bad] = faulty;
                    let (ga, gb) = match bad {
                        0 => (1, 2),
                        1 => (0, 2),
                        _ => (0, 1),
                    };
                    readings[ga] = Some(good_a);
                    readings[gb] = Some(good_b);
                    let out = v.vote(readings);
                    assert!(within(&out.value, &good_a, 100) && within(&out.value, &good_b, 100), "{out:?}");
                    assert_eq!(out.isolated & ((1 << ga) | (1 << gb)), 0);
                    assert!(matches!(out.status, Status::Nominal | Status::Degraded));
                }
            },
        );
    }

    /// Bounded-exhaustive: every sequence of 6 cycles over a small value
    /// alphabet for the faulty sensor, all persistence/recovery in 1..=3.
    #[test]
    fn bounded_exhaustive_two_agreeing_always_win() {
        let alphabet = [None, Some(0), Some(100), Some(101), Some(-5000), Some(i32::MAX)];
        for p in 1..=3 {
            for r in 1..=3 {
                let cfg = Config { tolerance: 100, persistence: p, recovery: r };
                for seq in 0..alphabet.len().pow(6) {
                    let mut v = Voter::<1>::new(cfg);
                    let mut s = seq;
                    for _ in 0..6 {
                        let f = alphabet[s % alphabet.len()];
                        s /= alphabet.len();
                        let out = v.vote([Some([0]), f.map(|x| [x]), Some([100])]);
                        assert!((0..=100).contains(&out.value[0]), "p{p} r{r} seq{seq}: {out:?}");
                    }
                }
            }
        }
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn median3_is_the_middle_value() {
        bolero::check!().with_iterations(1000).with_type::<(i32, i32, i32)>().for_each(|&(a, b, c)| {
            let mut s = [a, b, c];
            s.sort();
            assert_eq!(median3(a, b, c), s[1]);
        });
    }
}
