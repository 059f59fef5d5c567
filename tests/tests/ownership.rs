//! Ownership across replicas with real processes on one S3-protocol store:
//! a rescale from two replicas to three, a replica stopped (`SIGSTOP`) past
//! its lease, one killed (`SIGKILL`), and one cut off from the store. Each
//! run of the replica program logs its start and every commit it made to
//! the store; commits are fenced. After each scenario the logs must show
//! that no two runs of one key were ever live at once, and each table's
//! commit log that no replaced owner's commit followed its successor's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "support/s3.rs"]
mod s3;
mod support;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use nix::sys::signal::Signal;
use s3::S3;
use support::{Running, free_port, get, promtool, run_to_exit, test_program};

const KEYS: [&str; 12] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
/// The lease timing every replica runs with.
const LEASE: Duration = Duration::from_secs(3);
const MARGIN: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(60);

/// The replicas' configuration: `extra` lines added to the family.
fn config(extra: &str) -> String {
    let mut config = String::from(
        "global:\n  poll_jitter_secs: 0\n  shutdown_timeout_secs: 5\n  coordination: s3://lake/coordination\n  \
         lease_duration: 3s\n  lease_renew_interval: 1s\n  lease_margin: 1s\n  lease_buckets: 16\npipelines:\n  table:\n",
    );
    for key in KEYS {
        config.push_str(&format!("    {key}: {{}}\n"));
    }
    config + extra
}

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

/// The store, the configuration file, and the replicas started on them.
struct Cluster {
    s3: S3,
    config: tempfile::NamedTempFile,
}

impl Cluster {
    fn new() -> Self {
        Self::with_entries("")
    }

    /// With `extra` entries besides [`KEYS`].
    fn with_entries(extra: &str) -> Self {
        let config = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(config.path(), self::config(extra)).unwrap();
        Self {
            s3: S3::start(),
            config,
        }
    }

    /// A replica with `shard`, serving its endpoint on `port` when given.
    fn replica(&self, name: &str, shard: &str, port: Option<u16>) -> Running {
        let address = port.map_or_else(|| "off".to_owned(), |port| format!("127.0.0.1:{port}"));
        let args = [
            "--config",
            self.config.path().to_str().unwrap(),
            "--shard",
            shard,
            "--metrics-addr",
            &address,
        ];
        let env = self.env(name);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let running = Running::start(&test_program("replica"), &args, &env);
        running.wait_for("ownership is on", WAIT);
        running
    }

    /// Three replicas, shards 0/3 to 2/3 (the first serving on `port`),
    /// once every key commits.
    fn three(&self, port: Option<u16>) -> [Running; 3] {
        let replicas = [
            self.replica("replica-a", "0/3", port),
            self.replica("replica-b", "1/3", None),
            self.replica("replica-c", "2/3", None),
        ];
        self.wait_all_committing_after(0);
        replicas
    }

    /// Stops `replicas` gracefully, then checks what the store holds.
    fn finish<const N: usize>(&self, replicas: [Running; N]) {
        for replica in replicas {
            stop(replica);
        }
        self.history().assert_one_owner_at_a_time();
    }

    /// The environment of replica `name`.
    fn env(&self, name: &str) -> Vec<(String, String)> {
        let mut env = self.s3.env();
        env.push(("HOSTNAME".to_owned(), name.to_owned()));
        env.push(("REPLICA_DATA".to_owned(), "s3://lake/data".to_owned()));
        env
    }

    /// What the store holds of the runs and the commits.
    fn history(&self) -> History {
        History::read(&self.s3)
    }

    /// Waits until every key has a commit decided after `since` (Unix ms),
    /// and says how long after `since` the last of them came.
    fn wait_all_committing_after(&self, since: u128) -> Duration {
        let deadline = Instant::now() + WAIT;
        loop {
            let history = self.history();
            let latest: Vec<Option<u128>> = KEYS
                .iter()
                .map(|key| history.first_commit_after(&format!("table/{key}"), since))
                .collect();
            if latest.iter().all(Option::is_some) {
                let last = latest.into_iter().flatten().max().unwrap_or(since);
                return Duration::from_millis(u64::try_from(last - since).unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "not every key committed again within {WAIT:?}: {latest:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// One run, from its log object.
#[derive(Debug)]
struct Run {
    token: u64,
    pid: u32,
    start: u128,
    commits: Vec<u128>,
    /// Its end, written only while it still held its lease.
    end: Option<u128>,
}

impl Run {
    /// The last moment it is known to have been live as the owner.
    fn last(&self) -> u128 {
        self.commits.iter().copied().chain(self.end).max().unwrap_or(self.start)
    }
}

/// The runs and commits the store holds, by key.
struct History {
    runs: BTreeMap<String, Vec<Run>>,
    /// Each table's commits: the token and process id of each, in order.
    commits: BTreeMap<String, Vec<(u64, u32)>>,
}

impl History {
    fn read(s3: &S3) -> Self {
        let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
        for (path, text) in s3.objects("data/runs") {
            let (key, name) = path.trim_start_matches("data/runs/").rsplit_once('/').unwrap();
            let mut parts = name.split('-');
            let token = parts.next().unwrap().parse().unwrap();
            let pid = parts.next().unwrap().parse().unwrap();
            let mut run = Run {
                token,
                pid,
                start: 0,
                commits: Vec::new(),
                end: None,
            };
            for line in text.lines() {
                let (what, at) = line.split_once(' ').unwrap();
                let at: u128 = at.parse().unwrap();
                match what {
                    "start" => run.start = at,
                    "commit" => run.commits.push(at),
                    "end" => run.end = Some(at),
                    other => panic!("unknown line {other} in {path}"),
                }
            }
            runs.entry(key.to_owned()).or_default().push(run);
        }
        let commits = s3
            .objects("data/commits")
            .into_iter()
            .map(|(path, text)| {
                let body = text.split_once('\n').map_or("", |(_, body)| body);
                let lines = body
                    .lines()
                    .map(|line| {
                        let (token, pid) = line.split_once(' ').unwrap();
                        (token.parse().unwrap(), pid.parse().unwrap())
                    })
                    .collect();
                (path.trim_start_matches("data/commits/").to_owned(), lines)
            })
            .collect();
        Self { runs, commits }
    }

    /// The first commit of `key` decided after `since`.
    fn first_commit_after(&self, key: &str, since: u128) -> Option<u128> {
        self.runs
            .get(key)?
            .iter()
            .flat_map(|run| run.commits.iter().copied())
            .filter(|at| *at > since)
            .min()
    }

    /// The process that made the last commit of `key` decided before `at`.
    fn committer_before(&self, key: &str, at: u128) -> Option<u32> {
        self.runs
            .get(key)?
            .iter()
            .flat_map(|run| run.commits.iter().map(move |commit| (*commit, run.pid)))
            .filter(|(commit, _)| *commit < at)
            .max()
            .map(|(_, pid)| pid)
    }

    /// Never two live runs of one key; fencing tokens that only grow, in
    /// the runs and in each table's commits.
    fn assert_one_owner_at_a_time(&self) {
        assert!(self.runs.len() >= KEYS.len(), "every key ran: {:?}", self.runs.keys());
        for (key, runs) in &self.runs {
            let mut runs: Vec<&Run> = runs.iter().collect();
            runs.sort_by_key(|run| run.start);
            let mut live_until = 0;
            let mut token = 0;
            for run in runs {
                assert!(
                    run.start > live_until,
                    "{key}: a run (token {}, pid {}) started at {} while another was live until {live_until}",
                    run.token,
                    run.pid,
                    run.start
                );
                assert!(run.token > token, "{key}: token {} after token {token}", run.token);
                live_until = run.last();
                token = run.token;
            }
        }
        for (key, commits) in &self.commits {
            assert!(
                commits.windows(2).all(|pair| pair[0].0 <= pair[1].0),
                "{key}: a commit of an older owner after a newer one's: {commits:?}"
            );
        }
    }
}

fn stop(mut replica: Running) -> String {
    replica.signal(Signal::SIGTERM);
    let status = replica.wait_exit(WAIT);
    let log = replica.stderr();
    assert_eq!(status.code(), Some(0), "{log}");
    log
}

#[test]
fn rescaling_from_two_replicas_to_three_never_runs_a_key_twice() {
    let cluster = Cluster::new();
    let a = cluster.replica("replica-a", "0/2", None);
    let b = cluster.replica("replica-b", "1/2", None);
    cluster.wait_all_committing_after(0);

    // The new replica starts first, with the new count, beside the old ones.
    let c = cluster.replica("replica-c", "2/3", None);
    std::thread::sleep(Duration::from_secs(2));
    let log = stop(a);
    assert!(log.contains("released the lease of bucket"), "{log}");
    let a = cluster.replica("replica-a", "0/3", None);
    let log = stop(b);
    assert!(log.contains("released the lease of bucket"), "{log}");
    let rescaled = unix_ms();
    let b = cluster.replica("replica-b", "1/3", None);
    let took = cluster.wait_all_committing_after(rescaled);
    eprintln!("every key committed again {took:?} after the last restart");
    assert!(took < LEASE + MARGIN, "keys came back {took:?} after the rescale");

    let c_log = c.stderr();
    assert!(c_log.contains("acquired the lease of bucket"), "{c_log}");
    cluster.finish([a, b, c]);
}

#[test]
fn a_replica_stopped_past_its_lease_loses_its_keys_and_its_late_writes_are_refused() {
    let cluster = Cluster::new();
    let [a, b, c] = cluster.three(None);
    std::thread::sleep(Duration::from_secs(1));

    c.signal(Signal::SIGSTOP);
    let stopped = unix_ms();
    let c_pid = Some(c.id());
    std::thread::sleep(2 * LEASE);
    let took = cluster.wait_all_committing_after(stopped);
    eprintln!("every key committed {took:?} after the stop");
    let during = cluster.history();
    for key in KEYS {
        let key = format!("table/{key}");
        let committer = during.committer_before(&key, unix_ms()).unwrap();
        assert_ne!(
            Some(committer),
            c_pid,
            "{key} is still committed by the stopped replica"
        );
    }

    c.signal(Signal::SIGCONT);
    let resumed = unix_ms();
    c.wait_for("lost the lease of bucket", WAIT);
    std::thread::sleep(Duration::from_secs(1));
    let after = cluster.history();
    let late: Vec<u128> = after
        .runs
        .values()
        .flatten()
        .filter(|run| Some(run.pid) == c_pid && run.start < stopped)
        .flat_map(|run| run.commits.iter().copied())
        .filter(|at| *at > stopped + 100 && *at < resumed + 1000)
        .collect();
    assert!(
        late.is_empty(),
        "the stopped replica committed after it was stopped: {late:?}"
    );

    // It takes its share back once it beats again.
    let back = cluster.wait_all_committing_after(unix_ms());
    eprintln!("every key committing again {back:?} after the resumed replica lost its leases");
    cluster.finish([a, b, c]);
}

#[test]
fn a_killed_replica_s_keys_move_after_its_lease_expires() {
    let cluster = Cluster::new();
    let port = free_port();
    let [a, b, c] = cluster.three(Some(port));

    let (status, body) = get(&format!("http://127.0.0.1:{port}/pipelines"));
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty(), "{body}");
    for row in rows {
        assert_eq!(row["owner"], "owned", "{row}");
        assert!(row["fencing_token"].as_u64().unwrap() >= 1, "{row}");
    }
    let (status, scrape) = get(&format!("http://127.0.0.1:{port}/metrics"));
    assert_eq!(status, 200);
    let held = scrape
        .lines()
        .find_map(|line| line.strip_prefix("topology_leases_held "))
        .and_then(|value| value.parse::<f64>().ok());
    assert!(held.is_some_and(|held| held >= 1.0), "{scrape}");
    assert!(scrape.contains("topology_lease_acquisitions_total"), "{scrape}");
    promtool(&["check", "metrics"], Some(&scrape));

    // `--list` reads the leases: what this shard would own and holds.
    let args = [
        "--config",
        cluster.config.path().to_str().unwrap(),
        "--shard",
        "0/3",
        "--list",
    ];
    let env = cluster.env("replica-a");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let listed = std::process::Command::new(test_program("replica"))
        .args(args)
        .envs(env)
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let lines: Vec<&str> = listed.lines().collect();
    assert!(!lines.is_empty() && lines.len() < KEYS.len(), "{listed}");
    for line in &lines {
        assert!(
            line.contains("shard 0/3  bucket ") && line.contains("would own"),
            "{listed}"
        );
        assert!(line.contains("held by this shard (replica-a/"), "{listed}");
    }

    c.signal(Signal::SIGKILL);
    let killed = unix_ms();
    drop(c);
    let took = cluster.wait_all_committing_after(killed);
    eprintln!("every key committed again {took:?} after the kill");
    assert!(
        took >= LEASE - MARGIN,
        "the killed replica's keys moved before its lease could expire: {took:?}"
    );
    // After the takeover too (the handover histogram, where it took one).
    let (_, scrape) = get(&format!("http://127.0.0.1:{port}/metrics"));
    promtool(&["check", "metrics"], Some(&scrape));
    cluster.finish([a, b]);
}

#[test]
fn a_replica_cut_off_from_the_store_stops_its_keys_before_its_lease_could_move() {
    // One run ignores its stop: it is aborted in time too.
    let cluster = Cluster::with_entries("    stubborn: { stubborn: true }\n");
    let mut a = cluster.replica("replica-a", "0/1", None);
    cluster.wait_all_committing_after(0);
    a.wait_for("run start key=table/stubborn", WAIT);
    let started = a.stderr().matches("run start").count();
    assert_eq!(started, KEYS.len() + 1);

    cluster.s3.cut_off(true);
    let cut = Instant::now();
    // Each lease could be taken over at the earliest a lease's duration
    // after its last renewal began, which was before the cut.
    let deadline = cut + LEASE;
    loop {
        let log = a.stderr();
        if log.matches("run end").count() >= started {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "runs still live {:?} after the cut:\n{log}",
            cut.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("every run stopped {:?} after the cut", cut.elapsed());
    a.wait_for("lost the lease of bucket", WAIT);
    std::thread::sleep(LEASE);

    cluster.s3.cut_off(false);
    let back = unix_ms();
    let took = cluster.wait_all_committing_after(back);
    eprintln!("every key committed again {took:?} after the store came back");
    assert!(a.stderr().matches("run start").count() >= 2 * started);
    let log = a.stderr();
    assert!(
        log.contains("key=table/stubborn") && log.contains("pipeline did not stop within 0.5s"),
        "{log}"
    );
    // The stubborn run holds the shutdown up until its timeout.
    a.signal(Signal::SIGTERM);
    assert_eq!(a.wait_exit(WAIT).code(), Some(1), "{}", a.stderr());
    cluster.history().assert_one_owner_at_a_time();
}

#[test]
fn lease_settings_that_cannot_work_stop_the_start_naming_the_setting_and_never_the_password() {
    let program = test_program("replica");
    for (args, needle) in [
        (
            vec![
                "--coordination",
                "s3://AKIA:hunter2@lake/leases",
                "--lease-margin",
                "20s",
            ],
            "invalid value `20s` for setting `lease_margin` (from the settings): must be above zero and below lease_duration (15s)",
        ),
        (
            vec!["--coordination", "file:///tmp/leases"],
            "for setting `coordination` (from flag --coordination): the local file store cannot",
        ),
        (
            vec![
                "--coordination",
                "s3://AKIA:hunter2@lake/leases",
                "--lease-buckets",
                "0",
            ],
            "invalid value `0` for setting `lease_buckets`",
        ),
    ] {
        let (status, log) = run_to_exit(&program, &args, &[("TOPOLOGY_LEASE_DURATION", "15s")]);
        assert_eq!(status.code(), Some(2), "{log}");
        assert!(log.contains(needle), "{args:?}: {log}");
        assert!(!log.contains("hunter2"), "{log}");
    }
}

/// The README's Kubernetes lines for ownership, as `(name, value)` pairs.
fn readme_env() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme.split("**On Kubernetes**, add to").nth(1).unwrap();
    let block = section.split("```yaml\n").nth(1).unwrap().split("```").next().unwrap();
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(block).unwrap();
    parsed["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|var| Some((var["name"].as_str()?.to_owned(), var["value"].as_str()?.to_owned())))
        .collect()
}

#[test]
fn the_readme_s_kubernetes_settings_start_a_replica_that_takes_its_leases() {
    let cluster = Cluster::new();
    let env = readme_env();
    assert!(env.iter().any(|(name, _)| name == "TOPOLOGY_COORDINATION"), "{env:?}");
    let mut all = cluster.env("quickstart-0");
    all.extend(env);
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Only the entries from the file: its lease settings are the README's.
    let entries = tempfile::NamedTempFile::new().unwrap();
    let text: String = KEYS.iter().map(|key| format!("    {key}: {{}}\n")).collect();
    std::fs::write(
        entries.path(),
        format!("global:\n  poll_jitter_secs: 0\npipelines:\n  table:\n{text}"),
    )
    .unwrap();
    let args = ["--config", entries.path().to_str().unwrap(), "--metrics-addr", "off"];
    let replica = Running::start(&test_program("replica"), &args, &all);
    replica.wait_for("ownership is on", WAIT);
    replica.wait_for("acquired the lease of bucket", WAIT);
    replica.wait_for("run start key=table/", WAIT);
    let log = stop(replica);
    assert!(log.contains("released the lease of bucket"), "{log}");
}

#[test]
fn a_reload_with_ownership_on_changes_entries_among_the_leases_held() {
    let cluster = Cluster::new();
    let a = cluster.replica("replica-a", "0/1", None);
    cluster.wait_all_committing_after(0);
    let edited = config("    m: {}\n").replace("    a: {}\n", "");
    std::fs::write(cluster.config.path(), edited).unwrap();
    a.signal(Signal::SIGHUP);
    a.wait_for("configuration reloaded: 1 started (table/m), 1 stopped (table/a)", WAIT);
    a.wait_for("run start key=table/m", WAIT);
    a.wait_for("run end key=table/a", WAIT);
    // A setting that only a restart applies says so.
    let moved = config("    m: {}\n").replace("s3://lake/coordination", "s3://lake/elsewhere");
    std::fs::write(cluster.config.path(), moved).unwrap();
    a.signal(Signal::SIGHUP);
    let line = a.wait_for("unchanged until a restart", WAIT);
    assert!(line.contains("coordination"), "{line}");
    // The same reload put table/a back: it runs again before the stop.
    a.wait_for_nth("run start key=table/a ", 2, WAIT);
    let log = stop(a);
    assert_eq!(log.matches("run start key=table/a ").count(), 2, "{log}");
}

#[test]
fn a_replica_that_cannot_reach_the_store_runs_nothing_and_stops_at_once_when_told() {
    let cluster = Cluster::new();
    cluster.s3.cut_off(true);
    let mut a = cluster.replica("replica-a", "0/1", None);
    a.wait_for("could not list the coordination store's leases", WAIT);
    std::thread::sleep(LEASE);
    assert!(!a.stderr().contains("run start"), "{}", a.stderr());
    a.signal(Signal::SIGTERM);
    let status = a.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", a.stderr());
    assert!(cluster.history().runs.is_empty());
}
