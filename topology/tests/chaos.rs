//! Chaos: thousands of pipelines with randomly drawn behaviours and a
//! shutdown at a random moment, over many seeds, in paused time. The stats
//! must match what was injected, key by key: nothing lost, nothing counted
//! twice, restarts as the policy says, and the exit code by the rule.
//!
//! `TOPOLOGY_CHAOS_SEEDS=500 cargo test -p topology --test chaos` runs more
//! seeds; a failure names its seed, and `TOPOLOGY_CHAOS_SEED=N` replays it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{collections::HashMap, process::ExitCode, time::Duration};

use topology::{
    OutcomeKind, Pipeline, PipelineContext, PipelineRunner, RestartPolicy, RunReporter, RunStats, RunningTopology,
    Supervisor,
};

/// What one pipeline does.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// Works this long, ignoring shutdown, then returns `Ok`.
    CompleteAfter(Duration),
    Fail,
    Panic,
    /// Waits for shutdown, then returns `Ok`.
    UntilShutdown,
    /// Never returns.
    IgnoreShutdown,
    /// Fails this many times under the restart policy, then succeeds.
    Heals(u32),
    /// Fails every time under the restart policy.
    CrashLoop,
}

const MAX_RESTARTS: u32 = 3;

fn policy() -> RestartPolicy {
    RestartPolicy::on_failure()
        .max_restarts(MAX_RESTARTS)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
}

struct Chaos {
    key: String,
    behaviour: Behaviour,
    ctx: PipelineContext,
}

impl Pipeline for Chaos {
    type Key = String;
    type Error = std::io::Error;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> std::io::Result<()> {
        self.run_reporting(RunReporter::default()).await
    }

    async fn run_reporting(self, reporter: RunReporter) -> std::io::Result<()> {
        let failure = || std::io::Error::other("injected");
        match self.behaviour {
            Behaviour::CompleteAfter(work) => {
                tokio::time::sleep(work).await;
                Ok(())
            }
            Behaviour::Fail => Err(failure()),
            Behaviour::Panic => panic!("injected panic"),
            Behaviour::UntilShutdown => {
                self.ctx.shutdown.cancelled().await;
                Ok(())
            }
            Behaviour::IgnoreShutdown => std::future::pending().await,
            Behaviour::Heals(failures) => {
                let mut attempts = 0;
                Supervisor::new(policy())
                    .reporting_to(reporter)
                    .run(&self.ctx, || {
                        attempts += 1;
                        let result = if attempts <= failures { Err(failure()) } else { Ok(()) };
                        async move { result }
                    })
                    .await
            }
            Behaviour::CrashLoop => {
                Supervisor::new(policy())
                    .reporting_to(reporter)
                    .run(&self.ctx, || async { Err(failure()) })
                    .await
            }
        }
    }
}

/// Whole seconds plus a half, so that no drawn moment meets another.
fn seconds_and_a_half(seconds: u64) -> Duration {
    Duration::from_millis(seconds * 1000 + 500)
}

/// What each behaviour must end as, given when shutdown begins and the
/// deadline after it.
fn expected(behaviour: Behaviour, shutdown_at: Duration, deadline: Duration) -> (OutcomeKind, u32) {
    match behaviour {
        Behaviour::CompleteAfter(work) if work < shutdown_at + deadline => (OutcomeKind::Completed, 0),
        Behaviour::CompleteAfter(_) | Behaviour::IgnoreShutdown => (OutcomeKind::TimedOut, 0),
        Behaviour::Fail => (OutcomeKind::Failed, 0),
        Behaviour::Panic => (OutcomeKind::Panicked, 0),
        Behaviour::UntilShutdown => (OutcomeKind::Completed, 0),
        Behaviour::Heals(failures) => (OutcomeKind::Completed, failures),
        Behaviour::CrashLoop => (OutcomeKind::Failed, MAX_RESTARTS),
    }
}

fn run_seed(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let count = 1_000 + rng.usize(0..2_000);
    // Shutdown at 1.5 s to 10.5 s; restart backoffs (a few ms) are long over.
    let shutdown_at = seconds_and_a_half(1 + rng.u64(0..10));
    let deadline = Duration::from_secs(1 + rng.u64(0..5));
    let behaviours: Vec<Behaviour> = (0..count)
        .map(|_| match rng.u8(0..7) {
            0 => Behaviour::CompleteAfter(seconds_and_a_half(rng.u64(0..20))),
            1 => Behaviour::Fail,
            2 => Behaviour::Panic,
            3 => Behaviour::UntilShutdown,
            4 => Behaviour::IgnoreShutdown,
            5 => Behaviour::Heals(rng.u32(1..=MAX_RESTARTS)),
            _ => Behaviour::CrashLoop,
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let stats: RunStats<String> = runtime.block_on(async {
        let ctx = PipelineContext::default().with_poll_jitter_secs(0);
        let runner = PipelineRunner::new(ctx.clone(), "chaos").shutdown_timeout(Some(deadline));
        let running = runner.start(behaviours.iter().enumerate().map(|(i, behaviour)| Chaos {
            key: format!("p{i:05}"),
            behaviour: *behaviour,
            ctx: ctx.clone(),
        }));
        let shutdown = ctx.shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(shutdown_at).await;
            shutdown.cancel();
        });
        running.run_to_completion().await
    });

    let context = format!("seed {seed}: {count} pipelines, shutdown at {shutdown_at:?}, deadline {deadline:?}");
    assert_eq!(stats.outcomes.len(), count, "{context}: an outcome per pipeline");
    let by_key: HashMap<&str, _> = stats.outcomes.iter().map(|o| (o.key.as_str(), o)).collect();
    assert_eq!(by_key.len(), count, "{context}: no key counted twice");
    let mut failing = false;
    for (i, behaviour) in behaviours.iter().enumerate() {
        let key = format!("p{i:05}");
        let outcome = by_key
            .get(key.as_str())
            .unwrap_or_else(|| panic!("{context}: {key} lost"));
        let (kind, restarts) = expected(*behaviour, shutdown_at, deadline);
        assert_eq!(
            (outcome.kind(), outcome.restarts),
            (kind, restarts),
            "{context}: {key} ({behaviour:?})"
        );
        failing |= kind.is_failure();
    }
    let code = if failing { ExitCode::FAILURE } else { ExitCode::SUCCESS };
    assert_eq!(stats.exit_code(), code, "{context}: exit code");
}

#[test]
fn random_behaviours_and_a_random_shutdown_end_as_injected() {
    if let Some(seed) = std::env::var("TOPOLOGY_CHAOS_SEED").ok().and_then(|s| s.parse().ok()) {
        run_seed(seed);
        return;
    }
    let seeds: u64 = std::env::var("TOPOLOGY_CHAOS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    for seed in 0..seeds {
        run_seed(seed);
    }
}
