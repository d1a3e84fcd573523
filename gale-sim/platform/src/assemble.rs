//! SVD + overlay -> [`Platform`]: applies exclusions, merges, size
//! overrides, model and Renode mappings, then checks the address map
//! (no overlaps, IRQs inside the NVIC). Every overlay pattern must match
//! something, so a typo in the overlay is an error rather than a no-op.

use crate::model::*;
use crate::overlay::{pattern_matches, Overlay};
use crate::svd_load::{SvdChip, SvdPeripheral};
use crate::PlatformError;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn assemble(
    overlay: &Overlay,
    overlay_path: &Path,
    chip: SvdChip,
) -> Result<Platform, PlatformError> {
    let bad = |detail: String| PlatformError::overlay(overlay_path, detail);
    if chip.name != overlay.chip {
        return Err(bad(format!(
            "`chip = \"{}\"` but the SVD {} describes `{}`. Fix: point `svd` at the right file or correct `chip`",
            overlay.chip, overlay.svd, chip.name
        )));
    }
    let mut periphs = chip.peripherals;

    // Exclusions.
    for pat in &overlay.peripherals.exclude {
        let before = periphs.len();
        periphs.retain(|p| !pattern_matches(pat, &p.name));
        if periphs.len() == before {
            return Err(bad(no_match("peripherals.exclude", pat)));
        }
    }

    // Merges.
    for m in &overlay.peripherals.merge {
        let mut parts = Vec::new();
        for from in &m.from {
            let i = periphs
                .iter()
                .position(|p| &p.name == from)
                .ok_or_else(|| bad(no_match(&format!("peripherals.merge `{}`", m.name), from)))?;
            parts.push(periphs.remove(i));
        }
        if parts.is_empty() {
            return Err(bad(format!(
                "merge `{}` has an empty `from` list. Fix: list the peripherals to merge",
                m.name
            )));
        }
        periphs.push(merge(&m.name, parts));
    }

    // Size overrides.
    for (name, &size) in &overlay.peripherals.size {
        let p = periphs
            .iter_mut()
            .find(|p| &p.name == name)
            .ok_or_else(|| bad(no_match("peripherals.size", name)))?;
        let reg_end = p
            .registers
            .iter()
            .map(|r| r.offset as u64 + r.size_bits as u64 / 8)
            .max()
            .unwrap_or(0);
        if (size as u64) < reg_end || size == 0 {
            return Err(bad(format!(
                "peripherals.size.{name} = {size:#x} is smaller than its registers (they end at {reg_end:#x}). Fix: use at least {reg_end:#x}"
            )));
        }
        p.size = size;
    }

    // Behavioural models.
    let mut model_of: Vec<Option<String>> = vec![None; periphs.len()];
    for (model, pats) in &overlay.models {
        for pat in pats {
            let mut hit = false;
            for (i, p) in periphs.iter().enumerate() {
                if pattern_matches(pat, &p.name) {
                    hit = true;
                    if let Some(other) = &model_of[i] {
                        if other != model {
                            return Err(bad(format!(
                                "peripheral `{}` is given two models, `{other}` and `{model}`. Fix: make the patterns in [models] disjoint",
                                p.name
                            )));
                        }
                    }
                    model_of[i] = Some(model.clone());
                }
            }
            if !hit {
                return Err(bad(no_match(&format!("models.\"{model}\""), pat)));
            }
        }
    }

    // Renode mapping: first matching entry wins.
    let mut renode_of: Vec<Option<RenodeModel>> = vec![None; periphs.len()];
    for r in &overlay.renode {
        for pat in &r.patterns {
            let mut hit = false;
            for (i, p) in periphs.iter().enumerate() {
                if !pattern_matches(pat, &p.name) {
                    continue;
                }
                hit = true;
                if renode_of[i].is_some() {
                    continue; // an earlier entry mapped it: first match wins
                }
                let irqs = wire_irqs(&r.irqs, p)
                    .map_err(|e| bad(format!("renode `{}` on `{}`: {e}", r.type_name, p.name)))?;
                renode_of[i] = Some(RenodeModel {
                    type_name: r.type_name.clone(),
                    range: r.range,
                    irqs,
                    properties: r
                        .properties
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
            }
            if !hit {
                return Err(bad(no_match(&format!("renode `{}`", r.type_name), pat)));
            }
        }
    }

    let mut peripherals: Vec<PeripheralDesc> = periphs
        .into_iter()
        .zip(model_of)
        .zip(renode_of)
        .map(|((p, model), renode)| PeripheralDesc {
            name: p.name,
            base: p.base,
            size: p.size,
            irqs: p.irqs,
            model,
            renode,
            registers: p.registers,
        })
        .collect();
    peripherals.sort_by(|a, b| (a.base, &a.name).cmp(&(b.base, &b.name)));

    let core = core(overlay, &chip.cpu, overlay_path)?;
    let mut memories = Vec::new();
    for m in &overlay.memories {
        let kind = MemoryKind::from_id(&m.kind).ok_or_else(|| {
            bad(format!(
                "memory `{}` has kind `{}`. Fix: use flash, ram, rom or tcm",
                m.name, m.kind
            ))
        })?;
        if m.size == 0 {
            return Err(bad(format!(
                "memory `{}` has size 0. Fix: give its size in bytes",
                m.name
            )));
        }
        check_memory_placement(m).map_err(bad)?;
        if m.shared && (overlay.soc.is_none() || kind != MemoryKind::Ram) {
            return Err(bad(format!(
                "memory `{}` is marked shared. Fix: shared memories must be kind = \"ram\", and the overlay needs `soc = \"<chip>\"` naming the chip whose cores share it",
                m.name
            )));
        }
        memories.push(MemoryDesc {
            name: m.name.clone(),
            base: m.base,
            size: m.size,
            kind,
            aliases: m.aliases.clone(),
            shared: m.shared,
        });
    }
    memories.sort_by_key(|m| m.base);

    check_map(&peripherals, &memories, overlay_path)?;
    for p in &peripherals {
        if let Some(irq) = p.irqs.iter().find(|i| i.number >= core.nvic_irqs) {
            return Err(bad(format!(
                "`{}` uses IRQ {} ({}) but core.nvic_irqs = {}. Fix: raise core.nvic_irqs to at least {}",
                p.name,
                irq.number,
                irq.name,
                core.nvic_irqs,
                irq.number.saturating_add(1)
            )));
        }
    }
    let mut names = BTreeSet::new();
    if let Some(dup) = peripherals.iter().find(|p| !names.insert(p.name.as_str())) {
        return Err(bad(format!(
            "two peripherals are named `{}` (in the SVD, or as a merge target). Fix: exclude one, or give the merge another name",
            dup.name
        )));
    }

    let renode_tags = overlay
        .renode_tags
        .iter()
        .map(|t| renode_tag(t, &peripherals).map_err(&bad))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Platform {
        name: overlay.name.clone(),
        chip: overlay.chip.clone(),
        svd: PathBuf::from(&overlay.svd),
        overlay: PathBuf::from(format!("platforms/{}.toml", overlay.name)),
        soc: overlay.soc.clone(),
        core,
        memories,
        peripherals,
        renode_tags,
    })
}

/// Resolves `[[renode_tag]] register = "PERIPH.REG"` against the SVD.
fn renode_tag(
    t: &crate::overlay::RenodeTagOverlay,
    peripherals: &[PeripheralDesc],
) -> Result<RenodeTag, String> {
    let (per, reg) = t.register.split_once('.').ok_or_else(|| {
        format!(
            "renode_tag register `{}` is not `PERIPHERAL.REGISTER`. Fix: e.g. \"RCC.CR\"",
            t.register
        )
    })?;
    let p = peripherals.iter().find(|p| p.name == per).ok_or_else(|| {
        format!(
            "renode_tag register `{}`: no peripheral `{per}`. Fix: use the SVD's peripheral name",
            t.register
        )
    })?;
    let r = p.registers.iter().find(|r| r.name == reg).ok_or_else(|| {
        format!(
            "renode_tag register `{}`: `{per}` has no register `{reg}`. Fix: use the SVD's register name",
            t.register
        )
    })?;
    Ok(RenodeTag {
        name: format!("{per}_{reg}"),
        address: p.base + r.offset,
        size: r.size_bits / 8,
        value: t.value,
    })
}

/// Resolves overlay IRQ wiring entries against the peripheral's interrupts.
fn wire_irqs(entries: &[String], p: &SvdPeripheral) -> Result<Vec<(String, u32)>, String> {
    let mut positional = p.irqs.iter();
    let mut out = Vec::new();
    for e in entries {
        let irq = match e.split_once("<-") {
            Some((output, pat)) => {
                let irq = p
                    .irqs
                    .iter()
                    .find(|i| pattern_matches(pat, &i.name))
                    .ok_or_else(|| {
                        let names: Vec<&str> = p.irqs.iter().map(|i| i.name.as_str()).collect();
                        format!(
                            "no interrupt matches `{pat}` (it has: {}). Fix: correct the pattern",
                            names.join(", ")
                        )
                    })?;
                (output.to_string(), irq.number)
            }
            None => {
                // `Output?`: wired only if the peripheral has an interrupt left.
                let (output, optional) = match e.strip_suffix('?') {
                    Some(o) => (o, true),
                    None => (e.as_str(), false),
                };
                match positional.next() {
                    Some(irq) => (output.to_string(), irq.number),
                    None if optional => continue,
                    None => {
                        return Err(format!(
                            "{} outputs wired but the SVD gives it {} interrupts. Fix: shorten `irqs` or mark the output optional (`Name?`)",
                            entries.len(),
                            p.irqs.len()
                        ))
                    }
                }
            }
        };
        out.push(irq);
    }
    Ok(out)
}

fn no_match(what: &str, pat: &str) -> String {
    format!("{what}: pattern `{pat}` matches no SVD peripheral. Fix: correct the name (see `gale-sim platform show`) or remove it")
}

fn core(
    o: &Overlay,
    cpu: &Option<crate::svd_load::SvdCpu>,
    path: &Path,
) -> Result<CoreDesc, PlatformError> {
    let kind = CpuKind::from_id(&o.core.cpu).ok_or_else(|| {
        PlatformError::overlay(
            path,
            format!(
                "core.cpu = `{}`. Fix: use cortex-m3, cortex-m4f or cortex-m7",
                o.core.cpu
            ),
        )
    })?;
    let prio = o
        .core
        .nvic_prio_bits
        .or(cpu.as_ref().map(|c| c.prio_bits))
        .ok_or_else(|| {
            PlatformError::overlay(
                path,
                "the SVD has no <cpu> element. Fix: set core.nvic_prio_bits".to_string(),
            )
        })?;
    if !(2..=8).contains(&prio)
        || o.core.cpu_hz == 0
        || o.core.nvic_irqs == 0
        || o.core.nvic_irqs > 496
    {
        return Err(PlatformError::overlay(
            path,
            "core: nvic_prio_bits must be 2..=8, cpu_hz > 0 and nvic_irqs 1..=496. Fix: correct [core]".to_string(),
        ));
    }
    Ok(CoreDesc {
        cpu: kind,
        cpu_hz: o.core.cpu_hz,
        nvic_irqs: o.core.nvic_irqs,
        nvic_prio_bits: prio,
        fpu: o.core.fpu.or(cpu.as_ref().map(|c| c.fpu)).unwrap_or(false),
        mpu: o.core.mpu.or(cpu.as_ref().map(|c| c.mpu)).unwrap_or(false),
        boot_vector_table: o.core.boot_vector_table,
    })
}

/// Several SVD blocks at (nearly) the same place become one peripheral;
/// registers keep their names unless two collide, then they are prefixed
/// with the block they came from.
fn merge(name: &str, parts: Vec<SvdPeripheral>) -> SvdPeripheral {
    let base = parts.iter().map(|p| p.base).min().unwrap_or(0);
    let end = parts
        .iter()
        .map(|p| p.base as u64 + p.size as u64)
        .max()
        .unwrap_or(0);
    let mut seen = BTreeSet::new();
    let mut dup = BTreeSet::new();
    for p in &parts {
        for r in &p.registers {
            if !seen.insert(r.name.clone()) {
                dup.insert(r.name.clone());
            }
        }
    }
    let mut registers = Vec::new();
    let mut irqs = Vec::new();
    for p in parts {
        irqs.extend(p.irqs);
        for mut r in p.registers {
            r.offset += p.base - base;
            if dup.contains(&r.name) {
                r.name = format!("{}.{}", p.name, r.name);
            }
            registers.push(r);
        }
    }
    registers.sort_by_key(|r| r.offset);
    irqs.sort_by_key(|i: &IrqDesc| i.number);
    irqs.dedup_by_key(|i| i.number);
    SvdPeripheral {
        name: name.to_string(),
        base,
        size: (end - base as u64) as u32,
        irqs,
        registers,
    }
}

/// The System Control Space (SCS, NVIC, SysTick, DWT, ITM, ...): the core's
/// own, never a memory.
const PPB: (u64, u64) = (0xe000_0000, 0xe010_0000);
const PAGE: u32 = 0x1000;

/// A memory (and each alias) starts and ends on a 4 KiB page, lies below
/// 4 GiB and clear of the System Control Space.
fn check_memory_placement(m: &crate::overlay::MemoryOverlay) -> Result<(), String> {
    if !m.size.is_multiple_of(PAGE) {
        return Err(format!(
            "memory `{}` has size {:#x}, not a multiple of 4 KiB. Fix: round it to whole 4 KiB pages",
            m.name, m.size
        ));
    }
    for &at in std::iter::once(&m.base).chain(&m.aliases) {
        let end = at as u64 + m.size as u64;
        let what = if at == m.base { "base" } else { "alias" };
        if at % PAGE != 0 {
            return Err(format!(
                "memory `{}` {what} {at:#010x} is not 4 KiB aligned. Fix: start it on a 4 KiB boundary",
                m.name
            ));
        }
        if end > 1 << 32 {
            return Err(format!(
                "memory `{}` ({what}) at {at:#010x} with size {:#x} runs past 4 GiB. Fix: correct its base or size",
                m.name, m.size
            ));
        }
        if (at as u64) < PPB.1 && PPB.0 < end {
            return Err(format!(
                "memory `{}` ({what}) [{at:#010x}, {end:#010x}) overlaps the System Control Space [0xe0000000, 0xe0100000). Fix: move or shrink it; the core's own registers live there",
                m.name
            ));
        }
    }
    Ok(())
}

fn check_map(
    peripherals: &[PeripheralDesc],
    memories: &[MemoryDesc],
    path: &Path,
) -> Result<(), PlatformError> {
    // (base, end, kind, name), memories once per alias.
    let mut spans: Vec<(u32, u64, &'static str, &str)> = peripherals
        .iter()
        .map(|p| (p.base, p.end(), "peripheral", p.name.as_str()))
        .collect();
    for m in memories {
        for &at in std::iter::once(&m.base).chain(&m.aliases) {
            spans.push((at, at as u64 + m.size as u64, "memory", m.name.as_str()));
        }
    }
    spans.sort_by_key(|s| (s.0, s.1));
    let mut widest: Option<(u32, u64, &'static str, &str)> = None;
    for s in spans {
        if let Some(w) = widest {
            if (s.0 as u64) < w.1 {
                // Report the peripheral first so the message reads naturally.
                let (a, b) = if w.2 == "peripheral" { (w, s) } else { (s, w) };
                return Err(PlatformError::Overlap {
                    path: path.into(),
                    detail: format!(
                        "{} `{}` [{:#010x}, {:#010x}) overlaps {} `{}` [{:#010x}, {:#010x})",
                        a.2, a.3, a.0, a.1, b.2, b.3, b.0, b.1
                    ),
                });
            }
        }
        if widest.is_none_or(|w| s.1 > w.1) {
            widest = Some(s);
        }
    }
    Ok(())
}
