//! Bounded fuzzing of the SVD -> platform path: deterministic mutations
//! (seeded xorshift) of valid SVD text must give Ok or an Err with a
//! message, never a panic. Bounded by iteration count and wall time.

mod common;
use common::{fixture_text, fixtures, mini};
use gale_platform::overlay::Overlay;
use gale_platform::{svd_load, Platform};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "<",
    ">",
    "</register>",
    "<register>",
    "<cluster>",
    "<dim>4</dim>",
    "derivedFrom=\"UART0\"",
    "derivedFrom=\"NOPE\"",
    "0x",
    "0xFFFFFFFF",
    "-1",
    "99999999999",
    "%s",
    "[%s]",
    "<size>0</size>",
    "<size>64</size>",
    "<dimIncrement>0</dimIncrement>",
    "<access>read-only</access>",
    "&amp;",
    "\u{0}",
    "é",
];

/// One random edit at a char boundary.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut s = text.to_string();
    let pos = |rng: &mut Rng, s: &str| {
        let mut p = rng.below(s.len() + 1);
        while !s.is_char_boundary(p) {
            p -= 1;
        }
        p
    };
    match rng.below(6) {
        0 => {
            let a = pos(rng, &s);
            let b = pos(rng, &s[a..]) / 8 + a;
            s.replace_range(a..b.max(a), "");
        }
        1 => {
            let a = pos(rng, &s);
            s.insert_str(a, TOKENS[rng.below(TOKENS.len())]);
        }
        2 => {
            // Replace a number with another.
            let digits: Vec<usize> = s
                .match_indices(|c: char| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            if let Some(&i) = digits.get(rng.below(digits.len())) {
                let n = ["0", "7", "4294967295", "4294967296", "31", "1024"][rng.below(6)];
                s.replace_range(i..i + 1, n);
            }
        }
        3 => {
            let a = pos(rng, &s);
            let b = (pos(rng, &s[a..]) / 4 + a).min(s.len());
            let chunk = s[a..b].to_string();
            let at = pos(rng, &s);
            s.insert_str(at, &chunk);
        }
        4 => {
            let a = pos(rng, &s);
            s.truncate(a);
        }
        _ => {
            let mut lines: Vec<&str> = s.lines().collect();
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(i, j);
            s = lines.join("\n");
        }
    }
    s
}

fn fuzz(
    svd: &str,
    overlay: &str,
    build: impl Fn(&str, &str) -> Option<String>,
    iterations: usize,
    budget: Duration,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let start = Instant::now();
    let (mut ok, mut err, mut runs) = (0, 0, 0);
    for _ in 0..iterations {
        if start.elapsed() > budget {
            break;
        }
        let mut text = svd.to_string();
        for _ in 0..1 + rng.below(3) {
            text = mutate(&text, &mut rng);
        }
        runs += 1;
        match build(&text, overlay) {
            None => ok += 1,
            Some(msg) => {
                assert!(!msg.is_empty());
                err += 1;
            }
        }
    }
    assert!(runs >= 20, "only {runs} runs within the time budget");
    // Both outcomes must occur, or the mutations (or the parser) do nothing.
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
}

#[test]
fn fuzz_mini_svd() {
    let build = |svd: &str, overlay: &str| mini(svd, overlay).err().map(|e| e.to_string());
    fuzz(
        &fixture_text("mini.svd"),
        &fixture_text("mini.toml"),
        build,
        3000,
        Duration::from_secs(10),
        0x9E37_79B9_7F4A_7C15,
    );
}

#[test]
fn fuzz_stm32f100_svd() {
    let root = common::repo_root();
    let svd = svd_load::read_svd_text(&root.join("svd/STM32F100xx.svd.xz")).unwrap();
    let overlay_path = root.join("platforms/stm32f100.toml");
    let overlay = std::fs::read_to_string(&overlay_path).unwrap();
    let build = |svd: &str, overlay: &str| {
        let o = Overlay::parse(overlay, &overlay_path).unwrap();
        Platform::from_texts(&o, &overlay_path, svd, &fixtures().join("STM32F100xx.svd"))
            .err()
            .map(|e| e.to_string())
    };
    fuzz(&svd, &overlay, build, 200, Duration::from_secs(10), 42);
}
