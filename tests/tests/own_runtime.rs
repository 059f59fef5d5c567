//! `Topology::run().await` in a program that owns its runtime keeps what
//! `main` does (settings, signals, exit codes), and `Topology::main()`
//! called there says what to call instead, with exit code 2, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, run_to_exit, test_program};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn run_on_the_programs_runtime_keeps_settings_signals_and_exit_codes() {
    let mut running = Running::start(
        &test_program("own_runtime"),
        &["--poll-jitter-secs", "0", "--metrics-addr", "off"],
        &[],
    );
    running.wait_for("running on the program's own runtime", WAIT);
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(WAIT).code(), Some(0), "{}", running.stderr());
    assert!(running.stderr().contains("pipeline completed"), "{}", running.stderr());

    let (status, stderr) = run_to_exit(&test_program("own_runtime"), &["--poll-jitter-secs", "x"], &[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`poll_jitter_secs`"), "{stderr}");
}

#[test]
fn main_inside_a_runtime_names_the_async_entry_and_exits_2() {
    let (status, stderr) = run_to_exit(&test_program("own_runtime"), &[], &[("CALL_MAIN", "1")]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("call `Topology::run().await` there instead"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
