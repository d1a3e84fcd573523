//! Reading Renode's log: loading problems, failed monitor commands, CPU
//! errors per machine (tests/data/*.renode.log).

use gale_renode::LogCheck;

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn peripheral_errors_after_loading_are_not_fatal() {
    let log = data("fmu-m7-boot.renode.log");
    let c = LogCheck::of(&log);
    assert!(c.load_problems.is_empty(), "{:?}", c.load_problems);
    assert!(c.monitor_errors.is_empty(), "{:?}", c.monitor_errors);
    assert_eq!(c.run_errors.len(), 6);
    assert!(c.run_errors[0].contains("lpspi1: No device is connected"));
    assert_eq!(c.cpu_error("m", true), None);
}

#[test]
fn a_failed_monitor_command_is_found() {
    let log = data("monitor-error.renode.log");
    let c = LogCheck::of(&log);
    assert!(
        c.monitor_errors
            .iter()
            .any(|l| l.contains("was an error executing command 'mach create $name'")),
        "{:?}",
        c.monitor_errors
    );
    // No recorder ran: everything logged counts as loading.
    assert!(c.run_errors.is_empty());
}

#[test]
fn cpu_errors_belong_to_their_machine() {
    let log = data("cpu-abort.renode.log");
    let c = LogCheck::of(&log);
    assert!(c.load_problems.is_empty(), "{:?}", c.load_problems);
    assert_eq!(c.run_errors.len(), 2);
    assert!(c.cpu_error("gust", false).unwrap().contains("CPU abort"));
    assert_eq!(c.cpu_error("fmu", false), None);
}

#[test]
fn warnings_while_loading_are_load_problems() {
    let log = "10:00:00.0000 [WARNING] sysbus: something odd\ngale-renode: recording machine m\n10:00:01.0000 [WARNING] gpioa: Unhandled write\n";
    let c = LogCheck::of(log);
    assert_eq!(
        c.load_problems,
        vec!["10:00:00.0000 [WARNING] sysbus: something odd"]
    );
    assert!(c.run_errors.is_empty() && c.monitor_errors.is_empty());
}
