//! The generated program as an operator meets it: metrics over HTTP, health
//! during shutdown, configuration errors, `--help`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example, free_port, get, run_to_exit};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

/// The value of the series whose line starts with `series`.
fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn the_quickstart_serves_metrics_and_stops_cleanly() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut running = Running::start(
        &example("quickstart"),
        &["--poll-jitter-secs", "0"],
        &[("TOPOLOGY_METRICS_ADDR", address.as_str())],
    );
    running.wait_for("starting 4 pipelines: feeder, orders, events, reporter", START);
    // Input is written, picked up and processed.
    running.wait_for("ingested new objects", START);

    let (status, health) = get(&format!("http://{address}/health"));
    assert_eq!((status, health.as_str()), (200, "ok\n"));
    let (status, scrape) = get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200);
    for key in ["feeder", "orders", "events", "reporter"] {
        let running_series = format!("topology_pipeline_running{{key=\"{key}\",typetag=\"table\"}}");
        assert_eq!(value(&scrape, &running_series), Some(1.0), "{key}:\n{scrape}");
    }
    // The distribution is the typetag's; the key has its last iteration.
    let iterations = value(
        &scrape,
        "topology_pipeline_iteration_duration_seconds_count{typetag=\"table\"}",
    );
    assert!(iterations >= Some(1.0), "{scrape}");
    let last = value(
        &scrape,
        "topology_pipeline_last_iteration_timestamp_seconds{key=\"orders\",typetag=\"table\"}",
    );
    assert!(last > Some(1.7e9), "{scrape}");
    assert!(
        !scrape.contains("_bucket{key="),
        "no per-key histogram by default:\n{scrape}"
    );
    assert_eq!(value(&scrape, "topology_storage_pooled_stores"), Some(1.0), "{scrape}");

    running.signal(Signal::SIGINT);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
    assert!(
        running
            .stderr()
            .contains("topology stopped: 4 pipelines: 4 completed, 0 failed")
    );
}

#[test]
fn health_and_readiness_turn_503_once_shutdown_begins() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut running = Running::start(
        &example("failure_modes"),
        &[],
        &[("FAILURE_MODE", "slow"), ("TOPOLOGY_METRICS_ADDR", address.as_str())],
    );
    running.wait_for("starting mode=Slow", START);
    assert_eq!(get(&format!("http://{address}/health")).0, 200);
    running.signal(Signal::SIGTERM);
    running.wait_for("shutdown begun", STOP);
    // `misbehaving` takes three seconds to finish: the endpoint is still up.
    let (status, body) = get(&format!("http://{address}/health"));
    assert_eq!((status, body.as_str()), (503, "shutting down\n"));
    let (status, body) = get(&format!("http://{address}/ready"));
    assert_eq!((status, body.as_str()), (503, "shutting down\n"));
    let (_, scrape) = get(&format!("http://{address}/metrics"));
    assert_eq!(value(&scrape, "topology_shutting_down"), Some(1.0), "{scrape}");
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn a_bad_environment_value_exits_2_naming_the_setting_and_value() {
    let (status, stderr) = run_to_exit(
        &example("failure_modes"),
        &[],
        &[("TOPOLOGY_TOTAL_CONCURRENCY", "lots")],
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: invalid value `lots` for setting `total_concurrency` (from environment variable TOPOLOGY_TOTAL_CONCURRENCY): expected a whole number, at least 1"
    );
}

#[test]
fn a_bad_flag_value_exits_2_naming_the_flag() {
    let (status, stderr) = run_to_exit(&example("failure_modes"), &["--poll-jitter-secs", "-3"], &[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`poll_jitter_secs`") && stderr.contains("`-3`") && stderr.contains("flag --poll-jitter-secs"),
        "{stderr}"
    );
}

#[test]
fn a_bad_config_file_exits_2_naming_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("topology.yaml");
    std::fs::write(&path, "global:\n  poll_jitter_secs: 1\n  total_concurency: 4\n").unwrap();
    let config = path.display().to_string();
    let (status, stderr) = run_to_exit(&example("failure_modes"), &["--config", &config], &[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&config), "{stderr}");
    assert!(stderr.contains("unknown field `total_concurency`"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");

    std::fs::write(&path, "global:\n  shutdown_timeout_secs: soon\n").unwrap();
    let (status, stderr) = run_to_exit(&example("failure_modes"), &[], &[("TOPOLOGY_CONFIG", config.as_str())]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`global.shutdown_timeout_secs` at line 2"), "{stderr}");
}

#[test]
fn a_missing_config_file_exits_2() {
    let (status, stderr) = run_to_exit(
        &example("failure_modes"),
        &["--config", "/nonexistent/topology.yaml"],
        &[],
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/topology.yaml"), "{stderr}");
}

#[test]
fn a_taken_metrics_port_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run_to_exit(&example("failure_modes"), &["--metrics-addr", &address], &[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot serve metrics on {address}")),
        "{stderr}"
    );
}

#[test]
fn help_lists_every_setting_and_exits_0() {
    let (status, stdout_or_err) = {
        let output = std::process::Command::new(example("quickstart"))
            .arg("--help")
            .output()
            .unwrap();
        (output.status, String::from_utf8_lossy(&output.stdout).into_owned())
    };
    assert_eq!(status.code(), Some(0));
    assert!(
        stdout_or_err.starts_with("Ingests orders and events from a raw bucket into the lake."),
        "--help opens with the description: {stdout_or_err}"
    );
    for needle in [
        "--config",
        "TOPOLOGY_CONFIG",
        "--poll-jitter-secs",
        "TOPOLOGY_POLL_JITTER_SECS",
        "--total-concurrency",
        "TOPOLOGY_TOTAL_CONCURRENCY",
        "--connection-pooling",
        "TOPOLOGY_CONNECTION_POOLING",
        "--shutdown-timeout-secs",
        "TOPOLOGY_SHUTDOWN_TIMEOUT_SECS",
        "--metrics-addr",
        "TOPOLOGY_METRICS_ADDR",
        "--failure-policy",
        "TOPOLOGY_FAILURE_POLICY",
        "130 forced by a second signal",
    ] {
        assert!(
            stdout_or_err.contains(needle),
            "{needle} missing from:\n{stdout_or_err}"
        );
    }
}

#[test]
fn a_misspelt_topology_variable_exits_2_with_a_suggestion() {
    let (status, stderr) = run_to_exit(&example("failure_modes"), &[], &[("TOPOLOGY_TOTAL_CONCURENCY", "4")]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown setting `TOPOLOGY_TOTAL_CONCURENCY` (from the environment); did you mean `TOPOLOGY_TOTAL_CONCURRENCY`?"),
        "{stderr}"
    );
}

#[test]
fn a_state_that_fails_to_build_exits_2_with_its_error() {
    let (status, stderr) = run_to_exit(&example("failure_modes"), &[], &[("FAILURE_MODE", "bogus")]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot build the state of the topology: unknown FAILURE_MODE `bogus`"),
        "{stderr}"
    );
    assert!(!stderr.contains("starting 2 pipelines"), "nothing started: {stderr}");
}

#[test]
fn json_logs_carry_the_key_and_typetag_as_fields() {
    let mut running = Running::start(
        &example("failure_modes"),
        &[],
        &[("TOPOLOGY_LOG_FORMAT", "json"), ("FAILURE_MODE", "complete")],
    );
    let completed = running.wait_for("pipeline completed", START);
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
    let line: serde_yaml_ng::Value = serde_yaml_ng::from_str(&completed).expect("a JSON line");
    assert_eq!(line["key"].as_str(), Some("misbehaving"), "{completed}");
    assert_eq!(line["typetag"].as_str(), Some("demo"), "{completed}");
    // The pipeline's own lines carry its key through the span.
    let own = running
        .stderr()
        .lines()
        .find(|line| line.contains("\"message\":\"starting\""))
        .map(str::to_owned)
        .expect("the pipeline's own line");
    let own: serde_yaml_ng::Value = serde_yaml_ng::from_str(&own).unwrap();
    assert_eq!(own["span"]["key"].as_str(), Some("misbehaving"), "{own:?}");

    let (status, stderr) = run_to_exit(&example("failure_modes"), &[], &[("TOPOLOGY_LOG_FORMAT", "xml")]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TOPOLOGY_LOG_FORMAT") && stderr.contains("`xml`"),
        "{stderr}"
    );
}

#[test]
fn in_json_mode_every_line_is_one_json_object_panics_and_multi_line_errors_included() {
    for mode in ["panic", "fail"] {
        let mut running = Running::start(
            &example("failure_modes"),
            &[],
            &[
                ("TOPOLOGY_LOG_FORMAT", "json"),
                ("FAILURE_MODE", mode),
                ("RUST_BACKTRACE", "1"),
            ],
        );
        running.wait_for("pipeline", START);
        running.signal(Signal::SIGTERM);
        running.wait_exit(STOP);
        let stderr = running.stderr();
        for line in stderr.lines() {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            assert!(parsed.is_ok(), "{mode}: not one JSON object: {line:?}\n{stderr}");
        }
        if mode == "panic" {
            let panic = stderr
                .lines()
                .find(|line| line.contains("panicked: index out of range"))
                .unwrap_or_else(|| panic!("the panic as a JSON line:\n{stderr}"));
            let panic: serde_json::Value = serde_json::from_str(panic).unwrap();
            assert_eq!(panic["span"]["key"].as_str(), Some("misbehaving"), "{panic}");
            assert!(
                panic["panic.location"]
                    .as_str()
                    .is_some_and(|at| at.contains("failure_modes.rs")),
                "{panic}"
            );
            assert!(panic["panic.backtrace"].is_string(), "{panic}");
        }
    }
}
