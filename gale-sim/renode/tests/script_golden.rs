//! Golden run.resc for a fixed input: two machines on the F100 platform, a
//! UART link, fixed ELF facts and paths (no Renode, no ELF needed).

use gale_platform::Platform;
use gale_renode::elf::ElfFacts;
use gale_renode::script::{render, MachinePlan};
use gale_renode::{LinkFault, LinkFaultKind, MachineSpec, RunSpec, UartInput, UartLink};
use std::path::PathBuf;
use std::time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plan(name: &str, facts: ElfFacts) -> MachinePlan {
    MachinePlan {
        name: name.into(),
        platform: "stm32f100".into(),
        repl: "/p/target/gale-sim/s/renode/stm32f100.repl".into(),
        svd: "/p/target/gale-sim/svd/STM32F100xx.svd".into(),
        elf: format!("/p/firmware/target/thumbv7m-none-eabi/release/{name}").into(),
        facts,
        records: format!("/p/target/gale-sim/s/renode/{name}.events").into(),
    }
}

fn spec(p: &Platform) -> RunSpec<'_> {
    let m = |name: &str| MachineSpec {
        name: name.into(),
        platform: p,
        elf: PathBuf::from("/unused"),
        core_of: None,
    };
    RunSpec {
        root: "/p".into(),
        machines: vec![m("gust"), m("sensors")],
        links: vec![UartLink {
            from: ("gust".into(), "USART2".into()),
            to: ("sensors".into(), "USART2".into()),
            baud: 115_200,
            faults: vec![
                LinkFault {
                    start: 400_000_000,
                    end: 1_000_000_000,
                    kind: LinkFaultKind::Disconnect,
                },
                LinkFault {
                    start: 1_200_000_000,
                    end: 1_300_000_000,
                    kind: LinkFaultKind::BitFlip { bit: 3 },
                },
            ],
        }],
        inputs: vec![UartInput {
            machine: "sensors".into(),
            port: "USART1".into(),
            bytes: vec![(10_000_000, 0xAA), (10_086_805, 0x55)],
        }],
        time_limit: 200_000_000,
        out_dir: "/p/target/gale-sim/s/renode".into(),
        wall_limit: Duration::from_secs(60),
    }
}

#[test]
fn run_resc_golden() {
    let p = Platform::load(&repo(), "stm32f100").unwrap();
    let plans = vec![
        plan(
            "gust",
            ElfFacts {
                vector_table: Some(0x0800_0000),
                rtt: Some(0x2000_0050),
                semihosting_bkpts: vec![0x0800_0e1e, 0x0800_12ba],
            },
        ),
        plan("sensors", ElfFacts::default()),
    ];
    insta::assert_snapshot!("run_resc", render(&spec(&p), &plans).unwrap());
}

#[test]
fn names_and_paths_that_could_escape_are_refused() {
    let p = Platform::load(&repo(), "stm32f100").unwrap();
    let mut s = spec(&p);
    s.links[0].to.1 = "USART2; quit".into();
    let plans = vec![
        plan("gust", ElfFacts::default()),
        plan("sensors", ElfFacts::default()),
    ];
    let e = render(&s, &plans).unwrap_err().to_string();
    assert!(e.contains("must be 1-64 characters"), "{e}");
    let mut bad = plan("gust", ElfFacts::default());
    bad.elf = "/p/with space/gust".into();
    let e = render(&spec(&p), &[bad, plan("sensors", ElfFacts::default())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be handed to Renode"), "{e}");
    let mut s = spec(&p);
    s.machines[0].name = "../evil".into();
    let e = gale_renode::generate(&s).unwrap_err().to_string();
    assert!(e.contains("machine name `../evil`"), "{e}");
    let mut s = spec(&p);
    s.inputs[0].machine = "nobody".into();
    let plans = vec![
        plan("gust", ElfFacts::default()),
        plan("sensors", ElfFacts::default()),
    ];
    let e = render(&s, &plans).unwrap_err().to_string();
    assert!(
        e.contains("machine `nobody`, which is not in the run"),
        "{e}"
    );
}
