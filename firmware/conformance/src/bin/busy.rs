//! Benchmark workload: integer compute (sieve, CRC-32, a small matrix
//! product) in a loop while SysTick interrupts at 1 kHz, like a busy
//! control loop. Prints a checksum so every backend's result can be compared.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, SYST_CSR, SYST_CVR, SYST_RVR};
use gale_conformance::{exit, hprintln};

const ROUNDS: u32 = 4000;
static TICKS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

#[inline(never)]
fn sieve(flags: &mut [bool; 4096]) -> u32 {
    flags.iter_mut().for_each(|f| *f = true);
    let mut count = 0;
    for i in 2..flags.len() {
        if flags[i] {
            count += 1;
            let mut j = i * i;
            while j < flags.len() {
                flags[j] = false;
                j += i;
            }
        }
    }
    count
}

#[inline(never)]
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[inline(never)]
fn matmul(a: &[[i32; 8]; 8], b: &[[i32; 8]; 8]) -> i32 {
    let mut s = 0;
    for i in 0..8 {
        for j in 0..8 {
            let mut acc = 0i32;
            for k in 0..8 {
                acc = acc.wrapping_add(a[i][k].wrapping_mul(b[k][j]));
            }
            s ^= acc;
        }
    }
    s
}

#[entry]
fn main() -> ! {
    hprintln!("busy workload");
    reg::write(SYST_RVR, 25_000 - 1);
    reg::write(SYST_CVR, 0);
    reg::write(SYST_CSR, 0b111);
    let mut flags = [false; 4096];
    let mut data = [0u8; 1024];
    let mut a = [[0i32; 8]; 8];
    let mut sum = 0u32;
    for r in 0..ROUNDS {
        for (i, d) in data.iter_mut().enumerate() {
            *d = (i as u32 ^ r) as u8;
        }
        for (i, row) in a.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = (i * 8 + j) as i32 - r as i32;
            }
        }
        sum = sum.wrapping_add(sieve(&mut flags)).wrapping_add(crc32(&data)).wrapping_add(matmul(&a, &a) as u32);
    }
    reg::write(SYST_CSR, 0);
    hprintln!("checksum {:#010x}", sum);
    exit(TICKS.load(Ordering::Relaxed) > 0)
}
