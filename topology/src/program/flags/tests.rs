//! The command line and the layering of the settings, from argv, the
//! environment and a file to the settings in force.

use super::*;

fn spec() -> ProgramSpec {
    ProgramSpec {
        name: "demo",
        description: "Ingests the demo tables.",
        list: |_| Ok(Vec::new()),
        typetag: "table",
        declared: &["a"],
        defaults: Settings::default,
    }
}

fn resolved(args: &[&str], env: &[(&str, &str)], file: Option<&str>) -> Result<Settings, ProgramError> {
    let dir = tempfile::tempdir().unwrap();
    let mut argv = vec!["demo".to_owned()];
    if let Some(text) = file {
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, text).unwrap();
        argv.push("--config".to_owned());
        argv.push(path.display().to_string());
    }
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    let defaults = Settings::default();
    let matches = command(&spec(), &defaults).try_get_matches_from(argv).unwrap();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    resolve(defaults, &matches, |var| {
        env.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
    })
}

#[test]
fn later_sources_win() {
    let file = "global:\n  poll_jitter_secs: 1\n  total_concurrency: 2\n  shutdown_timeout_secs: 3\n";
    let env = [
        ("TOPOLOGY_TOTAL_CONCURRENCY", "20"),
        ("TOPOLOGY_SHUTDOWN_TIMEOUT_SECS", "30"),
    ];
    let settings = resolved(&["--shutdown-timeout-secs", "300"], &env, Some(file)).unwrap();
    assert_eq!(settings.global.poll_jitter_secs, 1, "file over default");
    assert_eq!(settings.global.total_concurrency, Some(20), "environment over file");
    assert_eq!(settings.global.shutdown_timeout_secs, 300, "flag over environment");
    assert!(settings.global.connection_pooling, "default kept");
}

#[test]
fn bad_values_name_the_setting_the_value_and_the_source() {
    let error = resolved(&[], &[("TOPOLOGY_POLL_JITTER_SECS", "soon")], None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "invalid value `soon` for setting `poll_jitter_secs` (from environment variable TOPOLOGY_POLL_JITTER_SECS): expected a whole number"
    );
    let error = resolved(&["--metrics-addr", "nine"], &[], None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`nine`") && error.contains("metrics_addr") && error.contains("flag --metrics-addr"),
        "{error}"
    );
    let error = resolved(&["--total-concurrency", "0"], &[], None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`0`") && error.contains("total_concurrency"), "{error}");
}

#[test]
fn the_file_rejects_unknown_keys_and_wrong_types_with_their_location() {
    let error = resolved(
        &[],
        &[],
        Some("global:\n  poll_jitter_secs: 1\n  total_concurency: 4\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("config.yaml"), "{error}");
    assert!(error.contains("unknown field `total_concurency`"), "{error}");
    assert!(error.contains("line 3"), "{error}");
    let error = resolved(&[], &[], Some("global:\n  total_concurrency: many\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`global.total_concurrency` at line 2"), "{error}");
    let error = resolved(&[], &[], Some("globl: {}\n")).unwrap_err().to_string();
    assert!(error.contains("unknown field `globl`"), "{error}");
    let error = resolved(&[], &[], Some("global:\n  total_concurrency: 0\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("total_concurrency") && error.contains("`0`"), "{error}");
}

#[test]
fn hostile_values_are_rejected_with_their_source() {
    let error = resolved(&["--total-concurrency", "18446744073709551615"], &[], None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("flag --total-concurrency") && error.contains("must be at most 2305843009213693951"),
        "{error}"
    );
    let error = resolved(&[], &[("TOPOLOGY_CONNECTION_POOLING", "yes")], None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`yes`") && error.contains("true or false"), "{error}");
    let error = resolved(&[], &[], Some("global: {}\nglobal: {}\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(error.matches("global").count(), 1, "the path once: {error}");
    let error = resolved(
        &[],
        &[],
        Some("global:\n  poll_jitter_secs: 1\n  poll_jitter_secs: 2\n"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(error.matches("global").count(), 1, "the path once: {error}");
    assert!(error.contains("poll_jitter_secs"), "{error}");
    let error = resolved(&[], &[], Some("global:\n  poll_jitter_secs: \"1\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(error.matches(" line ").count(), 1, "the location once: {error}");
    let error = resolved(&[], &[], Some("global:\n  shutdown_timeout_secs: 1e19\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("shutdown_timeout_secs"), "{error}");
    let error = resolved(&[], &[], Some("global:\n  connection_pooling: yes\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("connection_pooling"), "{error}");
    let settings = resolved(&["--shutdown-timeout-secs", "18446744073709551615"], &[], None).unwrap();
    assert_eq!(settings.global.shutdown_timeout_secs, u64::MAX, "accepted: no deadline");
}

#[test]
fn unknown_topology_variables_and_non_utf8_values_are_errors() {
    use std::ffi::OsString;

    let vars = |pairs: &[(&str, OsString)]| -> Vec<(OsString, OsString)> {
        pairs.iter().map(|(k, v)| (OsString::from(k), v.clone())).collect()
    };
    let error = Settings::default()
        .check_environment(vars(&[
            ("PATH", OsString::from("/bin")),
            ("TOPOLOGY_TOTAL_CONCURENCY", OsString::from("4")),
        ]))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("TOPOLOGY_TOTAL_CONCURENCY") && error.contains("did you mean `TOPOLOGY_TOTAL_CONCURRENCY`?"),
        "{error}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let error = Settings::default()
            .check_environment(vars(&[(
                "TOPOLOGY_POLL_JITTER_SECS",
                OsString::from_vec(vec![0xff, 0x31]),
            )]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("poll_jitter_secs") && error.contains("not valid UTF-8"),
            "{error}"
        );
    }
    assert!(
        Settings::default()
            .check_environment(vars(&[("TOPOLOGY_CONFIG", OsString::from("a.yaml"))]))
            .is_ok()
    );
}

#[test]
fn help_opens_with_the_description() {
    let help = command(&spec(), &Settings::default()).render_help().to_string();
    assert!(
        help.starts_with("Ingests the demo tables.\n\nRuns the table pipelines a"),
        "{help}"
    );
    let plain = ProgramSpec {
        description: "",
        ..spec()
    };
    let help = command(&plain, &Settings::default()).render_help().to_string();
    assert!(help.starts_with("Runs the table pipelines a"), "{help}");
}

#[test]
fn the_shard_comes_from_the_setting_or_the_hostname_ordinal() {
    let settings = resolved(&["--shard", "1/3"], &[], None).unwrap();
    assert_eq!(settings.replica.shard.to_string(), "1/3");
    let settings = resolved(&[], &[("TOPOLOGY_SHARDS", "3"), ("HOSTNAME", "ingest-2")], None).unwrap();
    assert_eq!(settings.replica.shard.to_string(), "2/3");
    let ordinals_from_two = [
        ("TOPOLOGY_SHARDS", "3"),
        ("HOSTNAME", "ingest-4"),
        ("TOPOLOGY_SHARD_ORDINAL_START", "2"),
    ];
    let settings = resolved(&[], &ordinals_from_two, None).unwrap();
    assert_eq!(
        settings.replica.shard.to_string(),
        "2/3",
        "ordinals counted from spec.ordinals.start"
    );
    let settings = resolved(
        &[],
        &[
            ("TOPOLOGY_SHARDS", "3"),
            ("HOSTNAME", "ingest-2"),
            ("TOPOLOGY_SHARD", "0/3"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(settings.replica.shard.to_string(), "0/3", "an explicit index wins");
    for (env, needle) in [
        (vec![("TOPOLOGY_SHARD", "3/3")], "below the count"),
        (vec![("TOPOLOGY_SHARD", "0/0")], "at least 1"),
        (vec![("TOPOLOGY_SHARD", "half")], "expected `i/n`"),
        (
            vec![("TOPOLOGY_SHARDS", "3"), ("HOSTNAME", "ingest")],
            "no ordinal suffix",
        ),
        (
            vec![("TOPOLOGY_SHARDS", "3"), ("HOSTNAME", "ingest-7")],
            "not below the shard count 3",
        ),
        (vec![("TOPOLOGY_SHARDS", "0"), ("HOSTNAME", "ingest-0")], "at least 1"),
        (
            vec![
                ("TOPOLOGY_SHARDS", "3"),
                ("HOSTNAME", "ingest-1"),
                ("TOPOLOGY_SHARD_ORDINAL_START", "2"),
            ],
            "below the first ordinal 2",
        ),
        (
            vec![
                ("TOPOLOGY_SHARDS", "3"),
                ("HOSTNAME", "ingest-5"),
                ("TOPOLOGY_SHARD_ORDINAL_START", "2"),
            ],
            "counted from the first ordinal 2, not below the shard count 3",
        ),
        (
            vec![
                ("TOPOLOGY_SHARDS", "3"),
                ("HOSTNAME", "ingest-2"),
                ("TOPOLOGY_SHARD_ORDINAL_START", "two"),
            ],
            "TOPOLOGY_SHARD_ORDINAL_START",
        ),
    ] {
        let error = resolved(&[], &env, None).unwrap_err().to_string();
        assert!(error.contains(needle) && error.contains("shard"), "{env:?}: {error}");
    }
}

#[test]
fn an_app_section_needs_app_settings() {
    let error = resolved(&[], &[], Some("app:\n  lake_url: x\n"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("an `app:` section, but this program declares no `app` settings"),
        "{error}"
    );
    let error = Settings::default()
        .check_environment([("TOPOLOGY_APP_LAKE_URL".into(), "x".into())])
        .unwrap_err()
        .to_string();
    assert!(error.contains("TOPOLOGY_APP_LAKE_URL"), "{error}");
}

#[test]
fn every_declared_setting_comes_from_every_source() {
    use crate::runtime::{metrics::server::MetricsAddress, shard::Shard};

    // The file's `global:` takes the replica's settings too, each checked where it stands.
    let file = "global:\n  shard: 1/2\n  metrics_addr: \"off\"\n  per_key_histograms: true\n";
    let settings = resolved(&[], &[], Some(file)).unwrap();
    assert_eq!(settings.replica.shard, Shard::new(1, 2).unwrap());
    assert_eq!(settings.replica.metrics_addr, MetricsAddress::Off);
    assert!(settings.global.per_key_histograms);
    let error = resolved(&[], &[], Some("global:\n  poll_jitter_secs: 1\n  shard: 2/2\n"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`global.shard` at line 3") && error.contains("not below the count 2"),
        "{error}"
    );
    let error = resolved(&[], &[], Some("global:\n  metrics_addr: 9090\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`global.metrics_addr` at line 2"), "{error}");
    // An empty section changes nothing.
    assert_eq!(
        resolved(&[], &[], Some("global:\n")).unwrap(),
        resolved(&[], &[], None).unwrap()
    );
    // Each setting's variable and flag, derived from its name.
    for spec in specs() {
        let var = env_var(spec.name);
        let value = match spec.name {
            "total_concurrency" => "7",
            "connection_pooling" => "false",
            "per_key_histograms" | "ready_requires_no_failed" => "true",
            "failure_policy" => "shutdown",
            "shard" => "0/3",
            "metrics_addr" => "127.0.0.1:0",
            "coordination" => "s3://lake/leases",
            "lease_duration" => "20s",
            "lease_renew_interval" => "5s",
            "lease_margin" => "1500ms",
            _ => "42",
        };
        let from_env = resolved(&[], &[(&var, value)], None).unwrap();
        let flag = format!("--{}", flag(spec.name));
        let from_flag = resolved(&[&flag, value], &[], None).unwrap();
        assert_eq!(from_env, from_flag, "{}", spec.name);
        assert_ne!(from_env, Settings::default(), "{} from {var}", spec.name);
        let shown = from_env
            .values()
            .into_iter()
            .find(|(name, _)| *name == spec.name)
            .map(|(_, shown)| shown);
        assert_eq!(shown.as_deref(), Some(value), "{}", spec.name);
    }
}

#[test]
fn shards_at_their_edges_are_refused_with_the_reason() {
    for (env, needle) in [
        (
            vec![("TOPOLOGY_SHARDS", "4294967295"), ("HOSTNAME", "ingest-0")],
            "above the most shards, 1024",
        ),
        (vec![("TOPOLOGY_SHARD", "0/4294967295")], "above the most shards, 1024"),
        (vec![("TOPOLOGY_SHARD", "+1/3")], "expected `i/n` with whole numbers"),
        (vec![("TOPOLOGY_SHARD", "1/+3")], "expected `i/n` with whole numbers"),
        (
            vec![("TOPOLOGY_SHARDS", "+2"), ("HOSTNAME", "ingest-0")],
            "expected a whole number of shards",
        ),
        (
            vec![("TOPOLOGY_SHARDS", "3"), ("HOSTNAME", "ingest-4294967296")],
            "ends in an ordinal too large to be one",
        ),
        (
            vec![
                ("TOPOLOGY_SHARDS", "3"),
                ("HOSTNAME", "ingest-2"),
                ("TOPOLOGY_SHARD_ORDINAL_START", "+1"),
            ],
            "TOPOLOGY_SHARD_ORDINAL_START",
        ),
    ] {
        let error = resolved(&[], &env, None).unwrap_err().to_string();
        assert!(error.contains(needle), "{env:?}: {error}");
    }
    // The kernel's hostname ends in a newline; it is read without it.
    let error = resolved(&[], &[("TOPOLOGY_SHARDS", "3"), ("HOSTNAME", "ingest\n")], None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("hostname `ingest` has no ordinal"), "{error}");
    let settings = resolved(&[], &[("TOPOLOGY_SHARDS", "1024"), ("HOSTNAME", "ingest-1023\n")], None).unwrap();
    assert_eq!(settings.replica.shard.to_string(), "1023/1024");
}
