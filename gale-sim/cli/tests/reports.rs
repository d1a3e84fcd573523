//! Reports a CI reads: JUnit well-formed and structured as common CI tools
//! expect (checked with an XML parser), binary bytes as escapes in JUnit,
//! artefacts and the terminal; and the command line's output options.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The artefact folder a test's `run` writes to: runs lock their folder and
/// the tests run at once, so each test has its own.
fn out_dir(args: &[&str]) -> PathBuf {
    let tag: String = args
        .iter()
        .flat_map(|a| a.chars())
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let tag: String = tag.chars().rev().take(40).collect();
    root().join("target/gale-sim-tests/out").join(tag)
}

fn gale_sim(args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gale-sim"));
    cmd.args(args).current_dir(root()).env_remove("NO_COLOR");
    if args.first() == Some(&"run") {
        cmd.arg("--out").arg(out_dir(args));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let d = root().join("target/gale-sim-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// No C0 control characters other than newline and tab.
fn assert_no_controls(what: &str, bytes: &[u8]) {
    if let Some(i) = bytes
        .iter()
        .position(|b| *b < 0x20 && *b != b'\n' && *b != b'\t')
    {
        let from = i.saturating_sub(40);
        panic!(
            "{what}: raw control byte {:#04x} at {i}: {:?}",
            bytes[i],
            String::from_utf8_lossy(&bytes[from..(i + 40).min(bytes.len())])
        );
    }
}

fn attr_u64(n: roxmltree::Node, a: &str) -> u64 {
    n.attribute(a)
        .unwrap_or_else(|| panic!("<{}> has no {a}", n.tag_name().name()))
        .parse()
        .unwrap_or_else(|e| panic!("<{}> {a}: {e}", n.tag_name().name()))
}

fn assert_time(n: roxmltree::Node) {
    let t: f64 = n
        .attribute("time")
        .unwrap_or_else(|| panic!("<{}> has no time", n.tag_name().name()))
        .parse()
        .unwrap();
    assert!(t >= 0.0 && t.is_finite(), "time {t}");
}

/// Attributes junit-10.xsd (the JUnit schema of Jenkins' xUnit plugin,
/// which GitLab and most CI reporters follow) allows per element, the
/// required ones first (`n` of them).
const ATTRIBUTES: &[(&str, usize, &[&str])] = &[
    (
        "testsuites",
        0,
        &["name", "time", "tests", "failures", "errors"],
    ),
    (
        "testsuite",
        4,
        &[
            "name",
            "tests",
            "failures",
            "errors",
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
        ],
    ),
    ("testcase", 1, &["name", "time", "classname", "group"]),
    ("failure", 0, &["type", "message"]),
    ("error", 0, &["type", "message"]),
    ("skipped", 0, &["type", "message"]),
    ("properties", 0, &[]),
    ("property", 2, &["name", "value"]),
    ("system-out", 0, &[]),
    ("system-err", 0, &[]),
];

/// Every element's attributes are ones the schema declares, the required
/// ones are there, and times match its SUREFIRE_TIME pattern.
fn check_schema_attributes(doc: &roxmltree::Document) {
    let time = regex::Regex::new(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$").unwrap();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        let (_, required, allowed) = ATTRIBUTES
            .iter()
            .find(|(t, _, _)| *t == tag)
            .unwrap_or_else(|| panic!("<{tag}> is not a JUnit element"));
        for a in n.attributes() {
            assert!(
                allowed.contains(&a.name()),
                "<{tag} {}> is not in junit-10.xsd",
                a.name()
            );
        }
        for r in &allowed[..*required] {
            assert!(n.attribute(*r).is_some(), "<{tag}> lacks required {r}");
        }
        if let Some(t) = n.attribute("time") {
            assert!(
                time.is_match(t),
                "<{tag} time={t:?}> is not a SUREFIRE_TIME"
            );
        }
    }
}

/// The structure of the JUnit schema CI tools read (Jenkins' junit-10.xsd,
/// the Ant/Surefire format GitLab and GitHub reporters parse): which
/// elements may appear where, the counters and times, and that the
/// counters agree with the test cases.
fn check_junit_structure(doc: &roxmltree::Document) {
    check_schema_attributes(doc);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert!(!suites.is_empty());
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for s in &suites {
        assert_eq!(s.tag_name().name(), "testsuite");
        assert!(s.attribute("name").is_some_and(|n| !n.is_empty()));
        assert_time(*s);
        let mut cases = 0;
        let (mut f, mut e) = (0, 0);
        for c in s.children().filter(|n| n.is_element()) {
            match c.tag_name().name() {
                "properties" => {
                    for p in c.children().filter(|n| n.is_element()) {
                        assert_eq!(p.tag_name().name(), "property");
                        assert!(p.attribute("name").is_some() && p.attribute("value").is_some());
                    }
                }
                "system-out" | "system-err" => {}
                "testcase" => {
                    cases += 1;
                    assert!(c.attribute("name").is_some_and(|n| !n.is_empty()));
                    assert_eq!(c.attribute("classname"), s.attribute("name"));
                    for k in c.children().filter(|n| n.is_element()) {
                        match k.tag_name().name() {
                            "failure" => {
                                f += 1;
                                assert!(
                                    k.attribute("message").is_some()
                                        && k.attribute("type").is_some()
                                );
                            }
                            "error" => {
                                e += 1;
                                assert!(k.attribute("message").is_some());
                            }
                            "skipped" | "system-out" | "system-err" => {}
                            other => panic!("<{other}> is not allowed in <testcase>"),
                        }
                    }
                }
                other => panic!("<{other}> is not allowed in <testsuite>"),
            }
        }
        assert_eq!(attr_u64(*s, "tests"), cases);
        assert_eq!(attr_u64(*s, "failures"), f);
        assert_eq!(attr_u64(*s, "errors"), e);
        tests += cases;
        failures += f;
        errors += e;
    }
    assert_eq!(attr_u64(root, "tests"), tests);
    assert_eq!(attr_u64(root, "failures"), failures);
    assert_eq!(attr_u64(root, "errors"), errors);
}

#[test]
fn junit_of_failures_on_a_binary_port_is_well_formed_and_structured() {
    let dir = scratch("junit-binary");
    let junit = dir.join("junit.xml");
    let args = [
        "run",
        "gale-sim/cli/tests/fixtures/binary-port-failures.yaml",
        "--junit",
        junit.to_str().unwrap(),
        "--color",
        "never",
    ];
    let (code, stdout, err) = gale_sim(&args);
    let art = out_dir(&args).join("binary-port-failures");
    assert_eq!(code, 1, "{}\n{err}", String::from_utf8_lossy(&stdout));
    // The terminal gets escapes, not frame bytes.
    assert_no_controls("stdout", &stdout);
    let out = String::from_utf8(stdout).unwrap();
    assert!(out.contains("\\x"), "{out}");

    let bytes = std::fs::read(&junit).unwrap();
    assert_no_controls("junit.xml", &bytes);
    let text = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    check_junit_structure(&doc);

    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("binary-port-failures"));
    assert_eq!(suite.attribute("tests"), Some("3"), "{text}");
    assert_eq!(suite.attribute("failures"), Some("2"), "{text}");
    let ts = suite.attribute("timestamp").expect("a timestamp");
    assert!(
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
            .unwrap()
            .is_match(ts),
        "{ts}"
    );
    let system_out = suite
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    let shown = art.strip_prefix(root()).unwrap().display().to_string();
    assert!(
        system_out.contains(&format!("artefacts: {shown}")),
        "{system_out}"
    );
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2);
    // The uart failure lists the frames it saw, as escapes.
    let uart = failures[0].text().unwrap_or_default();
    assert!(
        uart.contains("observed: ") && uart.contains("\\x"),
        "{uart}"
    );

    // Raw capture beside the text; the text has escapes, not U+FFFD.
    let bin = std::fs::read(art.join("uart-fmu-LPUART1.bin")).unwrap();
    assert!(bin.len() > 100, "{} bytes", bin.len());
    let txt = std::fs::read_to_string(art.join("uart-fmu-LPUART1.txt")).unwrap();
    assert!(!txt.contains('\u{fffd}'), "{txt}");
    assert!(txt.contains("\\x"), "{txt}");
}

#[test]
fn junit_of_an_unrunnable_scenario_has_an_error_and_a_sane_time() {
    let dir = scratch("junit-error");
    let junit = dir.join("nested/junit.xml");
    let (code, _, _) = gale_sim(&[
        "run",
        "gale-sim/cli/tests/fixtures/unknown-board.yaml",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    let text = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    check_junit_structure(&doc);
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("time"), Some("0.000"), "{text}");
    assert!(!text.contains("-0.000"), "{text}");
    let error = case.children().find(|n| n.has_tag_name("error")).unwrap();
    assert!(
        error
            .attribute("message")
            .unwrap()
            .contains("unknown board"),
        "{text}"
    );
}

#[test]
fn quiet_and_filter_print_only_the_summary_for_passes() {
    let (code, stdout, err) = gale_sim(&["run", "scenarios/", "--filter", "banner$", "--quiet"]);
    let out = String::from_utf8(stdout).unwrap();
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out, "scenarios: 1 passed, 0 failed\n");
}

#[test]
fn filter_matching_nothing_is_an_error() {
    let (code, _, err) = gale_sim(&["run", "scenarios/", "--filter", "^no-such-scenario$"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario matches"), "{err}");
}

#[test]
fn colour_is_on_only_when_asked_or_on_a_terminal_without_no_color() {
    let (_, stdout, _) = gale_sim(&["run", "scenarios/f100-banner.yaml", "--color", "always"]);
    let out = String::from_utf8(stdout).unwrap();
    assert!(out.contains("\x1b[32mPASS\x1b[0m f100-banner"), "{out:?}");
    // Not a terminal: auto means no colour.
    let (_, stdout, _) = gale_sim(&["run", "scenarios/f100-banner.yaml"]);
    assert!(!String::from_utf8(stdout).unwrap().contains('\x1b'));
}

#[test]
fn help_documents_every_run_argument() {
    let (code, stdout, _) = gale_sim(&["run", "-h"]);
    let out = String::from_utf8(stdout).unwrap();
    assert_eq!(code, 0);
    assert!(!out.contains("[default: 0]"), "{out}");
    assert!(out.contains("one per core"), "{out}");
    for arg in ["--jobs", "--quiet", "--filter", "--junit", "--color"] {
        let line = out.lines().find(|l| l.contains(arg)).unwrap_or_default();
        assert!(
            line.trim().len() > arg.len() + 6,
            "{arg} undocumented:\n{out}"
        );
    }
    let (_, stdout, _) = gale_sim(&["platform", "regs", "-h"]);
    let out = String::from_utf8(stdout).unwrap();
    assert!(out.contains("A peripheral of that platform"), "{out}");
}

#[test]
fn check_finds_a_pin_the_board_does_not_have() {
    let (code, stdout, err) =
        gale_sim(&["check", "gale-sim/cli/tests/fixtures/pin-not-on-board.yaml"]);
    assert_eq!(code, 2, "{}", String::from_utf8_lossy(&stdout));
    assert!(err.contains("has no pin `PC9`"), "{err}");
    assert!(err.contains("pin-not-on-board.yaml:6:"), "{err}");
    assert!(err.contains("GPIO1.0..GPIO1.31"), "{err}");
}
