//! The application's own settings (`app: T`): declared once, layered like
//! the framework's (defaults < file < environment < flags), listed in
//! `--help`, and the state built from them; every bad value exits 2 naming
//! the setting, the value and where it came from.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example, run_to_exit, test_program};
use topology::{RunningTopology, Settings, State, pipeline, topology};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

#[test]
fn help_lists_the_app_settings_with_their_variables_and_defaults() {
    let output = std::process::Command::new(example("lake"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("Application settings (`app:` in the configuration file):"),
        "{help}"
    );
    assert!(
        help.contains("--app-lake-url <VALUE>")
            && help.contains("[env: TOPOLOGY_APP_LAKE_URL] [default: memory://lake]"),
        "{help}"
    );
    assert!(
        help.contains("--app-objects-per-feed <VALUE>")
            && help.contains("[env: TOPOLOGY_APP_OBJECTS_PER_FEED] [default: 1]"),
        "{help}"
    );
    // The fields' doc comments (`#[derive(SettingsHelp)]`), and how text is read.
    assert!(
        help.contains("The object store holding every table. `lake_url`"),
        "{help}"
    );
    assert!(help.contains("`null` or `~` for none"), "{help}");
}

#[test]
fn later_sources_win_and_the_state_is_built_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lake.yaml");
    std::fs::write(
        &config,
        "app:\n  objects_per_feed: 2\n  lake_url: \"memory://from-file\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    // The file sets 2 objects per feed; the environment 3; the flag 4.
    let mut running = Running::start(
        &example("lake"),
        &[
            "--config",
            &config,
            "--poll-jitter-secs",
            "0",
            "--app-objects-per-feed",
            "4",
        ],
        &[("TOPOLOGY_APP_OBJECTS_PER_FEED", "3")],
    );
    // One feeder feeds all three tables, with the flag's four objects each.
    running.wait_for(
        "pipeline{key=feeder typetag=\"table\"}: lake: fed tables=3 per_table=4",
        START,
    );
    for table in ["orders", "events", "payments"] {
        running.wait_for(
            &format!("pipeline{{key=ingest/{table} typetag=\"table\"}}: lake: ingested"),
            START,
        );
    }
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

#[test]
fn bad_app_settings_exit_2_naming_the_setting_the_value_and_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lake.yaml");
    let path = config.display().to_string();
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
    let cases: [Case<'_>; 9] = [
        (
            &["--app-objects-per-feed", "lots"],
            &[],
            None,
            "error: invalid value `lots` for setting `app.objects_per_feed` (from flag --app-objects-per-feed): invalid type: string \"lots\", expected u32",
        ),
        (
            &[],
            &[("TOPOLOGY_APP_OBJECTS_PER_FEED", "-1")],
            None,
            "error: invalid value `-1` for setting `app.objects_per_feed` (from environment variable TOPOLOGY_APP_OBJECTS_PER_FEED): invalid value: integer `-1`, expected u32",
        ),
        (
            &[],
            &[("TOPOLOGY_APP_LAKE_UR", "memory://x")],
            None,
            "error: unknown setting `TOPOLOGY_APP_LAKE_UR` (from the environment); did you mean `TOPOLOGY_APP_LAKE_URL`?",
        ),
        (
            &[],
            &[],
            Some("app:\n  lake_ur: memory://x\n"),
            "unknown setting `app.lake_ur` (from configuration file `{config}`); did you mean `app.lake_url`?",
        ),
        (
            &[],
            &[],
            Some("app:\n  objects_per_feed: 18446744073709551616\n"),
            "`app.objects_per_feed` at line 2 column 21: invalid type: integer `18446744073709551616`",
        ),
        (
            &[],
            &[],
            Some("app:\n  objects_per_feed: 2\n  objects_per_feed: 3\n"),
            "`app` at line 2 column 3: duplicate entry with key \"objects_per_feed\"",
        ),
        (
            &[],
            &[],
            Some("app: 5\n"),
            "`app` at line 1 column 6: invalid type: integer `5`, expected a YAML mapping",
        ),
        (
            &["--app-lake-url", "not-a-url"],
            &[],
            None,
            "error: cannot build the state of the topology: invalid object store URL `not-a-url`: relative URL without a base",
        ),
        (
            &["--app-lake-url", "s4://bucket"],
            &[],
            None,
            "error: cannot build the state of the topology:",
        ),
    ];
    for (args, env, file, expected) in cases {
        let mut argv: Vec<&str> = args.to_vec();
        if let Some(text) = file {
            std::fs::write(&config, text).unwrap();
            argv.extend(["--config", &path]);
        }
        let (status, stderr) = run_to_exit(&example("lake"), &argv, env);
        assert_eq!(status.code(), Some(2), "{args:?} {env:?} {file:?}\n{stderr}");
        let expected = expected.replace("{config}", &path);
        assert!(stderr.contains(&expected), "expected {expected:?}:\n{stderr}");
        assert!(!stderr.contains("starting"), "nothing starts: {stderr}");
    }
}

/// A program with `app:` settings, started in-process with its settings set
/// by type, as a test would.
mod in_process {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    #[serde(default)]
    pub(super) struct Greeting {
        pub(super) word: String,
        pub(super) times: u8,
    }

    impl Default for Greeting {
        fn default() -> Self {
            Self {
                word: "hello".to_owned(),
                times: 1,
            }
        }
    }

    pub(super) struct Greeter(String);

    #[pipeline(key = "greet")]
    async fn greet(greeter: State<Greeter>) -> Result<(), String> {
        if greeter.0.is_empty() {
            Err("nothing to say".to_owned())
        } else {
            Ok(())
        }
    }

    topology! {
        metrics: off,
        global: { poll_jitter_secs: 0 },
        app: Greeting,
        state: |greeting| Greeter(greeting.word.repeat(usize::from(greeting.times))),
        main: false,
        pipelines: [greet],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_set_by_type_reach_the_state() {
    use in_process::{Greeting, Topology};

    assert_eq!(Topology::settings().app.get::<Greeting>().unwrap().word, "hello");
    let settings = Topology::settings().with_app(&Greeting {
        word: String::new(),
        times: 3,
    });
    let stats = Topology::start(&settings).await.unwrap().run_to_completion().await;
    assert_eq!(stats.counts().failed, 1, "an empty greeting fails the pipeline");

    let settings: Settings = Topology::settings().with_app(&Greeting {
        word: "hi".to_owned(),
        times: 2,
    });
    let stats = Topology::start(&settings).await.unwrap().run_to_completion().await;
    assert_eq!(stats.counts().completed, 1);

    let mut settings = Topology::settings();
    settings.app.set("times", "300", "a test").unwrap();
    let error = Topology::start(&settings).await.err().unwrap().to_string();
    assert_eq!(
        error,
        "invalid value `300` for setting `app.times` (from a test): invalid value: integer `300`, expected u8"
    );
}

#[test]
fn one_file_holds_global_app_and_pipelines_together() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lake.yaml");
    std::fs::write(
        &config,
        "app:\n  objects_per_feed: 2\npipelines:\n  ingest:\n    audit: { prefix: audit }\nglobal:\n  poll_jitter_secs: 0\n",
    )
    .unwrap();
    let path = config.display().to_string();
    let mut running = Running::start(&example("lake"), &["--config", &path, "--metrics-addr", "off"], &[]);
    running.wait_for("poll_jitter_secs=0", Duration::from_secs(30));
    running.wait_for("lake: fed tables=1 per_table=2", Duration::from_secs(30));
    running.signal(Signal::SIGTERM);
    let status = running.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", running.stderr());
    assert!(
        running.stderr().contains("starting 2 pipelines: feeder, ingest/audit"),
        "{}",
        running.stderr()
    );
}

#[test]
fn fields_of_every_shape_take_their_values_from_text() {
    let (status, stderr) = run_to_exit(
        &test_program("app_edges"),
        &["--app-region", "12345", "--app-limits", "{orders: 3}"],
        &[
            ("TOPOLOGY_APP_NAME", "true"),
            ("TOPOLOGY_APP_TABLES", "[orders, events]"),
            ("TOPOLOGY_APP_TOKEN_FILE", "/run/token"),
            ("TOPOLOGY_POLL_JITTER_SECS", "0"),
            ("TOPOLOGY_METRICS_ADDR", "off"),
        ],
    );
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            r#"settings read: Edges { name: "true", region: Some("12345"), tables: ["orders", "events"], limits: {"orders": 3}, token_file: Some("/run/token") }"#
        ),
        "{stderr}"
    );
    let (status, stderr) = run_to_exit(
        &test_program("app_edges"),
        &["--app-region", "~"],
        &[("TOPOLOGY_POLL_JITTER_SECS", "0"), ("TOPOLOGY_METRICS_ADDR", "off")],
    );
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("region: None"), "{stderr}");
    let help = std::process::Command::new(test_program("app_edges"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("A region, if any. `region` [env: TOPOLOGY_APP_REGION] [default: null]"),
        "{help}"
    );
    assert!(
        help.contains("--app-token-file") && help.contains("[default: unset]"),
        "{help}"
    );
}

#[test]
fn two_fields_on_one_flag_exit_2_naming_both() {
    let (status, stderr) = run_to_exit(
        &test_program("one_flag_twice"),
        &[],
        &[("TOPOLOGY_METRICS_ADDR", "off")],
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "the fields `lake_url` and `lake-url` would both be set by --app-lake-url and TOPOLOGY_APP_LAKE_URL"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let help = std::process::Command::new(test_program("one_flag_twice"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0), "{help:?}");
}
