//! Pipeline families end to end: tables listed in YAML, one pipeline each;
//! a table added to the file runs after a restart, without a rebuild.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example, run_to_exit};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

const TWO_TABLES: &str = "\
pipelines:
  ingest:
    orders: { source: \"memory://lake/raw/orders\", sink: \"memory://lake/clean/orders\", seed_objects: 2 }
    events: { source: \"memory://lake/raw/events\", sink: \"memory://lake/clean/events\", seed_objects: 2 }
";

fn run_tables(config: &std::path::Path) -> Running {
    let config = config.display().to_string();
    Running::start(
        &example("tables"),
        &["--config", &config, "--poll-jitter-secs", "0"],
        &[],
    )
}

#[test]
fn a_table_added_to_the_yaml_runs_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tables.yaml");
    std::fs::write(&config, TWO_TABLES).unwrap();

    let mut running = run_tables(&config);
    running.wait_for("starting 2 pipelines: ingest/orders, ingest/events", START);
    running.wait_for("pipeline{key=ingest/orders typetag=\"table\"}: tables: ingested", START);
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
    assert!(!running.stderr().contains("payments"));

    // Three lines of YAML, no rebuild.
    let three_tables = format!(
        "{TWO_TABLES}    payments:\n      source: \"memory://lake/raw/payments\"\n      sink: \"memory://lake/clean/payments\"\n      seed_objects: 4\n"
    );
    std::fs::write(&config, three_tables).unwrap();
    let mut running = run_tables(&config);
    running.wait_for(
        "starting 3 pipelines: ingest/orders, ingest/events, ingest/payments",
        START,
    );
    let ingested = running.wait_for(
        "pipeline{key=ingest/payments typetag=\"table\"}: tables: ingested",
        START,
    );
    assert!(ingested.contains("objects=4"), "{ingested}");
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
    let log = running.stderr();
    assert!(
        log.contains("pipeline completed key=ingest/payments typetag=\"table\""),
        "{log}"
    );
    assert!(
        log.contains("topology stopped: 3 pipelines: 3 completed, 0 failed"),
        "{log}"
    );
}

#[test]
fn without_a_config_file_the_built_in_tables_run() {
    let mut running = Running::start(&example("tables"), &["--poll-jitter-secs", "0"], &[]);
    running.wait_for("starting 2 pipelines: ingest/orders, ingest/events", START);
    running.signal(Signal::SIGINT);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn family_configuration_errors_exit_2_with_file_line_entry_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tables.yaml");
    let cases = [
        (
            "pipelines:\n  ingst:\n    orders: { source: a, sink: b }\n",
            "line 2: `pipelines`: unknown pipeline family `ingst`; the families of this program are `ingest`",
        ),
        (
            "pipelines:\n  ingest:\n    orders: { source: a }\n",
            "line 3: `pipelines.ingest.orders`: missing field `sink`",
        ),
        (
            "pipelines:\n  ingest:\n    orders: { source: a, sink: b, seed_objects: lots }\n",
            "line 3: `pipelines.ingest.orders.seed_objects`: invalid type: string \"lots\"",
        ),
        (
            "pipelines:\n  ingest:\n    orders: { source: a, sink: b, sinc: c }\n",
            "line 3: `pipelines.ingest.orders.sinc`: unknown field `sinc`",
        ),
        (
            "pipelines:\n  ingest:\n    \"orders/eu\": { source: a, sink: b }\n",
            "line 3: `pipelines.ingest`: invalid instance name `orders/eu`",
        ),
        ("", "the file is empty (or only comments)"),
        ("# truncated mid-write\n\n", "the file is empty (or only comments)"),
    ];
    for (text, expected) in cases {
        std::fs::write(&config, text).unwrap();
        let path = config.display().to_string();
        let (status, stderr) = run_to_exit(&example("tables"), &["--config", &path], &[]);
        assert_eq!(status.code(), Some(2), "{text}\n{stderr}");
        assert!(
            stderr.contains(&format!("configuration file `{path}`")),
            "{text}\n{stderr}"
        );
        assert!(
            stderr.contains(expected),
            "expected {expected:?} for:\n{text}\n{stderr}"
        );
    }
}

#[test]
fn sighup_reloads_the_tables_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tables.yaml");
    std::fs::write(&config, TWO_TABLES).unwrap();
    let mut running = run_tables(&config);
    running.wait_for("starting 2 pipelines: ingest/orders, ingest/events", START);

    // A mistake in the file: logged, and nothing changes.
    std::fs::write(
        &config,
        "pipelines:\n  ingest:\n    orders: { source: a, sink: b, sinc: c }\n",
    )
    .unwrap();
    running.signal(Signal::SIGHUP);
    let rejected = running.wait_for("configuration not reloaded, the running topology is unchanged", START);
    assert!(rejected.contains("unknown field `sinc`"), "{rejected}");

    // `events` goes, `orders` changes, `payments` comes.
    std::fs::write(
        &config,
        "pipelines:\n  ingest:\n    orders: { source: \"memory://lake/raw/orders\", sink: \"memory://lake/clean/orders2\" }\n    payments: { source: \"memory://lake/raw/payments\", sink: \"memory://lake/clean/payments\", seed_objects: 2 }\n",
    )
    .unwrap();
    running.signal(Signal::SIGHUP);
    running.wait_for(
        "configuration reloaded: 1 started (ingest/payments), 1 stopped (ingest/events), 1 restarted (ingest/orders)",
        START,
    );
    running.wait_for("pipeline completed key=ingest/events typetag=\"table\"", START);
    running.wait_for(
        "pipeline{key=ingest/payments typetag=\"table\"}: tables: ingested",
        START,
    );

    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
    // The new `orders` run may still be waiting for the old one to end when
    // SIGTERM comes (then it ends cancelled); either way it is counted.
    assert!(
        running.stderr().contains("topology stopped: 4 pipelines: ") && running.stderr().contains(", 0 failed"),
        "the replaced run has its outcome too: {}",
        running.stderr()
    );
}

#[test]
fn sighup_while_running_and_during_shutdown_never_ends_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tables.yaml");
    std::fs::write(&config, TWO_TABLES).unwrap();
    let mut running = run_tables(&config);
    running.wait_for("starting 2 pipelines", START);
    // While running, with nothing changed.
    running.signal(Signal::SIGHUP);
    running.wait_for("configuration reloaded: 0 started, 0 stopped, 0 restarted", START);
    // During shutdown: the deadline still ends it.
    running.signal(Signal::SIGTERM);
    running.signal(Signal::SIGHUP);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn an_emptied_family_stays_up_and_an_empty_file_is_not_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tables.yaml");
    // Every entry removed on purpose: no pipeline, and the process stays up.
    std::fs::write(&config, "pipelines:\n  ingest: {}\n").unwrap();
    let mut running = run_tables(&config);
    running.wait_for("starting 0 pipelines", START);
    running.wait_for(
        "this replica runs no pipelines; it waits for a reload (SIGHUP) or a signal to stop",
        START,
    );

    // A file truncated mid-write changes nothing.
    std::fs::write(&config, "").unwrap();
    running.signal(Signal::SIGHUP);
    let rejected = running.wait_for("configuration not reloaded, the running topology is unchanged", START);
    assert!(rejected.contains("the file is empty"), "{rejected}");

    // The entries come back with the next good file.
    std::fs::write(&config, TWO_TABLES).unwrap();
    running.signal(Signal::SIGHUP);
    running.wait_for(
        "configuration reloaded: 2 started (ingest/orders, ingest/events)",
        START,
    );
    running.signal(Signal::SIGTERM);
    let status = running.wait_exit(START);
    assert_eq!(status.code(), Some(0), "{}", running.stderr());
}
