//! The flight loop body: read three IMUs, vote accel and gyro separately,
//! publish a [`FlightState`].

use embedded_hal_async::spi::SpiDevice;
use gale_capsules::icm42688::Icm42688;
use gale_logic::imu::Scaled;
use gale_logic::vote::{Config, Status, Voter};

/// Voter parameters of the flight image: 150 mg / 20 dps tolerance,
/// isolated after 5 consecutive miscompares (5 ms), reinstated after 100
/// consecutive agreements (100 ms).
pub const ACCEL_VOTE: Config = Config { tolerance: 150, persistence: 5, recovery: 100 };
pub const GYRO_VOTE: Config = Config { tolerance: 20_000, persistence: 5, recovery: 100 };

/// The voted IMU state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlightState {
    pub accel_mg: [i32; 3],
    pub gyro_mdps: [i32; 3],
    /// Worse of the accel and gyro vote status.
    pub status: Status,
    /// Bit i: IMU i in both votes.
    pub healthy: u8,
    /// Loop iterations so far.
    pub cycles: u32,
}

/// Voting state for three IMUs.
pub struct Fusion {
    accel: Voter<3>,
    gyro: Voter<3>,
    cycles: u32,
}

impl Default for Fusion {
    fn default() -> Self {
        Self::new()
    }
}

fn worse(a: Status, b: Status) -> Status {
    if (a as u8) >= (b as u8) {
        a
    } else {
        b
    }
}

impl Fusion {
    pub const fn new() -> Self {
        Fusion { accel: Voter::new(ACCEL_VOTE), gyro: Voter::new(GYRO_VOTE), cycles: 0 }
    }

    /// One voting cycle over the three readings (`None`: read failed).
    pub fn step(&mut self, readings: [Option<Scaled>; 3]) -> FlightState {
        let a = self.accel.vote(readings.map(|r| r.map(|s| s.accel_mg)));
        let g = self.gyro.vote(readings.map(|r| r.map(|s| s.gyro_mdps)));
        self.cycles = self.cycles.wrapping_add(1);
        FlightState {
            accel_mg: a.value,
            gyro_mdps: g.value,
            status: worse(a.status, g.status),
            healthy: a.in_vote & g.in_vote,
            cycles: self.cycles,
        }
    }
}

/// Reads every IMU once; a failed read is `None`.
pub async fn read_all<S: SpiDevice>(imus: &mut [Icm42688<S>; 3]) -> [Option<Scaled>; 3] {
    let mut out = [None; 3];
    for (slot, imu) in out.iter_mut().zip(imus.iter_mut()) {
        *slot = imu.read_scaled().await.ok();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ax: i32, gx: i32) -> Option<Scaled> {
        Some(Scaled { accel_mg: [ax, 0, 1000], gyro_mdps: [gx, 0, 0], temp_cdeg: 2500 })
    }

    #[test]
    fn a_stuck_imu_is_outvoted_then_isolated() {
        let mut f = Fusion::new();
        for cycle in 1..=6 {
            let st = f.step([s(10, 100), s(12, 120), s(5000, -90_000)]);
            assert!((10..=12).contains(&st.accel_mg[0]) && (100..=120).contains(&st.gyro_mdps[0]));
            assert_eq!(st.healthy == 0b011, cycle >= 5, "cycle {cycle}");
        }
        assert_eq!(f.step([s(10, 100), s(12, 120), s(5000, 0)]).status, Status::Degraded);
    }

    #[test]
    fn status_is_the_worse_of_the_two_votes() {
        let mut f = Fusion::new();
        let st = f.step([s(0, 0), None, None]);
        assert_eq!(st.status, Status::Single);
        assert_eq!(st.cycles, 1);
    }
}
