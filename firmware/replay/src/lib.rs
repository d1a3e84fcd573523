//! Replay builds (`--features replay` on an image): every bus transaction
//! the firmware makes through a replay device becomes a request on RTT
//! up-channel 1 (`replay`), and the firmware waits for the host's answer on
//! down-channel 0 (`replay`). defmt moves to rtt-target's up-channel 0,
//! named `defmt` (the name `probe-rs run` looks for).
//!
//! The host (`gale-target` in the gale-sim workspace) answers from the
//! scenario's sensor models, keyed on the timestamp in the request, so a run
//! does not depend on how late the answer comes. The wire format is
//! described in `docs/hardware.md`; [`wire`] is this side of it.
//!
//! One request is outstanding at a time (stop and wait), inside a critical
//! section: a replay build trades interrupt latency for a bus that any
//! priority level may use.
#![no_std]

pub mod devices;
pub mod wire;

use core::cell::RefCell;
use critical_section::Mutex;
use rtt_target::{ChannelMode, DownChannel, UpChannel};

pub use devices::{ReplayI2c, ReplaySpi, ReplayUart};
pub use wire::{Op, Status};

struct Link {
    up: UpChannel,
    down: DownChannel,
    seq: u16,
    now_ns: fn() -> u64,
}

static LINK: Mutex<RefCell<Option<Link>>> = Mutex::new(RefCell::new(None));

/// Sets up the RTT control block (`_SEGGER_RTT`): up 0 `defmt` (1 KiB,
/// dropped when full, like defmt-rtt), up 1 `replay` (512 B, blocks when
/// full, so no request is lost), down 0 `replay` (256 B). `now_ns` is the
/// firmware clock the requests are stamped with. Call once, first thing.
pub fn init(now_ns: fn() -> u64) {
    let channels = rtt_target::rtt_init! {
        up: {
            0: { size: 1024, mode: ChannelMode::NoBlockSkip, name: "defmt" }
            1: { size: 512, mode: ChannelMode::BlockIfFull, name: "replay" }
        }
        down: {
            0: { size: 256, name: "replay" }
        }
    };
    let (defmt, up) = channels.up;
    rtt_target::set_defmt_channel(defmt);
    critical_section::with(|cs| {
        LINK.borrow(cs).replace(Some(Link { up, down: channels.down.0, seq: 0, now_ns }));
    });
}

/// One bus transaction: `write` goes out, up to `read.len()` bytes come
/// back. Returns the host's status and how many bytes it answered with.
/// Blocks (spinning on the down channel) until the answer with this
/// request's sequence number arrives; answers to other sequence numbers and
/// frames with a bad CRC are skipped.
pub fn transact(op: Op, bus: &str, target: u8, write: &[u8], read: &mut [u8]) -> (Status, usize) {
    critical_section::with(|cs| {
        let mut link = LINK.borrow(cs).borrow_mut();
        let Some(link) = link.as_mut() else {
            return (Status::NoLink, 0);
        };
        let seq = link.seq;
        link.seq = link.seq.wrapping_add(1);
        let mut frame = [0u8; wire::MAX_FRAME];
        let n = wire::request(&mut frame, seq, op, bus, target, (link.now_ns)(), write, read.len());
        let mut sent = 0;
        while sent < n {
            sent += link.up.write(&frame[sent..n]);
        }
        let mut rx = wire::Receiver::new();
        loop {
            let mut chunk = [0u8; 32];
            let got = link.down.read(&mut chunk);
            for &b in &chunk[..got] {
                if let Some((rseq, status, data)) = rx.push(b) {
                    if rseq == seq {
                        let k = data.len().min(read.len());
                        read[..k].copy_from_slice(&data[..k]);
                        return (status, k);
                    }
                }
            }
        }
    })
}
