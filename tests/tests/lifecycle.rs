//! The life of each pipeline run through reloads and signals, in a real
//! process driven by its configuration file and real SIGHUPs and SIGTERMs:
//! never two runs of one key, an operator's stop never taken for a
//! failure, a stop honoured in every wait, and a replica that stays up.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{path::PathBuf, time::Duration};

use nix::sys::signal::Signal;
use serde_json::Value;
use support::{Running, free_port, get, lifecycle_program};

const WAIT: Duration = Duration::from_secs(30);

/// The lifecycle program on `config`, serving `/pipelines` on a free port.
struct Program {
    running: Running,
    config: PathBuf,
    base: String,
    _dir: tempfile::TempDir,
}

impl Program {
    fn start(config: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lifecycle.yaml");
        std::fs::write(&path, config).unwrap();
        let address = format!("127.0.0.1:{}", free_port());
        let mut all = vec!["--config", path.to_str().unwrap(), "--metrics-addr", &address];
        all.extend_from_slice(args);
        let running = Running::start(&lifecycle_program(), &all, &[]);
        running.wait_for("starting ", WAIT);
        Self {
            running,
            config: path,
            base: format!("http://{address}"),
            _dir: dir,
        }
    }

    /// Writes `config` and sends SIGHUP; returns the reload's line.
    fn reload(&self, config: &str, expect: &str) -> String {
        std::fs::write(&self.config, config).unwrap();
        self.running.signal(Signal::SIGHUP);
        self.running
            .wait_for(&format!("configuration reloaded: {expect}"), WAIT)
    }

    /// The rows of `/pipelines` for `key`.
    fn rows(&self, key: &str) -> Vec<Value> {
        let (status, body) = get(&format!("{}/pipelines", self.base));
        assert_eq!(status, 200);
        let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
        rows.into_iter().filter(|row| row["key"] == key).collect()
    }

    /// Polls `/pipelines` until `settled` holds for `key`'s rows.
    fn rows_until(&self, key: &str, settled: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..1000 {
            let rows = self.rows(key);
            if settled(&rows) {
                return rows;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("{key} never settled: {:?}\n{}", self.rows(key), self.running.stderr());
    }

    /// Every line of the log so far containing `needle`, with its place.
    fn lines(&self, needle: &str) -> Vec<(usize, String)> {
        self.running
            .stderr()
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains(needle))
            .map(|(place, line)| (place, line.to_owned()))
            .collect()
    }

    /// Stops the program with SIGTERM; its exit code and whole log.
    fn stop(mut self) -> (Option<i32>, String) {
        self.running.signal(Signal::SIGTERM);
        let status = self.running.wait_exit(WAIT);
        (status.code(), self.running.stderr())
    }
}

/// Starts and ends of each run of `key`, in log order, never overlapping.
fn assert_one_run_at_a_time(log: &str, key: &str) {
    let mut live = 0;
    for line in log.lines() {
        if line.contains(&format!("run start key={key} ")) {
            live += 1;
            assert_eq!(live, 1, "two runs of {key} at once:\n{log}");
        } else if line.contains(&format!("run end key={key}")) {
            live -= 1;
        }
    }
}

const SLOW_A: &str = "pipelines:\n  work:\n    a: { stop_ms: 3000 }\n    b: {}\n";

#[test]
fn an_entry_put_back_while_its_old_run_stops_waits_for_it() {
    let program = Program::start(SLOW_A, &["--poll-jitter-secs", "0"]);
    program.running.wait_for("run start key=work/a version=0", WAIT);
    program.reload("pipelines:\n  work:\n    b: {}\n", "0 started, 1 stopped (work/a)");
    program.reload(
        "pipelines:\n  work:\n    a: { stop_ms: 3000, version: 2 }\n    b: {}\n",
        "1 started (work/a)",
    );
    // The old run still stops (3 s); the new one says it waits for it.
    let rows = program.rows("work/a");
    let states: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["state"].as_str().unwrap(),
                row["waiting_for"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(states, [("stopping", ""), ("waiting", "previous_run")], "{rows:?}");

    program.running.wait_for("run start key=work/a version=2", WAIT);
    // Once the old run's outcome is collected, one row: the new run's.
    let rows = program.rows_until("work/a", |rows| rows.len() == 1);
    assert_eq!(rows[0]["state"], "running");
    // The new run's gauge is its own: the old run's end left it at 1.
    let (_, scrape) = get(&format!("{}/metrics", program.base));
    assert!(
        scrape.contains("topology_pipeline_running{key=\"work/a\",typetag=\"job\"} 1"),
        "{scrape}"
    );
    let (code, log) = program.stop();
    assert_eq!(code, Some(0), "{log}");
    assert_one_run_at_a_time(&log, "work/a");
}

#[test]
fn a_run_that_ignores_its_stop_is_aborted_after_the_shutdown_timeout() {
    let program = Program::start(
        "pipelines:\n  work:\n    s: { stubborn: true }\n",
        &["--poll-jitter-secs", "0", "--shutdown-timeout-secs", "2"],
    );
    program.running.wait_for("run start key=work/s version=0", WAIT);
    program.reload(
        "pipelines:\n  work:\n    s: { version: 2 }\n",
        "0 started, 0 stopped, 1 restarted (work/s)",
    );
    let rows = program.rows("work/s");
    let states: Vec<&str> = rows.iter().map(|row| row["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["stopping", "waiting"], "{rows:?}");
    program.running.wait_for(
        "pipeline did not stop within 2.0s of its entry changing or leaving; aborting it key=work/s",
        WAIT,
    );
    program.running.wait_for(
        "pipeline timed out: it did not stop within the shutdown timeout once its entry changed or left; aborted key=work/s",
        WAIT,
    );
    program.running.wait_for("run start key=work/s version=2", WAIT);
    let (code, log) = program.stop();
    assert_one_run_at_a_time(&log, "work/s");
    // An aborted run is a failure of the program's, as at the shutdown deadline.
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("2 pipelines: 1 completed, 0 failed, 1 timed out"), "{log}");
}

const FLAKY: &str = "pipelines:\n  work:\n    f: { fails: true }\n    b: {}\n";

#[test]
fn an_operators_stop_during_a_restart_backoff_is_not_a_failure() {
    let program = Program::start(FLAKY, &["--poll-jitter-secs", "0", "--failure-policy", "shutdown"]);
    program.running.wait_for("restarting in 3600.0s (restart 1)", WAIT);
    let rows = program.rows("work/f");
    assert_eq!(
        (&rows[0]["state"], &rows[0]["next_restart"]),
        (&Value::from("restarting"), &Value::from(1))
    );

    // Edited while it waits out its backoff: the old run is cancelled, the
    // new one runs (and fails again).
    program.reload(
        "pipelines:\n  work:\n    f: { fails: true, version: 2 }\n    b: {}\n",
        "0 started, 0 stopped, 1 restarted (work/f)",
    );
    program.running.wait_for(
        "pipeline cancelled: stopped during its restart backoff key=work/f",
        WAIT,
    );
    program.running.wait_for(
        "restarting in 3600.0s (restart 1): version 2 cannot reach its bucket",
        WAIT,
    );
    // Removed while it waits: cancelled again, and nothing else stops.
    program.reload("pipelines:\n  work:\n    b: {}\n", "0 started, 1 stopped (work/f)");
    program.rows_until("work/f", <[Value]>::is_empty);
    let (status, _) = get(&format!("{}/health", program.base));
    assert_eq!(status, 200, "still up: {}", program.running.stderr());
    assert_eq!(
        program
            .lines("pipeline cancelled: stopped during its restart backoff")
            .len(),
        2
    );

    // Put back, then SIGTERM while it waits: cancelled, exit 0.
    program.reload(FLAKY, "1 started (work/f)");
    program
        .running
        .wait_for("restarting in 3600.0s (restart 1): version 0", WAIT);
    let (code, log) = program.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("stopping the topology"), "{log}");
    assert!(log.contains("4 pipelines: 1 completed, 0 failed, 3 cancelled"), "{log}");
}

#[test]
fn a_stop_ends_the_start_jitter_at_once() {
    let program = Program::start(
        "global:\n  poll_jitter_secs: 3600\npipelines:\n  work:\n    a: {}\n    b: {}\n",
        &[],
    );
    // Removed in its jitter: cancelled, and it never runs.
    program.reload(
        "global:\n  poll_jitter_secs: 3600\npipelines:\n  work:\n    b: {}\n",
        "0 started, 1 stopped (work/a)",
    );
    program
        .running
        .wait_for("pipeline cancelled before it started key=work/a", WAIT);
    // Edited in its jitter, with no jitter for new starts: the replacement
    // starts at once, not after the old run's hour.
    program.reload(
        "global:\n  poll_jitter_secs: 0\npipelines:\n  work:\n    b: { version: 2 }\n",
        "0 started, 0 stopped, 1 restarted (work/b)",
    );
    program.running.wait_for("run start key=work/b version=2", WAIT);
    let rows = program.rows_until("work/b", |rows| rows.len() == 1);
    assert_eq!(rows[0]["state"], "running");
    let (code, log) = program.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("run start key=work/a"), "{log}");
    assert!(!log.contains("run start key=work/b version=0"), "{log}");
    assert!(log.contains("3 pipelines: 1 completed, 0 failed, 2 cancelled"), "{log}");
}

#[test]
fn a_replica_whose_share_becomes_empty_stays_up_for_the_next_reload() {
    let shard = topology::Shard::new(0, 2).unwrap();
    let names: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    let ours: Vec<&String> = names
        .iter()
        .filter(|name| shard.owns(&format!("work/{name}")))
        .collect();
    let theirs = names.iter().find(|name| !shard.owns(&format!("work/{name}"))).unwrap();
    let config = |name: &str| format!("pipelines:\n  work:\n    {name}: {{}}\n");
    let program = Program::start(&config(ours[0]), &["--poll-jitter-secs", "0", "--shard", "0/2"]);
    program
        .running
        .wait_for(&format!("run start key=work/{}", ours[0]), WAIT);
    program.reload(&config(theirs), &format!("0 started, 1 stopped (work/{})", ours[0]));
    program
        .running
        .wait_for(&format!("pipeline completed key=work/{}", ours[0]), WAIT);
    let (status, body) = get(&format!("{}/health", program.base));
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    // Still there for the next reload, which gives it work again.
    program.reload(&config(ours[1]), &format!("1 started (work/{})", ours[1]));
    program
        .running
        .wait_for(&format!("run start key=work/{}", ours[1]), WAIT);
    let (code, log) = program.stop();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(log.matches("topology stopped").count(), 1, "{log}");
}

#[test]
fn a_removed_entry_s_own_histograms_leave_metrics_with_it() {
    let config = "global:\n  per_key_histograms: true\npipelines:\n  work:\n    a: {}\n    b: {}\n";
    let program = Program::start(config, &["--poll-jitter-secs", "0"]);
    program.running.wait_for("run start key=work/a ", WAIT);
    program.running.wait_for("run start key=work/b ", WAIT);
    let (_, scrape) = get(&format!("{}/metrics", program.base));
    for key in ["work/a", "work/b"] {
        let series = format!("topology_pipeline_key_start_jitter_seconds_count{{key=\"{key}\",typetag=\"job\"}} 1");
        assert!(scrape.contains(&series), "{series}:\n{scrape}");
    }
    program.reload(
        "global:\n  per_key_histograms: true\npipelines:\n  work:\n    b: {}\n",
        "0 started, 1 stopped (work/a)",
    );
    program.rows_until("work/a", <[Value]>::is_empty);
    let (_, scrape) = get(&format!("{}/metrics", program.base));
    assert!(!scrape.contains("key=\"work/a\""), "{scrape}");
    assert!(
        scrape.contains(
            "topology_pipeline_key_run_duration_seconds_bucket{key=\"work/b\",typetag=\"job\",le=\"+Inf\"} 0"
        ),
        "{scrape}"
    );
    // The typetag's histograms keep every run, the removed one's included.
    assert!(
        scrape.contains("topology_pipeline_run_duration_seconds_count{typetag=\"job\"} 1"),
        "{scrape}"
    );
    let (code, log) = program.stop();
    assert_eq!(code, Some(0), "{log}");
}
