//! Real signals sent to real example programs: exit codes, shutdown during
//! jitter, the shutdown deadline, and the second signal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

fn failure_modes(mode: &str, env: &[(&str, &str)]) -> Running {
    let mut all = vec![("FAILURE_MODE", mode)];
    all.extend_from_slice(env);
    let running = Running::start(&example("failure_modes"), &[], &all);
    running.wait_for("starting 2 pipelines: steady, misbehaving", START);
    running
}

#[test]
fn sigterm_after_clean_runs_exits_0_and_logs_every_outcome() {
    let mut running = failure_modes("complete", &[]);
    running.wait_for("pipeline completed key=misbehaving", START);
    running.signal(Signal::SIGTERM);
    let status = running.wait_exit(STOP);
    assert_eq!(status.code(), Some(0), "{}", running.stderr());
    let log = running.stderr();
    assert!(log.contains("received shutdown signal; stopping gracefully"), "{log}");
    assert!(log.contains("pipeline completed key=steady"), "{log}");
    assert!(
        log.contains("topology stopped: 2 pipelines: 2 completed, 0 failed"),
        "{log}"
    );
}

#[test]
fn sigint_is_graceful_too() {
    let mut running = failure_modes("complete", &[]);
    running.signal(Signal::SIGINT);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn sigquit_is_graceful_too() {
    let mut running = failure_modes("complete", &[]);
    running.signal(Signal::SIGQUIT);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn a_failed_pipeline_makes_the_exit_code_1() {
    let mut running = failure_modes("fail", &[]);
    let failed = running.wait_for("pipeline failed", START);
    assert!(
        failed.contains("upstream rejected the batch: HTTP 503 from the sink"),
        "{failed}"
    );
    assert!(failed.contains("key=misbehaving"), "{failed}");
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(1), "{}", running.stderr());
    assert!(running.stderr().contains("not completed: misbehaving (failed)"));
}

#[test]
fn a_panicked_pipeline_makes_the_exit_code_1_and_keeps_its_message() {
    let mut running = failure_modes("panic", &[]);
    let panicked = running.wait_for("pipeline panicked", START);
    assert!(
        panicked.contains("index out of range while parsing batch 7"),
        "{panicked}"
    );
    assert!(panicked.contains("key=misbehaving"), "{panicked}");
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(1), "{}", running.stderr());
}

#[test]
fn a_stubborn_pipeline_is_cut_off_by_the_shutdown_timeout() {
    let mut running = failure_modes("stubborn", &[("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "1")]);
    running.wait_for("starting mode=Stubborn", START);
    running.signal(Signal::SIGTERM);
    let status = running.wait_exit(STOP);
    assert_eq!(status.code(), Some(1), "{}", running.stderr());
    let log = running.stderr();
    assert!(
        log.contains("shutdown deadline passed; aborting 1 pipelines still running: misbehaving"),
        "{log}"
    );
    assert!(
        log.contains("pipeline still running at the shutdown deadline; aborted key=misbehaving"),
        "{log}"
    );
    assert!(log.contains("pipeline completed key=steady"), "{log}");
}

#[test]
fn a_second_signal_aborts_at_once_with_exit_code_130() {
    let mut running = failure_modes("stubborn", &[("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "0")]);
    running.wait_for("starting mode=Stubborn", START);
    running.signal(Signal::SIGTERM);
    running.wait_for("shutdown begun; waiting with no deadline", STOP);
    running.signal(Signal::SIGINT);
    let status = running.wait_exit(STOP);
    assert_eq!(status.code(), Some(130), "{}", running.stderr());
    let log = running.stderr();
    assert!(
        log.contains("received a second signal; aborting every pipeline now"),
        "{log}"
    );
    assert!(
        log.contains("pipeline aborted by a forced shutdown key=misbehaving"),
        "{log}"
    );
}

#[test]
fn sigterm_during_jitter_exits_at_once() {
    let running = Running::start(
        &example("failure_modes"),
        &[],
        &[
            ("TOPOLOGY_POLL_JITTER_SECS", "3600"),
            ("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "600"),
        ],
    );
    let mut running = running;
    running.wait_for("starting 2 pipelines", START);
    running.signal(Signal::SIGTERM);
    // Both pipelines were waiting out an hour-long jitter; neither ran.
    let status = running.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", running.stderr());
    let log = running.stderr();
    assert!(log.contains("pipeline cancelled before it started key=steady"), "{log}");
    assert!(
        log.contains("pipeline cancelled before it started key=misbehaving"),
        "{log}"
    );
    assert!(!log.contains("starting mode="), "{log}");
}

#[test]
fn waiting_pipelines_are_named_while_shutdown_waits() {
    let mut running = failure_modes("slow", &[]);
    running.wait_for("starting mode=Slow", START);
    running.signal(Signal::SIGTERM);
    let begun = running.wait_for("shutdown begun", STOP);
    assert!(begun.contains("waiting up to 5s for"), "{begun}");
    assert!(begun.contains("misbehaving"), "{begun}");
    running.wait_for("finished the last batch", STOP);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn a_storm_of_ten_signals_ends_the_process_once() {
    let mut running = failure_modes("complete", &[]);
    running.wait_for("pipeline completed key=misbehaving", START);
    for _ in 0..10 {
        running.signal(Signal::SIGTERM);
    }
    let status = running.wait_exit(STOP);
    let log = running.stderr();
    // The first signal is graceful and the second forces; the shutdown may
    // also have finished before the second one was read.
    assert!(matches!(status.code(), Some(0 | 130)), "{status:?}\n{log}");
    assert_eq!(log.matches("topology stopped:").count(), 1, "{log}");
    let steady_outcomes = log
        .lines()
        .filter(|line| line.contains("key=steady"))
        .filter(|line| line.contains("pipeline completed") || line.contains("pipeline aborted"))
        .count();
    assert_eq!(steady_outcomes, 1, "one outcome for the pipeline still running: {log}");
}

#[test]
fn a_signal_is_seen_and_the_process_ends_when_every_worker_thread_is_blocked() {
    let mut running = failure_modes(
        "blocking",
        &[("TOKIO_WORKER_THREADS", "1"), ("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "1")],
    );
    running.wait_for("starting", START);
    std::thread::sleep(Duration::from_millis(300));
    running.signal(Signal::SIGTERM);
    let status = running.wait_exit(STOP);
    let log = running.stderr();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("received shutdown signal; stopping gracefully"), "{log}");
    assert!(log.contains("shutdown deadline passed"), "{log}");
    assert!(log.contains("giving up on them"), "{log}");
    assert!(log.contains("key=misbehaving") && log.contains("timed_out"), "{log}");
    // Its thread stays blocked: the runtime's own wait for it is skipped.
    assert!(
        log.contains("exiting without waiting for the threads of pipelines given up on"),
        "{log}"
    );
}
