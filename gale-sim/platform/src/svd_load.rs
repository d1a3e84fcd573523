//! Reading a (possibly xz-compressed) CMSIS-SVD file and flattening it into
//! peripherals with fully resolved registers: `derivedFrom`, `dim` arrays,
//! clusters and inherited register properties (size, access, reset value
//! and mask) are all resolved here, by svd-parser plus our own walk.

use crate::model::{IrqDesc, RegAccess, RegisterDesc};
use crate::PlatformError;
use std::path::Path;
use svd_parser::svd::{
    self, Access, AddressBlockUsage, Cluster, MaybeArray, ModifiedWriteValues, Register,
    RegisterCluster, RegisterProperties,
};

/// What the SVD says about the chip, before the overlay is applied.
#[derive(Clone, Debug)]
pub struct SvdChip {
    pub name: String,
    pub cpu: Option<SvdCpu>,
    pub peripherals: Vec<SvdPeripheral>,
}

#[derive(Clone, Debug)]
pub struct SvdCpu {
    pub name: String,
    pub fpu: bool,
    pub mpu: bool,
    pub prio_bits: u8,
}

#[derive(Clone, Debug)]
pub struct SvdPeripheral {
    pub name: String,
    pub base: u32,
    /// Window size: the end of the `registers` address blocks, widened to
    /// cover every register.
    pub size: u32,
    pub irqs: Vec<IrqDesc>,
    pub registers: Vec<RegisterDesc>,
}

/// Reads an SVD file (a regular file, size-capped); `.xz` files are
/// decompressed up to a cap.
pub fn read_svd_text(path: &Path) -> Result<String, PlatformError> {
    let bytes = crate::input::read_capped(path)?;
    let bytes = if path.extension().is_some_and(|e| e == "xz") {
        crate::input::unxz_capped(&bytes, path)?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| PlatformError::Svd {
        path: path.into(),
        detail: format!(
            "not UTF-8 text (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Parses SVD text; `origin` only names the file in errors.
pub fn parse_svd(text: &str, origin: &Path) -> Result<SvdChip, PlatformError> {
    let err = |detail: String| PlatformError::Svd {
        path: origin.into(),
        detail,
    };
    // Parse first, check that expanding arrays stays bounded (a `dim` of
    // 4294967295 would otherwise exhaust memory), then expand.
    // svd-parser and the walks below recurse per element: refuse nesting
    // deep enough to overflow the stack before parsing.
    crate::xml_depth::check(text, MAX_DEPTH).map_err(err)?;
    let config = svd_parser::Config::default().ignore_enums(true);
    // svd-parser reports bad input as errors; catch_unwind is a second line
    // of defence so malformed input can never take the runner down.
    let parsed = std::panic::catch_unwind(|| {
        let mut device = svd_parser::parse_with_config(text, &config)?;
        let elements = expanded_elements(&device);
        if elements > MAX_ELEMENTS {
            anyhow::bail!(
                "expanding its arrays would create about {elements} registers and fields (limit {MAX_ELEMENTS}); check the `dim` values"
            );
        }
        svd_parser::expand::expand_properties(&mut device);
        svd_parser::expand::expand(&device)
    })
    .map_err(|_| err("the SVD parser panicked on this input".into()))?;
    let device = parsed.map_err(|e| {
        let mut detail = format!("{e:#}");
        if !has_position(&detail) {
            detail = format!(
                "{detail} (the text ends at line {})",
                text.lines().count().max(1)
            );
        }
        err(detail)
    })?;
    let defaults = device.default_register_properties;
    let mut peripherals = Vec::with_capacity(device.peripherals.len());
    for p in &device.peripherals {
        let info: &svd::PeripheralInfo = p;
        if p.is_array() {
            return Err(err(format!(
                "peripheral `{}` is still an array after expansion",
                info.name
            )));
        }
        peripherals.push(flatten_peripheral(info, &defaults).map_err(err)?);
    }
    let cpu = device.cpu.as_ref().map(|c| SvdCpu {
        name: c.name.clone(),
        fpu: c.fpu_present,
        mpu: c.mpu_present,
        prio_bits: c.nvic_priority_bits.min(8) as u8,
    });
    Ok(SvdChip {
        name: device.name.clone(),
        cpu,
        peripherals,
    })
}

fn flatten_peripheral(
    p: &svd::PeripheralInfo,
    defaults: &RegisterProperties,
) -> Result<SvdPeripheral, String> {
    let base = u32::try_from(p.base_address).map_err(|_| {
        format!(
            "peripheral `{}` base address {:#x} is beyond 32 bits",
            p.name, p.base_address
        )
    })?;
    let props = p.default_register_properties.derive_from_props(defaults);
    let mut walker = Walker {
        periph: &p.name,
        out: Vec::new(),
    };
    for rc in p.registers.iter().flatten() {
        walker.walk(rc, "", 0, &props)?;
    }
    let mut registers = walker.out;
    registers.sort_by_key(|r| r.offset);
    let block_end = p
        .address_block
        .iter()
        .flatten()
        .filter(|b| b.usage == AddressBlockUsage::Registers)
        .map(|b| b.offset as u64 + b.size as u64)
        .max()
        .unwrap_or(0);
    let reg_end = registers
        .iter()
        .map(|r| r.offset as u64 + r.size_bits as u64 / 8)
        .max()
        .unwrap_or(0);
    let size = block_end.max(reg_end);
    if size == 0 {
        return Err(format!(
            "peripheral `{}` has neither a registers address block nor registers",
            p.name
        ));
    }
    if base as u64 + size > 1 << 32 {
        return Err(format!(
            "peripheral `{}` at {base:#010x} with size {size:#x} runs past the 4 GiB address space",
            p.name
        ));
    }
    let mut irqs: Vec<IrqDesc> = p
        .interrupt
        .iter()
        .map(|i| IrqDesc {
            name: i.name.clone(),
            number: i.value,
        })
        .collect();
    irqs.sort_by_key(|i| i.number);
    irqs.dedup_by_key(|i| i.number);
    Ok(SvdPeripheral {
        name: p.name.clone(),
        base,
        size: size as u32,
        irqs,
        registers,
    })
}

/// Whether a parser message carries a `line:column` position.
fn has_position(msg: &str) -> bool {
    let b = msg.as_bytes();
    (1..b.len().saturating_sub(1))
        .any(|i| b[i] == b':' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
}

/// XML element nesting accepted (real SVDs nest about 12 deep, clusters
/// included); far below what overflows a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 64;

/// Far above the RT1176 SVDs (about 60 000 registers and 250 000 fields).
const MAX_ELEMENTS: u64 = 4_000_000;

fn dim_count<T>(m: &MaybeArray<T>) -> u64 {
    match m {
        MaybeArray::Single(_) => 1,
        MaybeArray::Array(_, d) => d.dim as u64,
    }
}

/// Registers and fields the expansion would create, counting derived
/// peripherals as copies of their base (saturating, so it cannot overflow).
fn expanded_elements(device: &svd::Device) -> u64 {
    fn rc_count(rcs: &[RegisterCluster]) -> u64 {
        rcs.iter().fold(0u64, |acc, rc| {
            let n = match rc {
                RegisterCluster::Register(r) => {
                    let fields = r
                        .fields
                        .iter()
                        .flatten()
                        .fold(0u64, |a, f| a.saturating_add(dim_count(f)));
                    dim_count(r).saturating_mul(1 + fields)
                }
                RegisterCluster::Cluster(c) => dim_count(c).saturating_mul(rc_count(&c.children)),
            };
            acc.saturating_add(n)
        })
    }
    let own: std::collections::HashMap<&str, u64> = device
        .peripherals
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                rc_count(p.registers.as_deref().unwrap_or(&[])),
            )
        })
        .collect();
    device.peripherals.iter().fold(0u64, |acc, p| {
        let mut n = own.get(p.name.as_str()).copied().unwrap_or(0);
        if p.registers.is_none() {
            n = p
                .derived_from
                .as_deref()
                .and_then(|d| own.get(d))
                .copied()
                .unwrap_or(0);
        }
        acc.saturating_add(dim_count(p).saturating_mul(n.max(1)))
    })
}

/// Properties inheritance that also works when svd-parser's own expansion
/// skipped an element (derived peripherals and clusters).
trait DeriveProps {
    fn derive_from_props(&self, parent: &RegisterProperties) -> RegisterProperties;
}

impl DeriveProps for RegisterProperties {
    fn derive_from_props(&self, parent: &RegisterProperties) -> RegisterProperties {
        let mut p = *self;
        p.size = p.size.or(parent.size);
        p.access = p.access.or(parent.access);
        p.reset_value = p.reset_value.or(parent.reset_value);
        p.reset_mask = p.reset_mask.or(parent.reset_mask);
        p
    }
}

/// The (name, offset) of each instance of a possibly-`dim`med element.
fn instance_names<T: svd::Name>(
    info: &T,
    offset: u32,
    dim: Option<&svd::DimElement>,
) -> Vec<(String, u32)> {
    match dim {
        None => vec![(info.name().to_string(), offset)],
        Some(d) => svd::array::names(info, d)
            .enumerate()
            .map(|(i, n)| {
                (
                    n,
                    offset.wrapping_add((i as u32).wrapping_mul(d.dim_increment)),
                )
            })
            .collect(),
    }
}

fn split<T>(m: &MaybeArray<T>) -> (&T, Option<&svd::DimElement>) {
    match m {
        MaybeArray::Single(i) => (i, None),
        MaybeArray::Array(i, d) => (i, Some(d)),
    }
}

/// Collects one peripheral's registers, clusters flattened to `CLUSTER_REG`
/// (svd-parser's expansion already does this; the same naming here for any
/// cluster it leaves).
struct Walker<'a> {
    periph: &'a str,
    out: Vec<RegisterDesc>,
}

impl Walker<'_> {
    fn walk(
        &mut self,
        rc: &RegisterCluster,
        prefix: &str,
        base: u32,
        props: &RegisterProperties,
    ) -> Result<(), String> {
        match rc {
            RegisterCluster::Register(r) => self.register(r, prefix, base, props),
            RegisterCluster::Cluster(c) => self.cluster(c, prefix, base, props),
        }
    }

    fn cluster(
        &mut self,
        c: &Cluster,
        prefix: &str,
        base: u32,
        props: &RegisterProperties,
    ) -> Result<(), String> {
        let (info, dim) = split(c);
        let props = info.default_register_properties.derive_from_props(props);
        for (name, off) in instance_names(info, info.address_offset, dim) {
            let prefix = format!("{prefix}{name}_");
            let base = base
                .checked_add(off)
                .ok_or_else(|| format!("`{}.{prefix}` offset overflows", self.periph))?;
            for child in &info.children {
                self.walk(child, &prefix, base, &props)?;
            }
        }
        Ok(())
    }

    fn register(
        &mut self,
        r: &Register,
        prefix: &str,
        base: u32,
        props: &RegisterProperties,
    ) -> Result<(), String> {
        let periph = self.periph;
        let (info, dim) = split(r);
        let names = instance_names(info, info.address_offset, dim);
        let p = info.properties.derive_from_props(props);
        let size_bits = p.size.unwrap_or(32);
        let full = |bits: u32| {
            if bits >= 32 {
                u32::MAX
            } else {
                (1u32 << bits) - 1
            }
        };
        let access = match p.access.unwrap_or(Access::ReadWrite) {
            Access::ReadOnly => RegAccess::ReadOnly,
            Access::WriteOnly => RegAccess::WriteOnly,
            Access::ReadWrite => RegAccess::ReadWrite,
            Access::WriteOnce => RegAccess::WriteOnce,
            Access::ReadWriteOnce => RegAccess::ReadWriteOnce,
        };
        // Registers wider than 32 bits appear as consecutive 32-bit words
        // (`REG`, `REG_W1`, ...); narrower sizes must be bytes or halfwords.
        let words = match size_bits {
            8 | 16 | 32 => 1,
            64 | 96 | 128 => size_bits / 32,
            other => {
                return Err(format!(
                    "register `{periph}.{prefix}{}` has unsupported size {other} bits",
                    info.name
                ))
            }
        };
        let (write_mask, w1c_mask) = write_masks(info, access, full(size_bits.min(32)));
        for (name, off) in names {
            for w in 0..words {
                let offset = base
                    .checked_add(off)
                    .and_then(|o| o.checked_add(w * 4))
                    .ok_or_else(|| format!("`{periph}.{prefix}{name}` offset overflows"))?;
                let reset_value = p
                    .reset_value
                    .map(|v| v.checked_shr(32 * w).unwrap_or(0) as u32)
                    .unwrap_or(0)
                    & full(size_bits.min(32));
                let reset_mask = p
                    .reset_mask
                    .map(|v| v.checked_shr(32 * w).unwrap_or(0) as u32)
                    .unwrap_or(u32::MAX)
                    & full(size_bits.min(32));
                let name = if w == 0 {
                    format!("{prefix}{name}")
                } else {
                    format!("{prefix}{name}_W{w}")
                };
                self.out.push(RegisterDesc {
                    name,
                    offset,
                    size_bits: size_bits.min(32),
                    reset_value,
                    reset_mask,
                    access,
                    write_mask,
                    w1c_mask,
                });
            }
        }
        Ok(())
    }
}

/// Which bits a write changes, and which it clears by writing 1. With
/// fields, only fields that are writable count (reserved bits keep their
/// value); without fields the whole register follows its access.
fn write_masks(info: &svd::RegisterInfo, access: RegAccess, full: u32) -> (u32, u32) {
    if access == RegAccess::ReadOnly {
        return (0, 0);
    }
    let Some(fields) = info.fields.as_ref().filter(|f| !f.is_empty()) else {
        return (full, 0);
    };
    let (mut write, mut w1c) = (0u32, 0u32);
    for f in fields {
        let (offset, width) = (f.bit_range.offset, f.bit_range.width);
        let count = match f {
            MaybeArray::Single(_) => 1,
            MaybeArray::Array(_, d) => d.dim,
        };
        let stride = match f {
            MaybeArray::Single(_) => 0,
            MaybeArray::Array(_, d) => d.dim_increment,
        };
        for i in 0..count {
            let lo = offset + i * stride;
            if lo >= 32 {
                continue;
            }
            let bits = if width >= 32 {
                u32::MAX
            } else {
                ((1u32 << width) - 1) << lo
            };
            let fa = f.access.unwrap_or(match access {
                RegAccess::ReadOnly => Access::ReadOnly,
                _ => Access::ReadWrite,
            });
            if fa == Access::ReadOnly {
                continue;
            }
            let mwv = f.modified_write_values.or(info.modified_write_values);
            if mwv == Some(ModifiedWriteValues::OneToClear) {
                w1c |= bits;
            } else {
                write |= bits;
            }
        }
    }
    (write & full, w1c & full)
}
