//! SEGGER RTT, host side, over any [`Target`]'s memory access: the control
//! block at the ELF's `_SEGGER_RTT`, channels found by name, up channels
//! drained and down channels filled the way a probe does it.
//!
//! Layout (SEGGER_RTT.h): `char acID[16]; i32 MaxNumUpBuffers;
//! i32 MaxNumDownBuffers;` then the up and down descriptors, each
//! `{ const char* sName; char* pBuffer; u32 SizeOfBuffer; u32 WrOff;
//! u32 RdOff; u32 Flags; }`.

use crate::error::TargetError;
use crate::target::Target;

const ID: &[u8] = b"SEGGER RTT\0";
const DESC: u32 = 24;

/// One channel's descriptor address and fixed fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    desc: u32,
    buffer: u32,
    pub size: u32,
}

/// An attached control block.
#[derive(Clone, Debug)]
pub struct Rtt {
    pub address: u32,
    pub up: Vec<Channel>,
    pub down: Vec<Channel>,
}

fn word(t: &mut dyn Target, addr: u32) -> Result<u32, TargetError> {
    let mut b = [0; 4];
    t.read_memory(addr, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn c_string(t: &mut dyn Target, addr: u32) -> String {
    let mut buf = [0u8; 32];
    if addr == 0 || t.read_memory(addr, &mut buf).is_err() {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

impl Rtt {
    /// Attaches to the control block at `address`; `Ok(None)` while the
    /// firmware has not initialised it yet.
    pub fn attach(t: &mut dyn Target, address: u32) -> Result<Option<Rtt>, TargetError> {
        let mut id = [0u8; 16];
        t.read_memory(address, &mut id)?;
        if &id[..ID.len()] != ID {
            return Ok(None);
        }
        let max_up = word(t, address + 16)?;
        let max_down = word(t, address + 20)?;
        if max_up > 16 || max_down > 16 {
            return Ok(None);
        }
        let read = |first: u32, n: u32, t: &mut dyn Target| -> Result<Vec<Channel>, TargetError> {
            (0..n)
                .map(|i| {
                    let desc = first + i * DESC;
                    let name_ptr = word(t, desc)?;
                    Ok(Channel {
                        name: c_string(t, name_ptr),
                        desc,
                        buffer: word(t, desc + 4)?,
                        size: word(t, desc + 8)?,
                    })
                })
                .collect()
        };
        let up = read(address + 24, max_up, t)?;
        let down = read(address + 24 + max_up * DESC, max_down, t)?;
        Ok(Some(Rtt { address, up, down }))
    }

    /// Whether the control block is still there (it disappears, or is
    /// rewritten, when the board resets).
    pub fn still_there(&self, t: &mut dyn Target) -> Result<bool, TargetError> {
        let mut id = [0u8; 16];
        t.read_memory(self.address, &mut id)?;
        Ok(&id[..ID.len()] == ID)
    }

    pub fn up_index(&self, name: &str) -> Option<usize> {
        self.up.iter().position(|c| c.name == name)
    }

    pub fn down_index(&self, name: &str) -> Option<usize> {
        self.down.iter().position(|c| c.name == name)
    }

    /// Drains up channel `n`.
    pub fn read_up(&self, t: &mut dyn Target, n: usize) -> Result<Vec<u8>, TargetError> {
        let ch = &self.up[n];
        let wr = word(t, ch.desc + 12)?;
        let mut rd = word(t, ch.desc + 16)?;
        if ch.size == 0 || wr >= ch.size || rd >= ch.size {
            return Err(TargetError::Protocol(format!(
                "RTT up channel `{}` is corrupt (size {}, WrOff {wr}, RdOff {rd}): the board may have reset",
                ch.name, ch.size
            )));
        }
        let mut out = Vec::new();
        while rd != wr {
            let end = if wr > rd { wr } else { ch.size };
            let mut buf = vec![0u8; (end - rd) as usize];
            t.read_memory(ch.buffer + rd, &mut buf)?;
            out.extend_from_slice(&buf);
            rd = if end == ch.size { 0 } else { end };
        }
        if !out.is_empty() {
            t.write_memory(ch.desc + 16, &rd.to_le_bytes())?;
        }
        Ok(out)
    }

    /// Writes as much of `bytes` as down channel `n` has room for, without
    /// blocking (as probe-rs does); returns how many were written.
    pub fn write_down(
        &self,
        t: &mut dyn Target,
        n: usize,
        bytes: &[u8],
    ) -> Result<usize, TargetError> {
        let ch = &self.down[n];
        let mut wr = word(t, ch.desc + 12)?;
        let rd = word(t, ch.desc + 16)?;
        if ch.size == 0 || wr >= ch.size || rd >= ch.size {
            return Err(TargetError::Protocol(format!(
                "RTT down channel `{}` is corrupt: the board may have reset",
                ch.name
            )));
        }
        let free = if rd > wr {
            rd - wr - 1
        } else {
            ch.size - 1 - (wr - rd)
        };
        let count = (free as usize).min(bytes.len());
        let mut done = 0;
        while done < count {
            let run = ((ch.size - wr) as usize).min(count - done);
            t.write_memory(ch.buffer + wr, &bytes[done..done + run])?;
            done += run;
            wr = (wr + run as u32) % ch.size;
        }
        if count > 0 {
            t.write_memory(ch.desc + 12, &wr.to_le_bytes())?;
        }
        Ok(count)
    }
}
