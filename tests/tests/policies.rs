//! Restart policies and intervals set by an operator, in real processes:
//! from the file, `TOPOLOGY_POLICIES` and `--policy`, shown by `--list`
//! with their sources, applied to runs (a budget loosened to unlimited) and
//! to the runs a reload starts, and refused with exit code 2 when wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{process::Command, time::Duration};

use nix::sys::signal::Signal;
use support::{Running, free_port, lifecycle_program, run_to_exit};

const WAIT: Duration = Duration::from_secs(30);

/// The lifecycle program's `work` restarts after an hour by its attribute:
/// a quick, unlimited policy shows in how often it restarts.
const QUICK: &str = "work.backoff_min=10ms,work.backoff_max=20ms,work.max_restarts=unlimited";

fn list(args: &[&str], env: &[(&str, &str)], config: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecycle.yaml");
    std::fs::write(&path, config).unwrap();
    let output = Command::new(lifecycle_program())
        .arg("--config")
        .arg(&path)
        .arg("--list")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn list_shows_the_policy_in_force_and_where_each_value_came_from() {
    let config = "pipelines:\n  work:\n    a: {}\n    b: {}\npolicies:\n  work:\n    max_restarts: 9\n    backoff_max: 2h\n  work/b:\n    restart: never\n";
    let (ok, stdout, stderr) = list(
        &["--policy", "work.max_restarts=unlimited"],
        &[("TOPOLOGY_POLICIES", "work.backoff_min=5s")],
        config,
    );
    assert!(ok, "{stderr}");
    let line_a = stdout.lines().find(|line| line.starts_with("work/a")).unwrap();
    assert!(
        line_a.contains("restart on-failure (unlimited, backoff 5s to 7200s)"),
        "{line_a}"
    );
    assert!(
        line_a.contains("max_restarts from flag --policy")
            && line_a.contains("backoff_min from environment variable TOPOLOGY_POLICIES")
            && line_a.contains("backoff_max from configuration file"),
        "{line_a}"
    );
    let line_b = stdout.lines().find(|line| line.starts_with("work/b")).unwrap();
    assert!(
        line_b.contains("no restart") && line_b.contains("restart from configuration file"),
        "{line_b}"
    );
}

#[test]
fn wrong_policies_exit_2_naming_the_setting_value_and_source() {
    let config = "pipelines:\n  work:\n    a: {}\n";
    let cases: [(&[&str], &str); 4] = [
        (
            &["--policy", "wrok.max_restarts=3"],
            "unknown setting `policies.wrok` (from flag --policy); did you mean `policies.work`?",
        ),
        (
            &["--policy", "work.max_restarts=lots"],
            "invalid value `lots` for setting `policies.work.max_restarts` (from flag --policy)",
        ),
        (
            &["--policy", "work.interval=1s"],
            "this pipeline is not an interval pipeline",
        ),
        (
            &["--policy", "work.backoff_min=3h"],
            "invalid value `10800s` for setting `policies.work/a.backoff_min` (from flag --policy): above `backoff_max` (3600s, from #[pipeline])",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, stderr) = list(args, &[], config);
        assert!(!ok && stderr.contains(expected), "{args:?}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecycle.yaml");
    std::fs::write(
        &path,
        "pipelines:\n  work:\n    a: {}\npolicies:\n  work:\n    backoff_min: [1]\n",
    )
    .unwrap();
    let (status, stderr) = run_to_exit(&lifecycle_program(), &["--config", path.to_str().unwrap()], &[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`policies.work.backoff_min`: expected a number or text"),
        "{stderr}"
    );
}

/// The lifecycle program with one entry, `work/a`, that always fails, on
/// its configuration file in the returned directory.
fn failing_work(env: &[(&str, &str)]) -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecycle.yaml");
    std::fs::write(&path, "pipelines:\n  work:\n    a: { fails: true }\n").unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut vars = vec![("TOPOLOGY_POLL_JITTER_SECS", "0")];
    vars.extend_from_slice(env);
    let running = Running::start(
        &lifecycle_program(),
        &["--config", path.to_str().unwrap(), "--metrics-addr", &address],
        &vars,
    );
    (running, dir)
}

#[test]
fn an_unlimited_budget_from_the_environment_keeps_restarting_past_the_attributes() {
    let (mut running, _dir) = failing_work(&[("TOPOLOGY_POLICIES", QUICK)]);
    // The attribute's budget is 5 restarts; unlimited goes on.
    running.wait_for("(restart 12)", WAIT);
    running.signal(Signal::SIGTERM);
    running.wait_exit(WAIT);
    assert!(!running.stderr().contains("giving up"), "{}", running.stderr());
}

#[test]
fn a_reload_applies_the_new_policies_to_the_runs_it_starts() {
    let (mut running, dir) = failing_work(&[]);
    let path = dir.path().join("lifecycle.yaml");
    // The attribute's backoff: an hour.
    running.wait_for("restarting in 3600", WAIT);
    std::fs::write(
        &path,
        "pipelines:\n  work:\n    a: { fails: true }\n    b: { fails: true }\npolicies:\n  work/b:\n    backoff_min: 10ms\n    backoff_max: 20ms\n    max_restarts: unlimited\n",
    )
    .unwrap();
    running.signal(Signal::SIGHUP);
    running.wait_for("configuration reloaded", WAIT);
    let restarted = running.wait_for("(restart 6)", WAIT);
    assert!(restarted.contains("work/b"), "{restarted}");
    // The run already going keeps the policy it started with.
    assert!(
        !running
            .stderr()
            .lines()
            .any(|line| line.contains("work/a") && line.contains("(restart 2)")),
        "{}",
        running.stderr()
    );
    running.signal(Signal::SIGTERM);
    running.wait_exit(WAIT);
}

/// A test shortens an interval by type, without touching the attribute.
mod in_process {
    use std::{
        sync::atomic::{AtomicU32, Ordering},
        time::Duration,
    };

    use topology::{PolicyOverride, RunningTopology, pipeline, topology};

    static ITERATIONS: AtomicU32 = AtomicU32::new(0);

    #[pipeline(key = "feeder", interval = "2s")]
    async fn feeder() {
        ITERATIONS.fetch_add(1, Ordering::SeqCst);
    }

    topology! {
        metrics: off,
        global: { poll_jitter_secs: 0 },
        main: false,
        pipelines: [feeder],
    }

    #[tokio::test(start_paused = true)]
    async fn a_test_shortens_a_two_second_interval() {
        let settings =
            Topology::settings().with_policy("feeder", PolicyOverride::default().interval(Duration::from_millis(10)));
        let started = Topology::start(&settings).await.unwrap();
        tokio::time::sleep(Duration::from_millis(95)).await;
        started.shutdown();
        let stats = started.run_to_completion().await;
        assert_eq!(stats.counts().completed, 1);
        // Every 10 ms from 0: ten iterations where the attribute's 2 s gives one.
        assert_eq!(ITERATIONS.load(Ordering::SeqCst), 10);
    }
}
