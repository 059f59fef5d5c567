//! Restarting a pipeline after a failure: exponential backoff with jitter,
//! cut short by shutdown, and a budget that turns a crash loop into a
//! reported failure.

use std::{
    any::Any,
    collections::VecDeque,
    fmt::Display,
    panic::AssertUnwindSafe,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use futures_util::FutureExt;
use tokio::time::Instant;

use crate::runtime::{
    context::PipelineContext, one_line::OneLine, pipeline::Pipeline, reporter::RunReporter, task::TaskError,
};

/// When and how often a failed pipeline is started again.
///
/// After an error or a panic the pipeline waits a backoff (from
/// `backoff_min`, doubling each consecutive failure up to `backoff_max`, the
/// upper half jittered, never below `backoff_min`) and starts again; a
/// success, or a run that lasted longer than `backoff_max`, resets the
/// backoff. More than
/// `max_restarts` restarts within `window` is a crash loop: the pipeline ends
/// with its last failure. With [`UNLIMITED`](Self::UNLIMITED) restarts it
/// never gives up, restarting with the capped backoff, as Kubernetes does
/// for a crash-looping container.
///
/// ```
/// use std::time::Duration;
/// use topology::RestartPolicy;
///
/// let policy = RestartPolicy::on_failure().max_restarts(3).backoff(Duration::from_millis(100), Duration::from_secs(5));
/// assert_eq!(policy.max_restarts, 3);
/// assert_eq!(RestartPolicy::on_failure().backoff_max, Duration::from_secs(60));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestartPolicy {
    /// The most restarts within [`window`](Self::window) before giving up;
    /// [`UNLIMITED`](Self::UNLIMITED) never gives up.
    pub max_restarts: u32,
    /// The span over which restarts are counted.
    pub window: Duration,
    /// The wait before the first restart after a success.
    pub backoff_min: Duration,
    /// The longest wait between restarts.
    pub backoff_max: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self::on_failure()
    }
}

impl RestartPolicy {
    /// `max_restarts` that means no limit.
    ///
    /// ```
    /// use topology::RestartPolicy;
    ///
    /// let forever = RestartPolicy::on_failure().max_restarts(RestartPolicy::UNLIMITED);
    /// assert!(forever.is_unlimited() && !RestartPolicy::on_failure().is_unlimited());
    /// ```
    pub const UNLIMITED: u32 = u32::MAX;

    /// Whether it restarts without limit.
    pub const fn is_unlimited(&self) -> bool {
        self.max_restarts == Self::UNLIMITED
    }

    /// Restart after a failure: 5 restarts in 10 minutes, waiting 1 s
    /// doubling to 60 s.
    pub const fn on_failure() -> Self {
        Self {
            max_restarts: 5,
            window: Duration::from_secs(600),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }

    /// With at most `max_restarts` restarts within the window.
    pub const fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// With restarts counted over `window`.
    pub const fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// With waits from `min` doubling up to `max`.
    pub const fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max;
        self
    }

    /// The wait before restart number `consecutive` (from 1) of a run of
    /// failures: doubling from the minimum, capped, the upper half jittered,
    /// and never below the minimum. Any count is fine: the doubling
    /// saturates.
    ///
    /// ```
    /// use std::time::Duration;
    /// use topology::RestartPolicy;
    ///
    /// let policy = RestartPolicy::on_failure().backoff(Duration::from_secs(1), Duration::from_secs(60));
    /// assert_eq!(policy.delay(1), Duration::from_secs(1));
    /// assert!(policy.delay(u32::MAX) >= Duration::from_secs(30));
    /// assert!(policy.delay(u32::MAX) <= Duration::from_secs(60));
    /// ```
    pub fn delay(&self, consecutive: u32) -> Duration {
        let doublings = consecutive.saturating_sub(1);
        let factor = 1_u32.checked_shl(doublings).unwrap_or(u32::MAX);
        let max = self.backoff_max.max(self.backoff_min);
        let full = self.backoff_min.saturating_mul(factor).min(max);
        let floor = (full / 2).max(self.backoff_min).min(full);
        floor + (full - floor).mul_f64(fastrand::f64())
    }
}

/// The restart state of one pipeline, kept across its runs (and, for an
/// interval pipeline, across its iterations).
#[derive(Debug)]
pub struct Supervisor {
    policy: RestartPolicy,
    state: Mutex<History>,
    reporter: RunReporter,
}

#[derive(Debug, Default)]
struct History {
    /// When each restart within the window happened.
    restarts: VecDeque<Instant>,
    /// Failures since the last success.
    consecutive: u32,
}

impl Supervisor {
    /// A supervisor with no history, reporting nowhere.
    pub fn new(policy: RestartPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(History::default()),
            reporter: RunReporter::default(),
        }
    }

    /// Reports each restart and backoff to `reporter`: the run's record, so
    /// that its outcome, `/pipelines` and its metrics count them.
    #[must_use]
    pub fn reporting_to(mut self, reporter: RunReporter) -> Self {
        self.reporter = reporter;
        self
    }

    /// Runs `attempt` until it succeeds, restarting it after an error or a
    /// panic as the policy says. Ends with the last failure (a panic is
    /// resumed) when the budget is spent. A stop (`ctx.shutdown`) during a
    /// backoff ends it with `Ok`: the failure was logged already, and a stop
    /// is not a failure (the runner reports such a run `cancelled`). Each
    /// restart is logged and counted.
    pub async fn run<F, Fut, E>(&self, ctx: &PipelineContext, mut attempt: F) -> Result<(), E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        loop {
            let began = Instant::now();
            let failure = match AssertUnwindSafe(attempt()).catch_unwind().await {
                Ok(Ok(())) => {
                    self.history().consecutive = 0;
                    return Ok(());
                }
                Ok(Err(error)) => Failure::Error(error),
                Err(payload) => Failure::Panic(payload),
            };
            if began.elapsed() > self.policy.backoff_max {
                // It ran well before failing: start the backoff over.
                self.history().consecutive = 0;
            }
            let Some((number, delay)) = self.next_restart() else {
                tracing::error!(
                    max_restarts = self.policy.max_restarts,
                    "pipeline failed {} times within {}s; giving up: {}",
                    self.policy.max_restarts.saturating_add(1),
                    self.policy.window.as_secs(),
                    OneLine(&failure)
                );
                return failure.end();
            };
            let record = self.reporter.record();
            // The restart's number over the run's life where it is recorded
            // (what `/pipelines` shows as `next_restart`), else within the window.
            let number = record.map_or(number, |record| record.restarts().saturating_add(1));
            tracing::warn!(
                attempt = number,
                delay_secs = delay.as_secs_f64(),
                "pipeline failed; restarting in {:.1}s (restart {number}): {}",
                delay.as_secs_f64(),
                OneLine(&failure)
            );
            if let Some(record) = record {
                record.restarting(delay, failure.to_string());
            }
            if !ctx.sleep(delay).await {
                return Ok(());
            }
            if let Some(record) = record {
                record.restarted();
            }
        }
    }

    /// The restart's number within the window and its delay, or `None` when
    /// the budget is spent.
    fn next_restart(&self) -> Option<(u32, Duration)> {
        let now = Instant::now();
        let mut history = self.history();
        history.consecutive = history.consecutive.saturating_add(1);
        if self.policy.is_unlimited() {
            // No budget to keep: the window's history would only grow.
            return Some((history.consecutive, self.policy.delay(history.consecutive)));
        }
        while history
            .restarts
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= self.policy.window)
        {
            history.restarts.pop_front();
        }
        if history.restarts.len() >= self.policy.max_restarts as usize {
            return None;
        }
        history.restarts.push_back(now);
        let number = u32::try_from(history.restarts.len()).unwrap_or(u32::MAX);
        Some((number, self.policy.delay(history.consecutive)))
    }

    fn history(&self) -> std::sync::MutexGuard<'_, History> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How one run failed.
enum Failure<E> {
    Error(E),
    Panic(Box<dyn Any + Send>),
}

impl<E> Failure<E> {
    /// The pipeline's end with this failure: the error, or the panic again.
    fn end(self) -> Result<(), E> {
        match self {
            Self::Error(error) => Err(error),
            Self::Panic(payload) => std::panic::resume_unwind(payload),
        }
    }
}

impl<E: Display> Display for Failure<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Error(error) => write!(f, "{error}"),
            Self::Panic(payload) => write!(f, "{}", TaskError::panicked(payload.as_ref())),
        }
    }
}

/// A hand-written pipeline under a restart policy: `build` makes a fresh
/// pipeline for each attempt, since running one consumes it.
///
/// ```
/// # topology::block_on(async {
/// use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
/// use std::time::Duration;
/// use topology::{Pipeline, PipelineContext, PipelineRunner, RestartPolicy, RunningTopology, Supervised};
///
/// struct Flaky(Arc<AtomicU32>);
///
/// impl Pipeline for Flaky {
///     type Key = &'static str;
///     type Error = std::io::Error;
///     fn key(&self) -> &&'static str { &"flaky" }
///     async fn run(self) -> std::io::Result<()> {
///         // Fails twice, then succeeds.
///         if self.0.fetch_add(1, Ordering::SeqCst) < 2 { Err(std::io::Error::other("transient")) } else { Ok(()) }
///     }
/// }
///
/// let ctx = PipelineContext::default().with_poll_jitter_secs(0);
/// let runs = Arc::new(AtomicU32::new(0));
/// let policy = RestartPolicy::on_failure().backoff(Duration::from_millis(1), Duration::from_millis(2));
/// let supervised = Supervised::new("flaky", ctx.clone(), policy, move || Flaky(Arc::clone(&runs)));
/// let stats = PipelineRunner::new(ctx, "job").start([supervised]).run_to_completion().await;
/// assert_eq!(stats.counts().completed, 1);
/// assert_eq!(stats.outcomes[0].restarts, 2);
/// # }).unwrap();
/// ```
pub struct Supervised<K, F> {
    key: K,
    ctx: PipelineContext,
    policy: RestartPolicy,
    build: F,
}

impl<K, F> Supervised<K, F> {
    /// The pipeline keyed `key`, built by `build` for each attempt.
    pub fn new(key: K, ctx: PipelineContext, policy: RestartPolicy, build: F) -> Self {
        Self {
            key,
            ctx,
            policy,
            build,
        }
    }
}

impl<K, F, P> Pipeline for Supervised<K, F>
where
    K: Clone + Display + Send + 'static,
    F: FnMut() -> P + Send + 'static,
    P: Pipeline,
{
    type Key = K;
    type Error = P::Error;

    fn key(&self) -> &K {
        &self.key
    }

    async fn run(self) -> Result<(), P::Error> {
        self.run_reporting(RunReporter::default()).await
    }

    async fn run_reporting(self, reporter: RunReporter) -> Result<(), P::Error> {
        let Self {
            ctx, policy, mut build, ..
        } = self;
        Supervisor::new(policy)
            .reporting_to(reporter)
            .run(&ctx, || build().run())
            .await
    }
}
