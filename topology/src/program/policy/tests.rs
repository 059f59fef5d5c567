use std::time::Duration;

use super::*;
use crate::program::policy::resolve::Schedule;

const DECLARED: &[&str] = &["ingest", "feeder", "orders"];

fn restarting() -> Schedule {
    Schedule::declared(None, Some(RestartPolicy::on_failure()))
}

fn every_two_seconds() -> Schedule {
    Schedule::declared(Some(Duration::from_secs(2)), None)
}

#[test]
fn the_more_specific_key_wins_and_the_sources_are_kept() {
    let mut policies = Policies::default();
    policies.apply_list("*.backoff_max=30s", "env").unwrap();
    policies
        .apply_list("ingest.max_restarts=unlimited, ingest.backoff_max=5m", "env")
        .unwrap();
    policies.apply_list("ingest/orders.max_restarts=3", "flag").unwrap();
    policies.check(DECLARED).unwrap();

    let orders = policies.resolve("ingest/orders", restarting()).unwrap();
    let policy = orders.schedule.restart.unwrap();
    assert_eq!(policy.max_restarts, 3);
    assert_eq!(policy.backoff_max, Duration::from_secs(300));
    assert_eq!(
        orders.sources(),
        "policy from #[pipeline], backoff_max from env, max_restarts from flag"
    );

    let events = policies.resolve("ingest/events", restarting()).unwrap();
    assert!(events.schedule.restart.unwrap().is_unlimited());

    let feeder = policies.resolve("feeder", restarting()).unwrap();
    assert_eq!(feeder.schedule.restart.unwrap().backoff_max, Duration::from_secs(30));
    assert_eq!(feeder.schedule.restart.unwrap().max_restarts, 5);
}

#[test]
fn an_interval_is_shortened_and_restarts_turned_on_and_off() {
    let mut policies = Policies::default();
    policies
        .apply_list(
            "feeder.interval=100ms,feeder.restart=on-failure,ingest.restart=never",
            "env",
        )
        .unwrap();
    let feeder = policies.resolve("feeder", every_two_seconds()).unwrap();
    assert_eq!(feeder.schedule.interval, Some(Duration::from_millis(100)));
    assert_eq!(feeder.schedule.restart, Some(RestartPolicy::on_failure()));
    let ingest = policies.resolve("ingest/a", restarting()).unwrap();
    assert_eq!(ingest.schedule.restart, None);
    // `*` skips what does not apply; a named key says so.
    let mut every = Policies::default();
    every.apply_list("*.interval=1s,*.max_restarts=1", "env").unwrap();
    assert_eq!(
        every.resolve("orders", Schedule::default()).unwrap().schedule,
        Schedule::default()
    );
}

#[test]
fn values_that_do_not_apply_to_the_pipeline_are_errors_naming_it() {
    let mut policies = Policies::default();
    policies.apply_list("orders.interval=1s", "env").unwrap();
    let error = policies.resolve("orders", Schedule::default()).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid value `1s` for setting `policies.orders.interval` (from env): this pipeline is not an interval pipeline (declare it with `#[pipeline(interval = ...)]`)"
    );
    let mut policies = Policies::default();
    policies.apply_list("orders.backoff_max=1s", "env").unwrap();
    let error = policies.resolve("orders", Schedule::default()).unwrap_err().to_string();
    assert!(error.contains("this pipeline does not restart"), "{error}");
}

#[test]
fn a_backoff_minimum_above_its_maximum_names_both_sources() {
    let mut policies = Policies::default();
    policies.apply_list("ingest.backoff_min=2m", "env").unwrap();
    let error = policies.resolve("ingest/a", restarting()).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid value `120s` for setting `policies.ingest/a.backoff_min` (from env): above `backoff_max` (60s, from #[pipeline])"
    );
}

#[test]
fn bad_text_is_an_error_naming_the_setting_value_and_source() {
    let cases = [
        (
            "ingest.max_restarts=-1",
            "invalid value `-1` for setting `policies.ingest.max_restarts`",
        ),
        ("ingest.max_restarts=+1", "invalid value `+1`"),
        (
            "ingest.max_restarts=4294967295",
            "expected a whole number below 4294967295, or `unlimited`",
        ),
        (
            "ingest.max_restarts=99999999999999999999",
            "invalid value `99999999999999999999`",
        ),
        ("ingest.backoff_min=0s", "must be greater than zero"),
        ("ingest.backoff_min=soon", "invalid duration"),
        ("ingest.interval=18446744073709551615h", "too large"),
        ("ingest.restart=always", "expected `on-failure` or `never`"),
        (
            "ingest.restarts=3",
            "unknown setting `policies.ingest.restarts` (from env); did you mean `policies.ingest.restart`?",
        ),
        ("ingest=3", "expected `key.field=value`"),
        ("max_restarts", "expected `key.field=value`"),
        (".max_restarts=3", "the pipeline's key is empty"),
    ];
    for (list, expected) in cases {
        let error = Policies::default().apply_list(list, "env").unwrap_err().to_string();
        assert!(error.contains(expected), "{list}: {error}");
        assert!(error.contains("(from env)"), "{list}: {error}");
    }
}

#[test]
fn a_key_that_names_no_pipeline_is_an_error_with_a_suggestion() {
    let mut policies = Policies::default();
    policies.apply_list("ingset.max_restarts=3", "env").unwrap();
    let error = policies.check(DECLARED).unwrap_err().to_string();
    assert_eq!(
        error,
        "unknown setting `policies.ingset` (from env); did you mean `policies.ingest`?"
    );
    let mut entry = Policies::default();
    entry
        .apply_list("ingest/orders.max_restarts=3,*.backoff_min=1s", "env")
        .unwrap();
    entry.check(DECLARED).unwrap();
}

#[test]
fn setters_merge_field_by_field() {
    let mut policies = Policies::default();
    policies.apply_list("ingest.max_restarts=3", "env").unwrap();
    policies.merge("ingest", PolicyOverride::default().backoff_max(Duration::from_secs(5)));
    let policy = policies
        .resolve("ingest", restarting())
        .unwrap()
        .schedule
        .restart
        .unwrap();
    assert_eq!((policy.max_restarts, policy.backoff_max), (3, Duration::from_secs(5)));
}

#[test]
fn an_empty_list_and_stray_commas_change_nothing() {
    let mut policies = Policies::default();
    policies.apply_list(" , ,", "env").unwrap();
    assert_eq!(policies, Policies::default());
}
