//! The platform model: what one core of one chip looks like to firmware.
//! Built from the SVD plus the board overlay; both engines consume it.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// Platform name (`stm32f100`, `rt1176-cm7`, `rt1176-cm4`).
    pub name: String,
    /// Chip name as in the SVD (`STM32F100xx`, `MIMXRT1176_cm7`).
    pub chip: String,
    /// The SVD, repository-relative (`svd/STM32F100xx.svd.xz`).
    pub svd: PathBuf,
    /// The overlay, repository-relative (`platforms/stm32f100.toml`).
    pub overlay: PathBuf,
    /// The chip this is one core of, when other cores of it are modelled
    /// (`MIMXRT1176` for both RT1176 core views).
    pub soc: Option<String>,
    pub core: CoreDesc,
    /// Sorted by base address.
    pub memories: Vec<MemoryDesc>,
    /// Sorted by base address.
    pub peripherals: Vec<PeripheralDesc>,
    /// Registers Renode answers with a fixed value (overlay `[[renode_tag]]`),
    /// in overlay order.
    #[serde(default)]
    pub renode_tags: Vec<RenodeTag>,
}

/// One `sysbus Tag <address, address + size - 1> "name" value` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenodeTag {
    /// `RCC_CR`: peripheral and register joined by `_`.
    pub name: String,
    pub address: u32,
    /// Bytes.
    pub size: u32,
    pub value: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpuKind {
    CortexM3,
    CortexM4F,
    CortexM7F,
}

impl CpuKind {
    /// The overlay spelling (also Renode's `cpuType`).
    pub fn id(self) -> &'static str {
        match self {
            CpuKind::CortexM3 => "cortex-m3",
            CpuKind::CortexM4F => "cortex-m4f",
            CpuKind::CortexM7F => "cortex-m7",
        }
    }

    pub fn from_id(s: &str) -> Option<CpuKind> {
        [CpuKind::CortexM3, CpuKind::CortexM4F, CpuKind::CortexM7F]
            .into_iter()
            .find(|k| k.id() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreDesc {
    pub cpu: CpuKind,
    /// Core clock after the board's boot clock setup, in Hz.
    pub cpu_hz: u64,
    /// Number of external interrupt lines (IRQ0..IRQn-1).
    pub nvic_irqs: u32,
    /// Implemented priority bits (4 on all three chips).
    pub nvic_prio_bits: u8,
    pub fpu: bool,
    pub mpu: bool,
    /// Where the vector table of a booted image normally lives (the runner
    /// still takes the ELF's own vector table when it has one).
    pub boot_vector_table: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemoryKind {
    Flash,
    Ram,
    Rom,
    Tcm,
}

impl MemoryKind {
    pub fn id(self) -> &'static str {
        match self {
            MemoryKind::Flash => "flash",
            MemoryKind::Ram => "ram",
            MemoryKind::Rom => "rom",
            MemoryKind::Tcm => "tcm",
        }
    }

    pub fn from_id(s: &str) -> Option<MemoryKind> {
        [
            MemoryKind::Flash,
            MemoryKind::Ram,
            MemoryKind::Rom,
            MemoryKind::Tcm,
        ]
        .into_iter()
        .find(|k| k.id() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryDesc {
    pub name: String,
    pub base: u32,
    pub size: u32,
    pub kind: MemoryKind,
    /// Further addresses where the same memory appears (the STM32 boot alias
    /// of flash at 0x0000_0000).
    pub aliases: Vec<u32>,
    /// The same physical memory for every core of the platform's `soc`.
    pub shared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IrqDesc {
    pub name: String,
    /// External interrupt number (IRQn; exception number - 16).
    pub number: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeripheralDesc {
    pub name: String,
    pub base: u32,
    /// Size of the register window in bytes.
    pub size: u32,
    /// Sorted by number.
    pub irqs: Vec<IrqDesc>,
    /// Behavioural model id from the overlay (`stm32f1.usart`); `None`
    /// means ApplySVD semantics (reset values, stored writes, logged).
    pub model: Option<String>,
    /// The Renode model this peripheral maps to, if any.
    pub renode: Option<RenodeModel>,
    /// Sorted by offset; several registers may share an offset (SVD
    /// alternate registers).
    pub registers: Vec<RegisterDesc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenodeModel {
    /// Renode type, e.g. `UART.STM32_UART`.
    pub type_name: String,
    /// Register the model with an explicit window `<base, +range>`.
    pub range: Option<u32>,
    /// (model output, NVIC line) pairs; output "" is the model's default
    /// output (`-> nvic@N`).
    pub irqs: Vec<(String, u32)>,
    /// Literal property lines (`name: value`), in name order.
    pub properties: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegAccess {
    ReadOnly,
    WriteOnly,
    ReadWrite,
    WriteOnce,
    ReadWriteOnce,
}

impl RegAccess {
    pub fn short(self) -> &'static str {
        match self {
            RegAccess::ReadOnly => "ro",
            RegAccess::WriteOnly => "wo",
            RegAccess::ReadWrite => "rw",
            RegAccess::WriteOnce => "wo1",
            RegAccess::ReadWriteOnce => "rw1",
        }
    }

    pub fn readable(self) -> bool {
        !matches!(self, RegAccess::WriteOnly | RegAccess::WriteOnce)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterDesc {
    /// Register name; registers inside clusters are `CLUSTER_REG`, array
    /// members carry their index (`TCD0_SADDR`, `CMP3`).
    pub name: String,
    /// Byte offset from the peripheral base.
    pub offset: u32,
    /// 8, 16 or 32.
    pub size_bits: u32,
    pub reset_value: u32,
    pub reset_mask: u32,
    pub access: RegAccess,
    /// Bits a write changes (read-only fields and reserved bits excluded).
    pub write_mask: u32,
    /// Bits cleared by writing 1 (SVD `oneToClear`).
    pub w1c_mask: u32,
}

impl Platform {
    pub fn peripheral(&self, name: &str) -> Option<&PeripheralDesc> {
        self.peripherals
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The peripheral whose window holds `addr`.
    pub fn peripheral_at(&self, addr: u32) -> Option<&PeripheralDesc> {
        let i = self.peripherals.partition_point(|p| p.base <= addr);
        let p = self.peripherals.get(i.checked_sub(1)?)?;
        ((addr as u64) < p.base as u64 + p.size as u64).then_some(p)
    }
}

/// What an address belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region<'a> {
    /// A memory, and the offset into it (aliases resolved).
    Memory(&'a MemoryDesc, u32),
    /// A peripheral, and the offset into its window.
    Peripheral(&'a PeripheralDesc, u32),
}

impl Platform {
    /// The memory or peripheral holding `addr`; `None` means an access
    /// there is a bus fault.
    pub fn region_at(&self, addr: u32) -> Option<Region<'_>> {
        for m in &self.memories {
            for &at in std::iter::once(&m.base).chain(&m.aliases) {
                if addr >= at && ((addr - at) as u64) < m.size as u64 {
                    return Some(Region::Memory(m, addr - at));
                }
            }
        }
        self.peripheral_at(addr)
            .map(|p| Region::Peripheral(p, addr - p.base))
    }
}

impl PeripheralDesc {
    pub fn end(&self) -> u64 {
        self.base as u64 + self.size as u64
    }
}
