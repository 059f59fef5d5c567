//! `restart = "on-failure"` in the DSL: an interval pipeline survives a
//! failed iteration, a family's entries restart on their own, a crash loop
//! ends failed, and `failure_policy: shutdown` stops the topology.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use topology::{Instance, OutcomeKind, RunningTopology, State, pipeline, topology};

#[derive(Default)]
struct Counters {
    iterations: AtomicU32,
    entry_runs: AtomicU32,
}

#[derive(Debug, serde::Deserialize)]
struct Table {
    fail_first: u32,
}

/// One iteration every 50 ms; the second iteration fails once, then the
/// pipeline carries on, and stops itself after the fifth.
#[pipeline(
    key = "poll",
    interval = "50ms",
    restart = "on-failure",
    backoff_min = "1ms",
    backoff_max = "2ms"
)]
async fn poll(state: State<Arc<Counters>>, ctx: topology::PipelineContext) -> Result<(), std::io::Error> {
    let n = state.iterations.fetch_add(1, Ordering::SeqCst);
    if n == 1 {
        return Err(std::io::Error::other("transient S3 error"));
    }
    if n >= 5 {
        ctx.shutdown.cancel();
    }
    Ok(())
}

/// Each entry fails its first `fail_first` runs.
#[pipeline(key = "ingest", each = Table, restart = "on-failure", max_restarts = 3, restart_window = "1h", backoff_min = "1ms", backoff_max = "1ms")]
async fn ingest(table: Instance<Table>, state: State<Arc<Counters>>) -> Result<(), std::io::Error> {
    state.entry_runs.fetch_add(1, Ordering::SeqCst);
    if table.fail_first > 0 && table.name() == "loop" {
        return Err(std::io::Error::other("always broken"));
    }
    Ok(())
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0, failure_policy: isolate },
    state: Arc::new(Counters::default()),
    instances: "pipelines:\n  ingest:\n    fine: { fail_first: 0 }\n    loop: { fail_first: 1 }\n",
    main: false,
    pipelines: [poll, ingest],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interval_pipelines_survive_a_failed_iteration_and_crash_loops_end_failed() {
    let counters = Arc::new(Counters::default());
    let running = Topology::start_with_state(&Topology::settings(), Arc::clone(&counters))
        .await
        .unwrap();
    let stats = running.run_to_completion().await;
    let outcome = |key: &str| {
        stats
            .outcomes
            .iter()
            .find(|outcome| outcome.key.to_string() == key)
            .unwrap()
    };
    let poll = outcome("poll");
    assert_eq!(poll.kind(), OutcomeKind::Completed, "{}", stats.summary());
    assert_eq!(poll.restarts, 1);
    assert!(counters.iterations.load(Ordering::SeqCst) >= 6);
    assert_eq!(outcome("ingest/fine").kind(), OutcomeKind::Completed);
    let looping = outcome("ingest/loop");
    assert_eq!(looping.kind(), OutcomeKind::Failed);
    assert_eq!(looping.restarts, 3);
}

mod stop_on_failure {
    use topology::{OutcomeKind, RunningTopology, pipeline, topology};

    #[pipeline(key = "broken")]
    async fn broken() -> Result<(), std::io::Error> {
        Err(std::io::Error::other("misconfigured"))
    }

    #[pipeline(key = "steady")]
    async fn steady(ctx: topology::PipelineContext) {
        ctx.shutdown.cancelled().await;
    }

    topology! {
        metrics: off,
        global: { poll_jitter_secs: 0, failure_policy: shutdown },
        main: false,
        pipelines: [broken, steady],
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failure_policy_shutdown_from_topology_stops_every_pipeline() {
        let settings = Topology::settings();
        assert_eq!(settings.global.failure_policy, topology::FailurePolicy::Shutdown);
        let stats = Topology::start(&settings).await.unwrap().run_to_completion().await;
        assert_eq!(stats.counts().failed, 1, "{}", stats.summary());
        assert_eq!(
            stats.counts().completed,
            1,
            "steady stopped gracefully: {}",
            stats.summary()
        );
        let steady = stats.outcomes.iter().find(|o| o.key.to_string() == "steady").unwrap();
        assert_eq!(steady.kind(), OutcomeKind::Completed);
    }
}
