//! A credential planted in every path it can take (a URL's password and
//! signature, a client option, `AWS_SECRET_ACCESS_KEY`, a state error, a
//! pipeline's error, a panic, a `Debug` of the context, a bad setting) never
//! reaches the output: logs, `/pipelines`, `/metrics`, `--list`, start-up
//! errors.

mod support;

use std::{process::Command, time::Duration};

use nix::sys::signal::Signal;
use support::{Running, free_port, get, run_to_exit, test_program};

const SECRET: &str = "PLANTED-s3cr3t";

fn secrets_program() -> std::path::PathBuf {
    test_program("secrets")
}

fn planted(port: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "TOPOLOGY_APP_LAKE_URL",
            format!("s3://AKIAEXAMPLE:{SECRET}@bucket/raw?sv=2022&sig={SECRET}"),
        ),
        ("TOPOLOGY_APP_OPTION_SECRET", SECRET.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET.to_owned()),
        ("TOPOLOGY_POLL_JITTER_SECS", "0".to_owned()),
        ("TOPOLOGY_METRICS_ADDR", format!("127.0.0.1:{port}")),
        ("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "5".to_owned()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

fn assert_hidden(what: &str, output: &str) {
    assert!(!output.contains(SECRET), "{what} shows the secret:\n{output}");
}

#[test]
fn a_running_program_never_prints_a_planted_secret() {
    for format in ["text", "json"] {
        let port = free_port().to_string();
        let mut env = planted(&port);
        env.push(("TOPOLOGY_LOG_FORMAT", format.to_owned()));
        let running = Running::start(&secrets_program(), &[], &borrowed(&env));
        running.wait_for("context of logs", Duration::from_secs(30));
        running.wait_for("panicked", Duration::from_secs(30));
        let failed = running.wait_for("pipeline failed", Duration::from_secs(30));
        // The error is still there, its credential masked.
        assert!(failed.contains("s3://AKIAEXAMPLE:***@bucket/raw"), "{failed}");
        let (_, pipelines) = get(&format!("http://127.0.0.1:{port}/pipelines"));
        assert!(pipelines.contains("AKIAEXAMPLE:***@"), "{pipelines}");
        assert_hidden("/pipelines", &pipelines);
        let (_, metrics) = get(&format!("http://127.0.0.1:{port}/metrics"));
        assert_hidden("/metrics", &metrics);
        let mut running = running;
        running.signal(Signal::SIGTERM);
        running.wait_exit(Duration::from_secs(30));
        let stderr = running.stderr();
        // What the test reads: the context, the panic, the logged URL.
        assert!(stderr.contains("AWS_SECRET_ACCESS_KEY"), "{stderr}");
        assert!(stderr.contains("sig=***"), "{stderr}");
        assert_hidden(&format!("the {format} log"), &stderr);
        if format == "json" {
            for line in stderr.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
            }
        }
    }
}

#[test]
fn a_failing_state_and_bad_settings_exit_2_without_the_secret() {
    let port = free_port().to_string();
    let mut env = planted(&port);
    env.push(("TOPOLOGY_APP_FAIL_STATE", "true".to_owned()));
    let (status, stderr) = run_to_exit(&secrets_program(), &[], &borrowed(&env));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot reach the lake at s3://AKIAEXAMPLE:***@"),
        "{stderr}"
    );
    assert_hidden("the state error", &stderr);

    let bad = format!("s3://u:{SECRET}@x");
    let (status, stderr) = run_to_exit(&secrets_program(), &[], &[("TOPOLOGY_SHARDS", &bad)]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s3://u:***@x"), "{stderr}");
    assert_hidden("a bad setting's error", &stderr);
}

#[test]
fn list_never_prints_a_planted_secret() {
    let port = free_port().to_string();
    let output = Command::new(secrets_program())
        .arg("--list")
        .envs(planted(&port))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("opens"), "{stdout}");
    assert_hidden("--list", &stdout);
    assert_hidden("--list's stderr", &String::from_utf8_lossy(&output.stderr));
}
