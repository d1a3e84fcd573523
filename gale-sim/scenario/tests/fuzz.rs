//! Randomised mutations of the shipped scenarios: parsing, validation and
//! checking against an empty trace never panic (in release and in debug,
//! where overflow checks are on). Deterministic: fixed seeds, so a failure
//! reproduces; the failing text is printed.

use gale_scenario::Scenario;
use std::path::{Path, PathBuf};

/// xorshift64*: small, seeded, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that make YAML and the scenario language interesting.
const TOKENS: &[&str] = &[
    ":",
    "-",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "\n",
    "  ",
    ",",
    "? ",
    "|",
    ">",
    "&a ",
    "*a",
    "!!binary ",
    "~",
    "\t",
    "é",
    "\u{0}",
    "-5ms",
    "0ns",
    "1ns",
    "18446744073709551615s",
    "99999999999999999999999ms",
    "1e309",
    "-1e309",
    "NaN",
    ".inf",
    "0x7f",
    "0xffffffff",
    "-1",
    "4294967296",
    "1.5",
    "0.0000000001ns",
    "ms",
    "s",
    "after: 1ms",
    "before: 0ms",
    "at: 1s",
    "by: ",
    "from: 5ms",
    "until: 1ms",
    "time_limit: 1ns\n",
    "cs: 9",
    "address: 0x80",
    "stddev: -1",
    "bit: 200",
    "for: 0ms",
    "machine: nope",
    "chip: fmu",
    "type: uart_link",
    "from: .",
    "from: fmu.",
    "line: '('",
    "level: loud",
    "value: 1",
    "tolerance: -1",
    "constant: 1",
    "noise: { stddev: 1, seed: 1 }",
    "points: []",
    "points: [[0ms]]",
    "ramp: { from: 1, to: 2, start: 5ms, end: 1ms }",
    "sine: { period: 0ms }",
    "piecewise: { points: [[5ms, 1], [1ms, 2]] }",
    "sum: []",
    "csv: { file: x.csv, column: a }",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let bytes = s.as_bytes();
        let at = rng.below(bytes.len() + 1);
        // Keep to char boundaries so every mutant is valid UTF-8.
        let at = (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        match rng.below(6) {
            0 => {
                let end = (at + 1 + rng.below(12)).min(s.len());
                let end = (end..=s.len())
                    .find(|i| s.is_char_boundary(*i))
                    .unwrap_or(s.len());
                s.replace_range(at..end, "");
            }
            1 | 2 => s.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
            3 => {
                let lines: Vec<&str> = s.lines().collect();
                let i = rng.below(lines.len());
                let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if let Some(l) = lines.get(i) {
                    v.insert(i, l.to_string());
                }
                s = v.join("\n") + "\n";
            }
            4 => {
                let mut v: Vec<String> = s.lines().map(str::to_string).collect();
                if v.len() > 1 {
                    let (a, b) = (rng.below(v.len()), rng.below(v.len()));
                    v.swap(a, b);
                }
                s = v.join("\n") + "\n";
            }
            _ => {
                // Replace a digit run with another number.
                if let Some(d) = s[at..].find(|c: char| c.is_ascii_digit()) {
                    let start = at + d;
                    let end = s[start..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map(|e| start + e)
                        .unwrap_or(s.len());
                    let n = match rng.below(4) {
                        0 => "0".to_string(),
                        1 => u64::MAX.to_string(),
                        2 => (rng.next() % 1000).to_string(),
                        _ => "340282366920938463463374607431768211457".to_string(),
                    };
                    s.replace_range(start..end, &n);
                }
            }
        }
    }
    s
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn mutated_scenarios_never_panic() {
    let files = scenario_files();
    assert!(files.len() >= 10, "{files:?}");
    let rounds = if cfg!(debug_assertions) { 150 } else { 600 };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    let mut rejected = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for _ in 0..rounds {
            let mutant = mutate(&mut rng, &text);
            let result = std::panic::catch_unwind(|| {
                match Scenario::parse(f, mutant.clone()) {
                    Ok(s) => {
                        // Checking against an empty trace must not panic either.
                        let _ = gale_scenario::check::check(&s, &gale_trace::Trace::new(), 0);
                        let _ =
                            gale_scenario::check::check(&s, &gale_trace::Trace::new(), u64::MAX);
                        true
                    }
                    Err(d) => {
                        // Every rejection renders (file:line:column and help).
                        let _ = d.to_string();
                        false
                    }
                }
            });
            match result {
                Ok(true) => parsed += 1,
                Ok(false) => rejected += 1,
                Err(_) => panic!(
                    "parsing a mutant of {} panicked; the text:\n{mutant}",
                    f.display()
                ),
            }
        }
    }
    // The mutations must exercise both paths, or the test proves little.
    assert!(
        parsed > 0 && rejected > 0,
        "{parsed} parsed, {rejected} rejected"
    );
}
