//! Human-readable views for `gale-sim platform show|regs`.

use crate::{Platform, PlatformError};
use std::fmt::Write;

/// Core facts, memories and peripherals in address order.
pub fn memory_map(p: &Platform) -> String {
    let mut s = String::new();
    let c = &p.core;
    let _ = writeln!(
        s,
        "platform {} (chip {}, svd {})",
        p.name,
        p.chip,
        p.svd.display()
    );
    let _ = writeln!(
        s,
        "core     {} at {} Hz, {} IRQs, {} priority bits, fpu {}, mpu {}, vector table {:#010x}",
        c.cpu.id(),
        c.cpu_hz,
        c.nvic_irqs,
        c.nvic_prio_bits,
        yes(c.fpu),
        yes(c.mpu),
        c.boot_vector_table
    );
    let _ = writeln!(
        s,
        "\n{:<24} {:<10} {:<10} {:<10} what",
        "memory", "base", "end", "size"
    );
    for m in &p.memories {
        let alias = if m.aliases.is_empty() {
            String::new()
        } else {
            format!(
                " (also at {})",
                m.aliases
                    .iter()
                    .map(|a| format!("{a:#010x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let shared = match (&p.soc, m.shared) {
            (Some(soc), true) => format!(" (shared by the cores of {soc})"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "{:<24} {:#010x} {:#010x} {:<10} {}{alias}{shared}",
            m.name,
            m.base,
            m.base as u64 + m.size as u64 - 1,
            size(m.size),
            m.kind.id()
        );
    }
    let _ = writeln!(
        s,
        "\n{:<24} {:<10} {:<10} {:<10} {:<16} {:<24} irqs",
        "peripheral", "base", "end", "size", "model", "renode"
    );
    for per in &p.peripherals {
        let irqs: Vec<String> = per.irqs.iter().map(|i| i.number.to_string()).collect();
        let _ = writeln!(
            s,
            "{:<24} {:#010x} {:#010x} {:<10} {:<16} {:<24} {}",
            per.name,
            per.base,
            per.end() - 1,
            size(per.size),
            per.model.as_deref().unwrap_or("svd"),
            per.renode
                .as_ref()
                .map(|r| r.type_name.as_str())
                .unwrap_or("ApplySVD"),
            irqs.join(",")
        );
    }
    s
}

/// The registers of one peripheral: offset, address, size, access, reset.
pub fn registers(p: &Platform, peripheral: &str) -> Result<String, PlatformError> {
    let Some(per) = p.peripheral(peripheral) else {
        return Err(PlatformError::UnknownPeripheral {
            platform: p.name.clone(),
            name: peripheral.to_string(),
            hint: close_names(p, peripheral),
        });
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} at {:#010x} (size {}, model {}, irqs {})",
        per.name,
        per.base,
        size(per.size),
        per.model.as_deref().unwrap_or("svd"),
        if per.irqs.is_empty() {
            "none".to_string()
        } else {
            per.irqs
                .iter()
                .map(|i| format!("{}={}", i.name, i.number))
                .collect::<Vec<_>>()
                .join(" ")
        }
    );
    let _ = writeln!(
        s,
        "{:<8} {:<10} {:>4} {:<4} {:<10} {:<10} name",
        "offset", "address", "bits", "acc", "reset", "writable"
    );
    for r in &per.registers {
        let _ = writeln!(
            s,
            "{:#06x}   {:#010x} {:>4} {:<4} {:#010x} {:#010x} {}",
            r.offset,
            per.base as u64 + r.offset as u64,
            r.size_bits,
            r.access.short(),
            r.reset_value,
            r.write_mask | r.w1c_mask,
            r.name
        );
    }
    Ok(s)
}

/// Up to five peripheral names close to `name`: containing it, contained
/// in it, or within a small edit distance.
fn close_names(p: &Platform, name: &str) -> String {
    let want = name.to_ascii_uppercase();
    let mut scored: Vec<(usize, &str)> = p
        .peripherals
        .iter()
        .filter_map(|x| {
            let n = x.name.to_ascii_uppercase();
            let d = edit_distance(&want, &n);
            let close = d <= 2.max(want.len() / 3)
                || (want.len() >= 3 && (n.contains(&want) || want.contains(&n)));
            close.then_some((d, x.name.as_str()))
        })
        .collect();
    scored.sort();
    let hits: Vec<&str> = scored.into_iter().take(5).map(|(_, n)| n).collect();
    if hits.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", hits.join(", "))
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn size(bytes: u32) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes:#x}")
    }
}
