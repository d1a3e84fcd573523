//! Bad input gives a clear error naming the file (and line where the
//! parser gives one) and the fix, never a panic.

mod common;
use common::{fixture_text, mini, platform, repo_root};
use gale_platform::{show, svd_load, Platform, PlatformError};

fn svd() -> String {
    fixture_text("mini.svd")
}

fn overlay() -> String {
    fixture_text("mini.toml")
}

fn err(svd: &str, overlay: &str) -> (PlatformError, String) {
    match mini(svd, overlay) {
        Ok(_) => panic!("accepted bad input"),
        Err(e) => {
            let msg = e.to_string();
            (e, msg)
        }
    }
}

#[test]
fn truncated_xml_names_file_and_position() {
    let text = svd();
    let (e, msg) = err(&text[..text.len() / 2], &overlay());
    assert!(matches!(e, PlatformError::Svd { .. }), "{e:?}");
    assert!(msg.contains("mini.svd"), "{msg}");
    // Either the parser's `line:column` or the line the text ends at.
    let has_pos = msg
        .split(|c: char| !c.is_ascii_digit() && c != ':')
        .any(|w| w.contains(':') && w.len() > 2);
    assert!(has_pos || msg.contains("ends at line"), "{msg}");
    // Cut inside a tag: the parser gives a position.
    let cut = text.find("<addressOffset>0x4</addressOffset>").unwrap() + 5;
    let (_, msg) = err(&text[..cut], &overlay());
    assert!(msg.contains("mini.svd") && msg.contains(':'), "{msg}");
    assert!(msg.contains("Fix:"), "{msg}");
}

#[test]
fn not_an_svd() {
    let (_, msg) = err("<foo/>", &overlay());
    assert!(msg.contains("device"), "{msg}");
    let (_, msg) = err("", &overlay());
    assert!(msg.contains("mini.svd"), "{msg}");
}

#[test]
fn bad_derived_from_names_the_missing_peripheral() {
    let (e, msg) = err(
        &svd().replace("derivedFrom=\"UART0\"", "derivedFrom=\"UARTX\""),
        &overlay(),
    );
    assert!(matches!(e, PlatformError::Svd { .. }), "{e:?}");
    assert!(msg.contains("UARTX"), "{msg}");
}

#[test]
fn overlapping_peripherals_are_named_with_the_fix() {
    let (e, msg) = err(&svd().replace("0x40002000", "0x40001200"), &overlay());
    assert!(matches!(e, PlatformError::Overlap { .. }), "{e:?}");
    for want in [
        "mini.toml",
        "UART0",
        "UART1",
        "0x40001200",
        "peripherals.exclude",
    ] {
        assert!(msg.contains(want), "`{want}` missing from: {msg}");
    }
}

#[test]
fn memory_overlapping_a_peripheral() {
    let (e, msg) = err(
        &svd(),
        &overlay().replace("base = 0x2000_0000", "base = 0x4000_2000"),
    );
    assert!(matches!(e, PlatformError::Overlap { .. }), "{e:?}");
    assert!(
        msg.contains("memory `sram`") && msg.contains("UART1"),
        "{msg}"
    );
}

#[test]
fn overlay_syntax_error_has_a_line() {
    let (e, msg) = err(
        &svd(),
        &overlay().replace("cpu_hz = 48_000_000", "cpu_hz = = 48"),
    );
    assert!(matches!(e, PlatformError::Overlay { .. }), "{e:?}");
    assert!(msg.contains("mini.toml") && msg.contains("line 8"), "{msg}");
}

#[test]
fn overlay_typos_are_errors() {
    let cases: &[(&str, &str, &str)] = &[
        ("cpu_hz = 48_000_000", "cpu_hzz = 48_000_000", "cpu_hzz"),
        (
            "\"mini.uart\" = [\"UART#\"]",
            "\"mini.uart\" = [\"UARTT#\"]",
            "UARTT#",
        ),
        ("exclude = [\"SCS\"]", "exclude = [\"SCSS\"]", "SCSS"),
        ("cpu = \"cortex-m4f\"", "cpu = \"cortex-m5\"", "cortex-m5"),
        ("kind = \"ram\"", "kind = \"sram\"", "sram"),
        ("chip = \"MINI\"", "chip = \"MAXI\"", "MAXI"),
        ("nvic_irqs = 32", "nvic_irqs = 6", "raise core.nvic_irqs"),
        ("irqs = [\"<-TIM*\"]", "irqs = [\"<-TMR*\"]", "TMR*"),
        (
            "irqs = [\"IRQ\", \"RxIRQ?\"]",
            "irqs = [\"IRQ\", \"RxIRQ\"]",
            "mark the output optional",
        ),
        ("name = \"mini\"", "name = \"maxi\"", "maxi"),
    ];
    for (from, to, want) in cases {
        let text = overlay();
        assert!(text.contains(from), "fixture lacks `{from}`");
        let (_, msg) = err(&svd(), &text.replacen(from, to, 1));
        assert!(
            msg.contains("mini.toml") && msg.contains(want) && msg.contains("Fix"),
            "{to}: {msg}"
        );
    }
}

#[test]
fn duplicate_peripheral_names() {
    let twice = svd().replace("<name>TIMER</name>", "<name>UART0</name>");
    let (_, msg) = err(
        &twice,
        &overlay().replace("match = [\"TIMER\"]", "match = [\"UART0\"]"),
    );
    assert!(msg.contains("two peripherals are named `UART0`"), "{msg}");
}

#[test]
fn two_models_for_one_peripheral() {
    let (_, msg) = err(
        &svd(),
        &overlay().replace("[models]\n", "[models]\n\"other\" = [\"UART0\"]\n"),
    );
    assert!(msg.contains("two models") && msg.contains("UART0"), "{msg}");
}

#[test]
fn unsupported_register_size_and_address_range() {
    let (_, msg) = err(
        &svd().replace("<size>16</size>", "<size>24</size>"),
        &overlay(),
    );
    assert!(msg.contains("DATA") && msg.contains("24"), "{msg}");
    let (_, msg) = err(&svd().replace("0x40003000", "0x140003000"), &overlay());
    assert!(msg.contains("TIMER") && msg.contains("32 bits"), "{msg}");
}

#[test]
fn corrupt_xz_file() {
    let dir = std::env::temp_dir().join(format!("gale-platform-xz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.svd.xz");
    std::fs::write(&path, b"\xfd7zXZ\0 definitely not xz").unwrap();
    let e = svd_load::read_svd_text(&path).unwrap_err();
    assert!(matches!(e, PlatformError::Decompress { .. }), "{e:?}");
    assert!(
        e.to_string().contains("bad.svd.xz") && e.to_string().contains("svd refresh"),
        "{e}"
    );
    let e = svd_load::read_svd_text(&dir.join("missing.svd")).unwrap_err();
    assert!(
        matches!(e, PlatformError::Io { .. }) && e.to_string().contains("missing.svd"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_platform_lists_the_known_ones() {
    let e = Platform::load(&repo_root(), "stm32f4").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, PlatformError::UnknownPlatform { .. }), "{e:?}");
    assert!(
        msg.contains("stm32f100") && msg.contains("rt1176-cm7"),
        "{msg}"
    );
}

#[test]
fn unknown_peripheral_suggests_close_names() {
    let p = platform("stm32f100");
    let msg = show::registers(&p, "USRT1").unwrap_err().to_string();
    assert!(
        msg.contains("did you mean") && msg.contains("USART1"),
        "{msg}"
    );
    let msg = show::registers(&p, "XYZZY_QUUX").unwrap_err().to_string();
    assert!(
        !msg.contains("did you mean") && msg.contains("gale-sim platform show stm32f100"),
        "{msg}"
    );
    // Case does not matter for a name that exists.
    assert!(show::registers(&p, "usart1")
        .unwrap()
        .contains("0x40013804"));
}

#[test]
fn shared_memory_needs_a_soc_and_ram() {
    let shared = overlay().replace("kind = \"ram\"", "kind = \"ram\"\nshared = true");
    let (_, msg) = err(&svd(), &shared);
    assert!(
        msg.contains("memory `sram` is marked shared") && msg.contains("soc ="),
        "{msg}"
    );
    let with_soc = shared.replacen("[core]", "soc = \"MINI\"\n\n[core]", 1);
    mini(&svd(), &with_soc).expect("shared RAM with a soc is fine");
    let flash = with_soc.replace("kind = \"flash\"", "kind = \"flash\"\nshared = true");
    let (_, msg) = err(&svd(), &flash);
    assert!(
        msg.contains("is marked shared") && msg.contains("kind = \"ram\""),
        "{msg}"
    );
}

#[test]
fn renode_tags_must_name_an_svd_register() {
    for (to, want) in [
        ("UART0STAT", "is not `PERIPHERAL.REGISTER`"),
        ("UARTX.STAT", "no peripheral `UARTX`"),
        ("UART0.STATX", "`UART0` has no register `STATX`"),
    ] {
        let text = overlay().replace("\"UART0.STAT\"", &format!("\"{to}\""));
        let (_, msg) = err(&svd(), &text);
        assert!(msg.contains(want) && msg.contains("Fix:"), "{to}: {msg}");
    }
    let tag = &common::mini_ok().renode_tags[0];
    assert_eq!(
        (tag.name.as_str(), tag.address, tag.size, tag.value),
        ("UART0_STAT", 0x4000_1000, 4, 0xC0)
    );
}

/// An IRQ number at the top of its range is an error naming the fix, not an
/// integer overflow (a debug build used to panic computing "at least N+1").
#[test]
fn an_irq_number_at_the_top_of_its_range_is_an_error_not_an_overflow() {
    let text = svd().replace(
        "<value>7</value></interrupt>",
        "<value>4294967295</value></interrupt>",
    );
    let (_, msg) = err(&text, &overlay());
    assert!(
        msg.contains("raise core.nvic_irqs") || msg.contains("4294967295"),
        "{msg}"
    );
}
