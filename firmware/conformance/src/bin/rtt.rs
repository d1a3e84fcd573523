//! RTT transport (engine only: the host side is the engine, as a debug
//! probe would be): plain text lines through a small up-channel ring that
//! wraps and blocks when full, then a line read from the down-channel and
//! echoed back upper-cased.
#![no_std]
#![no_main]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use cortex_m_rt::entry;
use gale_conformance::{check, finish, hprintln};

#[repr(C)]
struct Desc {
    name: *const u8,
    buf: *mut u8,
    size: u32,
    wr: u32,
    rd: u32,
    flags: u32,
}

#[repr(C)]
pub struct ControlBlock {
    id: [u8; 16],
    max_up: i32,
    max_down: i32,
    up: Desc,
    down: Desc,
}

static mut UP: [u8; 32] = [0; 32];
static mut DOWN: [u8; 16] = [0; 16];

#[no_mangle]
pub static mut _SEGGER_RTT: ControlBlock = ControlBlock {
    id: *b"SEGGER RTT\0\0\0\0\0\0",
    max_up: 1,
    max_down: 1,
    up: Desc { name: b"Terminal\0".as_ptr(), buf: addr_of_mut!(UP) as *mut u8, size: 32, wr: 0, rd: 0, flags: 2 },
    down: Desc { name: b"Terminal\0".as_ptr(), buf: addr_of_mut!(DOWN) as *mut u8, size: 16, wr: 0, rd: 0, flags: 0 },
};

/// Blocking write: waits for the host to make room.
fn up_write(bytes: &[u8]) {
    unsafe {
        let d = addr_of_mut!(_SEGGER_RTT.up);
        for &b in bytes {
            loop {
                let wr = read_volatile(addr_of!((*d).wr));
                let rd = read_volatile(addr_of!((*d).rd));
                let next = (wr + 1) % 32;
                if next != rd {
                    write_volatile((*d).buf.add(wr as usize), b);
                    write_volatile(addr_of_mut!((*d).wr), next);
                    break;
                }
            }
        }
    }
}

fn down_read_line(out: &mut [u8]) -> usize {
    let mut n = 0;
    unsafe {
        let d = addr_of_mut!(_SEGGER_RTT.down);
        loop {
            let wr = read_volatile(addr_of!((*d).wr));
            let rd = read_volatile(addr_of!((*d).rd));
            if wr == rd {
                continue;
            }
            let b = read_volatile((*d).buf.add(rd as usize));
            write_volatile(addr_of_mut!((*d).rd), (rd + 1) % 16);
            if b == b'\n' || n == out.len() {
                return n;
            }
            out[n] = b;
            n += 1;
        }
    }
}

#[entry]
fn main() -> ! {
    hprintln!("rtt conformance");
    for i in 0..10u8 {
        up_write(b"line ");
        up_write(&[b'0' + i / 10, b'0' + i % 10]);
        up_write(b" of rtt text\n");
    }
    let mut line = [0u8; 32];
    let n = down_read_line(&mut line);
    up_write(b"echo: ");
    for b in &mut line[..n] {
        *b = b.to_ascii_uppercase();
    }
    up_write(&line[..n]);
    up_write(b"\n");
    check("read a line from the down channel", n > 0);
    // Wait until the host has drained the up channel before exiting.
    unsafe {
        let d = addr_of!(_SEGGER_RTT.up);
        while read_volatile(addr_of!((*d).rd)) != read_volatile(addr_of!((*d).wr)) {}
    }
    finish()
}
