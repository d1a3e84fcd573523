//! ARM semihosting (BKPT 0xAB), sandboxed: console output and exit only.
//! Every other call is refused and ends the run with a report naming it.

/// `ADP_Stopped_ApplicationExit`: the reason code of a successful exit.
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;

/// Handles returned by SYS_OPEN(":tt").
const TT_STDIN: u32 = 1;
const TT_STDOUT: u32 = 2;
const TT_STDERR: u32 = 3;

/// What a semihosting call asks the engine to do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Return `r0` to the firmware.
    Return(u32),
    /// Write `bytes` to the console, then return `r0`.
    Console {
        bytes: Vec<u8>,
        r0: u32,
    },
    Exit(i32),
    /// A call outside the sandbox (or a malformed one).
    Refused(String),
}

/// Name of a semihosting operation number, for reports.
pub(crate) fn name(op: u32) -> String {
    let n = match op {
        0x01 => "SYS_OPEN",
        0x02 => "SYS_CLOSE",
        0x03 => "SYS_WRITEC",
        0x04 => "SYS_WRITE0",
        0x05 => "SYS_WRITE",
        0x06 => "SYS_READ",
        0x07 => "SYS_READC",
        0x08 => "SYS_ISERROR",
        0x09 => "SYS_ISTTY",
        0x0a => "SYS_SEEK",
        0x0c => "SYS_FLEN",
        0x0d => "SYS_TMPNAM",
        0x0e => "SYS_REMOVE",
        0x0f => "SYS_RENAME",
        0x10 => "SYS_CLOCK",
        0x11 => "SYS_TIME",
        0x12 => "SYS_SYSTEM",
        0x13 => "SYS_ERRNO",
        0x15 => "SYS_GET_CMDLINE",
        0x16 => "SYS_HEAPINFO",
        0x18 => "SYS_EXIT",
        0x20 => "SYS_EXIT_EXTENDED",
        0x30 => "SYS_ELAPSED",
        0x31 => "SYS_TICKFREQ",
        _ => return format!("unknown semihosting operation {op:#x}"),
    };
    format!("{n} ({op:#04x})")
}

/// Decodes and performs call `op` with parameter `r1`. `read` fetches
/// firmware memory (false if unmapped).
pub(crate) fn call(op: u32, r1: u32, read: &mut dyn FnMut(u32, &mut [u8]) -> bool) -> Outcome {
    let mut word = |addr: u32| -> Option<u32> {
        let mut b = [0; 4];
        read(addr, &mut b).then(|| u32::from_le_bytes(b))
    };
    let bad = |what: &str| Outcome::Refused(format!("{} with {what}", name(op)));
    match op {
        0x01 => {
            let (Some(ptr), Some(mode), Some(len)) = (word(r1), word(r1 + 4), word(r1 + 8)) else {
                return bad("an unreadable parameter block");
            };
            let mut path = vec![0; len.min(256) as usize];
            if !read(ptr, &mut path) {
                return bad("an unreadable file name");
            }
            if path != b":tt" {
                return Outcome::Refused(format!(
                    "{} of {:?}: file access is outside the sandbox (only \":tt\", the console)",
                    name(op),
                    String::from_utf8_lossy(&path)
                ));
            }
            Outcome::Return(match mode {
                0..=3 => TT_STDIN,
                4..=7 => TT_STDOUT,
                _ => TT_STDERR,
            })
        }
        0x02 => match word(r1) {
            Some(TT_STDIN | TT_STDOUT | TT_STDERR) => Outcome::Return(0),
            _ => bad("a handle that is not the console"),
        },
        0x03 => {
            let mut c = [0];
            if !read(r1, &mut c) {
                return bad("an unreadable character address");
            }
            Outcome::Console {
                bytes: c.to_vec(),
                r0: 0,
            }
        }
        0x04 => {
            let mut bytes = Vec::new();
            let mut a = r1;
            loop {
                let mut c = [0];
                if !read(a, &mut c) {
                    return bad("an unterminated or unreadable string");
                }
                if c[0] == 0 {
                    break;
                }
                bytes.push(c[0]);
                a = a.wrapping_add(1);
                if bytes.len() > 1 << 20 {
                    return bad("a string longer than 1 MiB");
                }
            }
            Outcome::Console { bytes, r0: 0 }
        }
        0x05 => {
            let (Some(handle), Some(ptr), Some(len)) = (word(r1), word(r1 + 4), word(r1 + 8))
            else {
                return bad("an unreadable parameter block");
            };
            if handle != TT_STDOUT && handle != TT_STDERR {
                return bad(&format!("handle {handle}, which is not console output"));
            }
            if len > 1 << 20 {
                return bad("a buffer longer than 1 MiB");
            }
            let mut bytes = vec![0; len as usize];
            if !read(ptr, &mut bytes) {
                return bad("an unreadable buffer");
            }
            Outcome::Console { bytes, r0: 0 }
        }
        0x18 => Outcome::Exit(if r1 == ADP_STOPPED_APPLICATION_EXIT {
            0
        } else {
            1
        }),
        0x20 => match (word(r1), word(r1 + 4)) {
            (Some(ADP_STOPPED_APPLICATION_EXIT), Some(sub)) => Outcome::Exit(sub as i32),
            (Some(_), Some(_)) => Outcome::Exit(1),
            _ => bad("an unreadable parameter block"),
        },
        _ => Outcome::Refused(format!(
            "{}: only console output and exit are allowed in the sandbox",
            name(op)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(base: u32, bytes: &[u8]) -> impl FnMut(u32, &mut [u8]) -> bool + '_ {
        move |a, buf| {
            let Some(off) = a.checked_sub(base) else {
                return false;
            };
            let off = off as usize;
            if off + buf.len() > bytes.len() {
                return false;
            }
            buf.copy_from_slice(&bytes[off..off + buf.len()]);
            true
        }
    }

    #[test]
    fn open_tt_then_write() {
        // param block at 0x100: ptr=0x110, mode=4, len=3; ":tt" at 0x110
        let mut m = vec![0u8; 0x40];
        m[0..4].copy_from_slice(&0x110u32.to_le_bytes());
        m[4..8].copy_from_slice(&4u32.to_le_bytes());
        m[8..12].copy_from_slice(&3u32.to_le_bytes());
        m[0x10..0x13].copy_from_slice(b":tt");
        let h = match call(0x01, 0x100, &mut mem(0x100, &m)) {
            Outcome::Return(h) => h,
            o => panic!("{o:?}"),
        };
        assert_eq!(h, TT_STDOUT);
        m[0..4].copy_from_slice(&h.to_le_bytes());
        m[4..8].copy_from_slice(&0x120u32.to_le_bytes());
        m[8..12].copy_from_slice(&2u32.to_le_bytes());
        m[0x20..0x22].copy_from_slice(b"hi");
        assert_eq!(
            call(0x05, 0x100, &mut mem(0x100, &m)),
            Outcome::Console {
                bytes: b"hi".to_vec(),
                r0: 0
            }
        );
    }

    #[test]
    fn file_open_and_clock_are_refused() {
        let mut m = vec![0u8; 0x40];
        m[0..4].copy_from_slice(&0x110u32.to_le_bytes());
        m[8..12].copy_from_slice(&4u32.to_le_bytes());
        m[0x10..0x14].copy_from_slice(b"/etc");
        assert!(
            matches!(call(0x01, 0x100, &mut mem(0x100, &m)), Outcome::Refused(s) if s.contains("SYS_OPEN") && s.contains("/etc"))
        );
        assert!(
            matches!(call(0x10, 0, &mut mem(0, &m)), Outcome::Refused(s) if s.contains("SYS_CLOCK"))
        );
        assert!(
            matches!(call(0x12, 0, &mut mem(0, &m)), Outcome::Refused(s) if s.contains("SYS_SYSTEM"))
        );
    }

    #[test]
    fn exit_codes() {
        assert_eq!(call(0x18, 0x20026, &mut mem(0, &[])), Outcome::Exit(0));
        assert_eq!(call(0x18, 0x20023, &mut mem(0, &[])), Outcome::Exit(1));
        let mut m = vec![0u8; 8];
        m[0..4].copy_from_slice(&0x20026u32.to_le_bytes());
        m[4..8].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(call(0x20, 0x10, &mut mem(0x10, &m)), Outcome::Exit(7));
    }
}
