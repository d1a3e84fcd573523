//! Platform + scenario machine -> the engine's MachineSpec.

use gale_engine::{CoreKind, MachineSpec, MappedPeripheral, MemoryRegion, SharedMemory};
use gale_harness::models::{self, Attachment};
use gale_platform::{CpuKind, MemoryKind, Platform};
use std::collections::BTreeMap;

/// Builds the engine's view of one machine from its platform, with the
/// scenario's devices attached (`attachments`, by bus peripheral name) and
/// the host memory it shares with other cores of its chip (`shared`, by
/// memory name).
/// Returns the spec and notes worth showing the user (models not
/// implemented yet).
pub fn spec(
    name: &str,
    platform: &Platform,
    trace_irqs: bool,
    mut attachments: BTreeMap<String, Vec<Attachment>>,
    shared: Option<&BTreeMap<String, SharedMemory>>,
) -> Result<(MachineSpec, Vec<String>), String> {
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let memories = platform
        .memories
        .iter()
        // Aliases (the STM32 boot alias of flash at 0) answer with the same
        // memory; the engine still boots from the ELF's vector table.
        .map(|m| MemoryRegion {
            name: m.name.clone(),
            base: m.base,
            size: m.size,
            writable: !matches!(m.kind, MemoryKind::Flash | MemoryKind::Rom),
            // Code runs from flash, ROM and TCM; plain RAM is data only
            // (stores to executable pages take the engine's slow path).
            executable: !matches!(m.kind, MemoryKind::Ram),
            shared: shared
                .and_then(|s| s.get(&m.name))
                .filter(|_| m.shared)
                .cloned(),
            aliases: m.aliases.clone(),
        })
        .collect();
    let mut peripherals = Vec::new();
    for p in &platform.peripherals {
        let built = models::instantiate(p, attachments.remove(&p.name).unwrap_or_default())?;
        if let Some(id) = built.unimplemented {
            missing.entry(id).or_default().push(p.name.clone());
        }
        peripherals.push(MappedPeripheral {
            base: p.base,
            model: built.model,
        });
    }
    let core = match platform.core.cpu {
        CpuKind::CortexM3 => CoreKind::CortexM3,
        CpuKind::CortexM4F => CoreKind::CortexM4F,
        CpuKind::CortexM7F => CoreKind::CortexM7F,
    };
    let spec = MachineSpec {
        name: name.to_string(),
        core,
        cpu_hz: platform.core.cpu_hz,
        nvic_irqs: platform.core.nvic_irqs,
        memories,
        peripherals,
        trace_irqs,
    };
    let notes = missing
        .into_iter()
        .map(|(id, names)| {
            format!(
                "{name}: model `{id}` not implemented yet, SVD reset values used for {}",
                names.join(", ")
            )
        })
        .collect();
    Ok((spec, notes))
}
