//! SEGGER RTT, host side: the control block in target RAM (found through
//! the `_SEGGER_RTT` symbol, or by scanning RAM for its id), up-channels
//! read and down-channels written exactly as a debug probe does.
//!
//! Layout (SEGGER_RTT.h): `char acID[16]; i32 MaxNumUpBuffers;
//! i32 MaxNumDownBuffers;` then the up and down buffer descriptors, each
//! `{ const char* sName; char* pBuffer; u32 SizeOfBuffer; u32 WrOff;
//! u32 RdOff; u32 Flags; }`.

use crate::Nanos;

/// Where the control block is, found as cheaply as possible: at the ELF's
/// `_SEGGER_RTT` (16 bytes checked per call until the firmware has set it
/// up), or, for an ELF without that symbol, by scanning RAM only at virtual
/// times that double (first call, then 2 ms, 4 ms, 8 ms, ...): about 20
/// scans in 1000 virtual seconds instead of one every quantum.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    found: Option<u32>,
    next_scan: Nanos,
    scans: u32,
}

/// The earliest virtual time the second scan happens at.
const SCAN_BACKOFF_START: Nanos = 1_000_000;

impl Locator {
    pub fn find(
        &mut self,
        mem: &mut dyn TargetMemory,
        symbol: Option<u32>,
        rams: &[(u32, u32)],
        now: Nanos,
    ) -> Option<u32> {
        if self.found.is_none() {
            self.found = match symbol {
                Some(a) => is_control_block(mem, a).then_some(a),
                None if now >= self.next_scan => {
                    self.scans += 1;
                    self.next_scan = now.max(SCAN_BACKOFF_START).saturating_mul(2);
                    rams.iter().find_map(|&(b, n)| scan(mem, b, n))
                }
                None => None,
            };
        }
        self.found
    }

    /// RAM scans so far (for tests and the docs' figures).
    pub fn scans(&self) -> u32 {
        self.scans
    }
}

/// "SEGGER RTT" followed by NULs.
const ID: &[u8; 10] = b"SEGGER RTT";
const DESC: u32 = 24;

/// Target memory as the RTT host sees it.
pub(crate) trait TargetMemory {
    fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool;
    fn write(&mut self, addr: u32, bytes: &[u8]) -> bool;

    fn word(&mut self, addr: u32) -> Option<u32> {
        let mut b = [0; 4];
        self.read(addr, &mut b).then(|| u32::from_le_bytes(b))
    }
}

/// Whether `addr` holds an initialised control block.
pub(crate) fn is_control_block(mem: &mut dyn TargetMemory, addr: u32) -> bool {
    let mut id = [0u8; 16];
    mem.read(addr, &mut id) && &id[..10] == ID
}

/// Finds the control block by scanning `[base, base + len)` for its id.
pub(crate) fn scan(mem: &mut dyn TargetMemory, base: u32, len: u32) -> Option<u32> {
    let mut chunk = vec![0u8; len as usize];
    if !mem.read(base, &mut chunk) {
        return None;
    }
    chunk
        .windows(16)
        .position(|w| &w[..10] == ID && w[10..].iter().all(|b| *b == 0))
        .map(|i| base + i as u32)
}

struct Channel {
    desc: u32,
    buffer: u32,
    size: u32,
    wr: u32,
    rd: u32,
}

fn channel(mem: &mut dyn TargetMemory, cb: u32, up: bool, n: usize) -> Option<Channel> {
    let max_up = mem.word(cb + 16)?;
    let max_down = mem.word(cb + 20)?;
    if max_up > 64 || max_down > 64 {
        return None;
    }
    let (first, count) = if up {
        (cb + 24, max_up)
    } else {
        (cb + 24 + max_up * DESC, max_down)
    };
    if n as u32 >= count {
        return None;
    }
    let desc = first + n as u32 * DESC;
    let ch = Channel {
        desc,
        buffer: mem.word(desc + 4)?,
        size: mem.word(desc + 8)?,
        wr: mem.word(desc + 12)?,
        rd: mem.word(desc + 16)?,
    };
    (ch.size > 0 && ch.wr < ch.size && ch.rd < ch.size).then_some(ch)
}

/// Drains up-channel `n`: the bytes between RdOff and WrOff, then advances RdOff.
pub(crate) fn read_up(mem: &mut dyn TargetMemory, cb: u32, n: usize) -> Vec<u8> {
    let Some(ch) = channel(mem, cb, true, n) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rd = ch.rd;
    while rd != ch.wr {
        let end = if ch.wr > rd { ch.wr } else { ch.size };
        let mut buf = vec![0u8; (end - rd) as usize];
        if !mem.read(ch.buffer + rd, &mut buf) {
            break;
        }
        out.extend_from_slice(&buf);
        rd = if end == ch.size { 0 } else { end };
    }
    mem.write(ch.desc + 16, &rd.to_le_bytes());
    out
}

/// Writes as much of `bytes` as fits into down-channel `n`; returns the count.
pub(crate) fn write_down(mem: &mut dyn TargetMemory, cb: u32, n: usize, bytes: &[u8]) -> usize {
    let Some(ch) = channel(mem, cb, false, n) else {
        return 0;
    };
    let free = if ch.rd > ch.wr {
        ch.rd - ch.wr - 1
    } else {
        ch.size - 1 - (ch.wr - ch.rd)
    };
    let count = (free as usize).min(bytes.len());
    let mut wr = ch.wr;
    for &b in &bytes[..count] {
        if !mem.write(ch.buffer + wr, &[b]) {
            return 0;
        }
        wr = (wr + 1) % ch.size;
    }
    mem.write(ch.desc + 12, &wr.to_le_bytes());
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ram(Vec<u8>);

    impl TargetMemory for Ram {
        fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool {
            let a = addr as usize;
            if a + buf.len() > self.0.len() {
                return false;
            }
            buf.copy_from_slice(&self.0[a..a + buf.len()]);
            true
        }
        fn write(&mut self, addr: u32, bytes: &[u8]) -> bool {
            let a = addr as usize;
            self.0[a..a + bytes.len()].copy_from_slice(bytes);
            true
        }
    }

    fn put(r: &mut Ram, a: u32, v: u32) {
        r.write(a, &v.to_le_bytes());
    }

    /// Control block at 0x100: one up channel (buffer 0x200, 8 bytes), one
    /// down channel (buffer 0x300, 4 bytes).
    fn ram() -> Ram {
        let mut r = Ram(vec![0; 0x400]);
        r.write(0x100, b"SEGGER RTT");
        put(&mut r, 0x110, 1);
        put(&mut r, 0x114, 1);
        put(&mut r, 0x118 + 4, 0x200);
        put(&mut r, 0x118 + 8, 8);
        put(&mut r, 0x130 + 4, 0x300);
        put(&mut r, 0x130 + 8, 4);
        r
    }

    #[test]
    fn reads_wrapped_up_data_and_advances_rdoff() {
        let mut r = ram();
        r.write(0x200, b"GHcdefEF");
        put(&mut r, 0x118 + 16, 6); // RdOff
        put(&mut r, 0x118 + 12, 2); // WrOff
        assert_eq!(scan(&mut r, 0, 0x400), Some(0x100));
        assert_eq!(read_up(&mut r, 0x100, 0), b"EFGH");
        assert_eq!(r.word(0x118 + 16), Some(2));
        assert_eq!(read_up(&mut r, 0x100, 0), b"");
        assert_eq!(read_up(&mut r, 0x100, 1), b"", "no such channel");
    }

    #[test]
    fn writes_down_up_to_the_free_space() {
        let mut r = ram();
        assert_eq!(
            write_down(&mut r, 0x100, 0, b"abcdef"),
            3,
            "4-byte ring holds 3"
        );
        assert_eq!(&r.0[0x300..0x303], b"abc");
        assert_eq!(r.word(0x130 + 12), Some(3));
        put(&mut r, 0x130 + 16, 3); // target consumed everything
        assert_eq!(write_down(&mut r, 0x100, 0, b"xy"), 2);
        assert_eq!(r.0[0x303], b'x');
        assert_eq!(r.0[0x300], b'y');
    }
}
