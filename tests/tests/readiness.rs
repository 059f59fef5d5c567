//! `/ready` against `/health` in a real process: a replica with a pipeline
//! dead (failed, its budget spent) stays alive, and is taken out of service
//! only when `ready_requires_no_failed` asks for it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, free_port, get, lifecycle_program};

const WAIT: Duration = Duration::from_secs(30);

/// The lifecycle program with `work/a` failing for good and `work/b`
/// running; the answers of `/health` and `/ready` once `work/a` is dead.
fn probes_with_a_dead_pipeline(env: &[(&str, &str)]) -> ((u16, String), (u16, String)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecycle.yaml");
    std::fs::write(
        &path,
        "pipelines:\n  work:\n    a: { fails: true }\n    b: {}\npolicies:\n  work/a:\n    restart: never\n",
    )
    .unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut vars = vec![("TOPOLOGY_POLL_JITTER_SECS", "0")];
    vars.extend_from_slice(env);
    let mut running = Running::start(
        &lifecycle_program(),
        &["--config", path.to_str().unwrap(), "--metrics-addr", &address],
        &vars,
    );
    running.wait_for("pipeline failed", WAIT);
    running.wait_for("run start key=work/b", WAIT);
    let health = get(&format!("http://{address}/health"));
    let ready = get(&format!("http://{address}/ready"));
    running.signal(Signal::SIGTERM);
    running.wait_exit(WAIT);
    (health, ready)
}

#[test]
fn a_dead_pipeline_keeps_the_replica_ready_by_default() {
    let (health, ready) = probes_with_a_dead_pipeline(&[]);
    assert_eq!(health, (200, "ok\n".to_owned()));
    assert_eq!(ready, (200, "ready\n".to_owned()));
}

#[test]
fn a_dead_pipeline_takes_the_replica_out_of_service_when_asked() {
    let (health, ready) = probes_with_a_dead_pipeline(&[("TOPOLOGY_READY_REQUIRES_NO_FAILED", "true")]);
    assert_eq!(health, (200, "ok\n".to_owned()), "liveness is unaffected");
    assert_eq!(ready, (503, "1 pipeline(s) ended failed, first work/a\n".to_owned()));
}
