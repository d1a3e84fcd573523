//! The hand-written board overlay (`platforms/<name>.toml`): the facts an
//! SVD does not carry. It is data only: memories, core clock, which
//! peripherals get which behavioural model, Renode model mapping, and how
//! to resolve the SVD's overlapping or bogus peripheral windows.

use crate::PlatformError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Platform name; must equal the file stem.
    pub name: String,
    /// The SVD `<device><name>`; checked against the SVD.
    pub chip: String,
    /// Repository-relative path of the SVD (`svd/STM32F100xx.svd.xz`).
    pub svd: String,
    /// The chip this core view belongs to (`MIMXRT1176`). Machines whose
    /// platforms name the same `soc` can run as cores of one chip in a
    /// scenario (`chip:`), sharing the memories marked `shared`.
    pub soc: Option<String>,
    pub core: CoreOverlay,
    #[serde(default, rename = "memory")]
    pub memories: Vec<MemoryOverlay>,
    #[serde(default)]
    pub peripherals: PeripheralsOverlay,
    /// Behavioural model id -> peripheral name patterns.
    #[serde(default)]
    pub models: BTreeMap<String, Vec<String>>,
    /// Renode model mapping, first match wins.
    #[serde(default)]
    pub renode: Vec<RenodeOverlay>,
    /// Registers Renode answers with a fixed value (`sysbus Tag`), for
    /// ready bits the firmware polls in blocks Renode has no model for.
    #[serde(default, rename = "renode_tag")]
    pub renode_tags: Vec<RenodeTagOverlay>,
}

/// `[[renode_tag]] register = "RCC.CR", value = 0x0300_0083`: Renode reads
/// the register as `value` and ignores writes to it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenodeTagOverlay {
    /// `PERIPHERAL.REGISTER`, as the SVD names them.
    pub register: String,
    pub value: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreOverlay {
    /// `cortex-m3`, `cortex-m4f` or `cortex-m7`.
    pub cpu: String,
    pub cpu_hz: u64,
    pub nvic_irqs: u32,
    /// Defaults to the SVD's `<cpu><nvicPrioBits>`.
    pub nvic_prio_bits: Option<u8>,
    /// Default to the SVD's `<cpu>` element (false without one).
    pub fpu: Option<bool>,
    pub mpu: Option<bool>,
    pub boot_vector_table: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryOverlay {
    pub name: String,
    pub base: u32,
    pub size: u32,
    /// `flash`, `ram`, `rom` or `tcm`.
    pub kind: String,
    #[serde(default)]
    pub aliases: Vec<u32>,
    /// The same physical memory for every core of the `soc` (OCRAM on the
    /// RT1176); needs `soc`, and must be RAM.
    #[serde(default)]
    pub shared: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeripheralsOverlay {
    /// Patterns of SVD peripherals to leave out of the platform.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Window size overrides, by exact peripheral name.
    #[serde(default)]
    pub size: BTreeMap<String, u32>,
    #[serde(default)]
    pub merge: Vec<MergeOverlay>,
}

/// Several SVD peripherals sharing one window become one peripheral.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeOverlay {
    pub name: String,
    pub from: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenodeOverlay {
    #[serde(rename = "match")]
    pub patterns: Vec<String>,
    #[serde(rename = "type")]
    pub type_name: String,
    /// NVIC wiring, one entry per model output: `"Output"` takes the
    /// peripheral's interrupts in number order; `"Output<-PATTERN"` takes
    /// the SVD interrupt whose name matches PATTERN. An empty output name
    /// is the model's default output (`-> nvic@N`); a trailing `?` wires the
    /// output only if the peripheral has an interrupt for it.
    #[serde(default)]
    pub irqs: Vec<String>,
    pub range: Option<u32>,
    /// Literal Renode property values, e.g. `frequency = "24000000"`.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

impl Overlay {
    pub fn parse(text: &str, path: &Path) -> Result<Overlay, PlatformError> {
        let overlay: Overlay = toml::from_str(text).map_err(|e| {
            PlatformError::overlay(
                path,
                format!(
                    "{}. Fix: see docs/platforms.md for the overlay format",
                    e.to_string().trim_end()
                ),
            )
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if overlay.name != stem {
            return Err(PlatformError::overlay(
                path,
                format!(
                    "`name = \"{}\"` differs from the file name `{stem}`. Fix: make them equal",
                    overlay.name
                ),
            ));
        }
        Ok(overlay)
    }
}

/// Peripheral name patterns: `#` stands for one or more digits, `*` for any
/// text; everything else matches itself (case-sensitive, as in the SVD).
/// Linear in pattern length times name length (a set of pattern positions
/// is advanced one name byte at a time), whatever the pattern: 120 `*` cost
/// no more than 120 letters.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.as_bytes();
    // State i: about to match p[i]; state p.len() + 1 + i: inside the `#`
    // at p[i] with at least one digit matched.
    let n = p.len() + 1;
    let mut now = vec![false; 2 * n];
    let mut next = vec![false; 2 * n];
    now[0] = true;
    close(p, &mut now);
    for &c in name.as_bytes() {
        next.iter_mut().for_each(|s| *s = false);
        for i in 0..p.len() {
            if now[i] {
                match p[i] {
                    b'*' => next[i] = true,
                    b'#' if c.is_ascii_digit() => next[n + i] = true,
                    lit if lit == c => next[i + 1] = true,
                    _ => {}
                }
            }
            if now[n + i] && c.is_ascii_digit() {
                next[n + i] = true;
            }
        }
        close(p, &mut next);
        std::mem::swap(&mut now, &mut next);
        if !now.contains(&true) {
            return false;
        }
    }
    now[p.len()]
}

/// Adds the states reachable without consuming a byte: past a `*` (it may
/// match nothing) and past a `#` that has matched a digit.
fn close(p: &[u8], states: &mut [bool]) {
    let n = p.len() + 1;
    for i in 0..p.len() {
        if states[n + i] {
            states[i + 1] = true;
        }
        if states[i] && p[i] == b'*' {
            states[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(pattern_matches("LPUART#", "LPUART12"));
        assert!(!pattern_matches("LPUART#", "LPUART"));
        assert!(!pattern_matches("GPIO#", "GPIO_AD"));
        assert!(pattern_matches("ANADIG_*", "ANADIG_PLL"));
        assert!(pattern_matches("USART1", "USART1"));
        assert!(!pattern_matches("USART1", "USART10"));
        assert!(pattern_matches("*", ""));
        assert!(pattern_matches("A*#*B", "AX12YB"));
        assert!(!pattern_matches("A#B", "AB"));
        assert!(pattern_matches("#_#", "1_23"));
        assert!(!pattern_matches("", "x"));
    }
}
