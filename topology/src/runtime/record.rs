//! One record per run of a pipeline: what it is doing, how it ended, its
//! restarts and last error, and its own stop. Its task, the runner, the
//! status board and the per-key metrics all read and write this one record,
//! so they cannot disagree.

use std::{
    sync::{
        Arc, Mutex, OnceLock, PoisonError, Weak,
        atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{sync::Notify, task::AbortHandle};
use tokio_util::sync::CancellationToken;

use crate::runtime::{
    error::chain,
    metrics::pipeline::Distributions,
    stats::OutcomeKind,
    status::StatusBoard,
    task::{TaskError, TaskResult},
};

/// Where a run is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    /// In its start jitter, or behind the previous run of its key.
    Waiting = 0,
    /// Running its body.
    Running = 1,
    /// Failed, and waiting out its restart backoff.
    Restarting = 2,
    /// Ended; its outcome is recorded.
    Ended = 3,
}

impl Phase {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Waiting,
            1 => Self::Running,
            2 => Self::Restarting,
            _ => Self::Ended,
        }
    }
}

/// It has started running at least once.
const STARTED: u8 = 1;
/// It waits for the previous run of its key to end.
const BEHIND_PREVIOUS: u8 = 1 << 1;
/// Its entry left the configuration (or was replaced): its row and series
/// go once its outcome is collected.
const FORGET: u8 = 1 << 2;
/// Its outcome was collected and logged.
const COLLECTED: u8 = 1 << 3;
/// It was aborted on its own, after it outlived the wait of its successor.
const TIMED_OUT_ALONE: u8 = 1 << 4;
/// Its stop was asked for on its own (reload), not by the topology's shutdown.
const STOP_ASKED: u8 = 1 << 5;

const NO_OUTCOME: u8 = u8::MAX;

/// The last error of a run and when it happened.
#[derive(Clone, Debug)]
pub(crate) struct LastError {
    pub(crate) message: String,
    pub(crate) at_unix_ms: u64,
}

/// One run of one pipeline.
#[derive(Debug)]
pub(crate) struct PipelineRecord {
    /// The key as text, kept only where the status board lists it.
    key: Option<Box<str>>,
    typetag: &'static str,
    /// Its own stop, when it has one (a pipeline of the generated program);
    /// else it stops with the topology.
    stop: Option<CancellationToken>,
    phase: AtomicU8,
    flags: AtomicU8,
    outcome: AtomicU8,
    restarts: AtomicU32,
    restarting_until_ms: AtomicU64,
    last_iteration_ms: AtomicU64,
    last_iteration_us: AtomicU64,
    healthy_since_ms: AtomicU64,
    last_error: Mutex<Option<LastError>>,
    ended: Notify,
    /// Its task, once spawned: aborted on its own when it outlives its
    /// successor's wait, and known by its id when it ends without an outcome.
    task: OnceLock<AbortHandle>,
    /// The previous run of its key, until this one starts: a run stopped
    /// while it waited ends at once, and its successor must still wait for
    /// the runs before it.
    previous: Mutex<Option<Arc<PipelineRecord>>>,
    /// The board that lists it and its place there.
    listed: Option<(Weak<StatusBoard>, u64)>,
    /// Its `typetag`'s histograms (and its own, when asked for).
    distributions: OnceLock<Arc<Distributions>>,
}

impl PipelineRecord {
    /// A record waiting to start; listed on `board` when given.
    pub(crate) fn new(
        key: &dyn std::fmt::Display,
        typetag: &'static str,
        stop: Option<CancellationToken>,
        board: Option<&Arc<StatusBoard>>,
    ) -> Arc<Self> {
        let record = |listed| Self {
            key: board.map(|_| key.to_string().into_boxed_str()),
            typetag,
            stop,
            phase: AtomicU8::new(Phase::Waiting as u8),
            flags: AtomicU8::new(0),
            outcome: AtomicU8::new(NO_OUTCOME),
            restarts: AtomicU32::new(0),
            restarting_until_ms: AtomicU64::new(0),
            last_iteration_ms: AtomicU64::new(0),
            last_iteration_us: AtomicU64::new(0),
            healthy_since_ms: AtomicU64::new(0),
            last_error: Mutex::new(None),
            ended: Notify::new(),
            task: OnceLock::new(),
            previous: Mutex::new(None),
            listed,
            distributions: OnceLock::new(),
        };
        match board {
            Some(board) => board.list(|place| record(Some((Arc::downgrade(board), place)))),
            None => Arc::new(record(None)),
        }
    }

    /// The key as the board shows it.
    pub(crate) fn key(&self) -> &str {
        self.key.as_deref().unwrap_or_default()
    }

    pub(crate) fn typetag(&self) -> &'static str {
        self.typetag
    }

    pub(crate) fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Acquire))
    }

    fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Release);
    }

    fn has(&self, flag: u8) -> bool {
        self.flags.load(Ordering::Acquire) & flag != 0
    }

    /// Its own stop token, if it has one.
    pub(crate) fn stop_token(&self) -> Option<&CancellationToken> {
        self.stop.as_ref()
    }

    /// Whether its stop was asked for, on its own or with the topology's
    /// (`shutdown`).
    pub(crate) fn stopping(&self, shutdown: &CancellationToken) -> bool {
        self.stop.as_ref().unwrap_or(shutdown).is_cancelled()
    }

    /// Asks this run to stop on its own (its entry left or changed): ends
    /// its start jitter or restart backoff at once, and cancels the token
    /// its body watches.
    pub(crate) fn stop(&self) {
        self.flags.fetch_or(STOP_ASKED, Ordering::AcqRel);
        if let Some(stop) = &self.stop {
            stop.cancel();
        }
    }

    /// Whether it has started running.
    pub(crate) fn started(&self) -> bool {
        self.has(STARTED)
    }

    pub(crate) fn restarts(&self) -> u32 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Runs: its wait is over, and the runs before it have ended.
    pub(crate) fn running(&self) {
        self.previous.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.flags.fetch_and(!BEHIND_PREVIOUS, Ordering::AcqRel);
        self.flags.fetch_or(STARTED, Ordering::AcqRel);
        self.set_phase(Phase::Running);
    }

    /// Waits for `previous`, the previous run of its key, to end.
    pub(crate) fn behind(&self, previous: Arc<PipelineRecord>) {
        *self.previous.lock().unwrap_or_else(PoisonError::into_inner) = Some(previous);
        self.flags.fetch_or(BEHIND_PREVIOUS, Ordering::AcqRel);
    }

    /// The run before this one, while this one has not started.
    fn previous(&self) -> Option<Arc<PipelineRecord>> {
        self.previous.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits until this run and every run of its key before it have ended.
    pub(crate) async fn settled(self: &Arc<Self>) {
        let mut run = Some(Arc::clone(self));
        while let Some(current) = run {
            current.ended().await;
            run = current.previous();
        }
    }

    /// Whether this run and every run of its key before it have ended.
    pub(crate) fn is_settled(self: &Arc<Self>) -> bool {
        let mut run = Some(Arc::clone(self));
        while let Some(current) = run {
            if current.phase() != Phase::Ended {
                return false;
            }
            run = current.previous();
        }
        true
    }

    /// Failed with `error`, and starts again after `delay`.
    pub(crate) fn restarting(&self, delay: Duration, error: String) {
        let until = now_ms().saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        self.restarting_until_ms.store(until, Ordering::Relaxed);
        self.set_error(error);
        self.set_phase(Phase::Restarting);
    }

    /// Started again after a failure.
    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
        self.healthy_since_ms.store(now_ms(), Ordering::Relaxed);
        self.set_phase(Phase::Running);
    }

    /// An iteration ended after `took`; an iteration that succeeded makes
    /// the pipeline healthy again.
    pub(crate) fn iterated(&self, took: Duration, succeeded: bool) {
        let now = now_ms();
        self.last_iteration_ms.store(now, Ordering::Relaxed);
        self.last_iteration_us
            .store(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
        if succeeded && self.healthy_since_ms.load(Ordering::Relaxed) == 0 {
            self.healthy_since_ms.store(now, Ordering::Relaxed);
        }
        if let Some(distributions) = self.distributions() {
            distributions.iteration(took);
        }
    }

    fn set_error(&self, message: String) {
        self.healthy_since_ms.store(0, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(PoisonError::into_inner) = Some(LastError {
            message,
            at_unix_ms: now_ms(),
        });
    }

    /// Records how its task ended, once: the outcome follows the phase it
    /// ended in (stopped in its backoff, it was cancelled, not completed).
    /// Returns the result as reported.
    pub(crate) fn finish(&self, result: TaskResult) -> TaskResult {
        let result = match result {
            Ok(_) if self.phase() == Phase::Restarting => Err(TaskError::Cancelled),
            result => result,
        };
        self.ended_with(&result);
        result
    }

    /// Records an end its task could not report (it was aborted): what it
    /// was doing decides the kind.
    pub(crate) fn finish_aborted(&self, deadline_passed: bool) -> TaskResult {
        let result = if !self.started() || self.phase() == Phase::Waiting {
            Err(TaskError::Cancelled)
        } else if deadline_passed || self.has(TIMED_OUT_ALONE) {
            Err(TaskError::TimedOut)
        } else {
            Err(TaskError::Aborted)
        };
        self.ended_with(&result);
        result
    }

    fn ended_with(&self, result: &TaskResult) {
        if self.phase() == Phase::Ended {
            return;
        }
        match result {
            Err(TaskError::Failed { error }) => self.set_error(chain(error.as_ref())),
            Err(TaskError::Panicked { message }) => self.set_error(format!("panicked: {message}")),
            _ => {}
        }
        self.outcome.store(OutcomeKind::of(result) as u8, Ordering::Relaxed);
        self.set_phase(Phase::Ended);
        self.ended.notify_waiters();
    }

    /// How it ended, once it has.
    pub(crate) fn outcome(&self) -> Option<OutcomeKind> {
        (self.phase() == Phase::Ended)
            .then(|| OutcomeKind::ALL.get(usize::from(self.outcome.load(Ordering::Relaxed))))
            .flatten()
            .copied()
    }

    /// Waits until it has ended.
    pub(crate) async fn ended(&self) {
        loop {
            let notified = self.ended.notified();
            if self.phase() == Phase::Ended {
                return;
            }
            notified.await;
        }
    }

    /// Records its durations in `distributions` from now on.
    pub(crate) fn measure(&self, distributions: Arc<Distributions>) {
        let _ = self.distributions.set(distributions);
    }

    /// Where its durations go, when metrics are on.
    pub(crate) fn distributions(&self) -> Option<&Distributions> {
        self.distributions.get().map(Arc::as_ref)
    }

    /// Keeps the handle of the task that runs it.
    pub(crate) fn spawned(&self, task: AbortHandle) {
        let _ = self.task.set(task);
    }

    /// The id of the task that runs it, once spawned.
    pub(crate) fn task_id(&self) -> Option<tokio::task::Id> {
        self.task.get().map(AbortHandle::id)
    }

    /// Aborts its task because it did not end within its successor's wait;
    /// it ends `timed_out`.
    pub(crate) fn abort_timed_out(&self) {
        self.flags.fetch_or(TIMED_OUT_ALONE, Ordering::AcqRel);
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }

    /// Whether its entry left or changed: its outcome is counted, not kept.
    pub(crate) fn is_forgotten(&self) -> bool {
        self.has(FORGET)
    }

    /// Whether it was aborted on its own, outliving its successor's wait.
    pub(crate) fn timed_out_alone(&self) -> bool {
        self.has(TIMED_OUT_ALONE)
    }

    /// Its entry is gone: once its outcome is collected, it leaves the board.
    pub(crate) fn forget(&self) {
        if self.flags.fetch_or(FORGET, Ordering::AcqRel) & COLLECTED != 0 {
            self.unlist();
        }
    }

    /// Its outcome was collected and logged; a forgotten run leaves now.
    pub(crate) fn collected(&self) {
        if self.flags.fetch_or(COLLECTED, Ordering::AcqRel) & FORGET != 0 {
            self.unlist();
        }
    }

    fn unlist(&self) {
        if let Some((board, place)) = &self.listed
            && let Some(board) = board.upgrade()
        {
            board.unlist(*place);
        }
    }

    /// What `/pipelines` and the per-key series show of it.
    pub(crate) fn snapshot(&self) -> Snapshot<'_> {
        let phase = self.phase();
        let flags = self.flags.load(Ordering::Acquire);
        let at = |value: &AtomicU64| Some(value.load(Ordering::Relaxed)).filter(|&ms| ms != 0);
        let stopping = self.stop.as_ref().is_some_and(CancellationToken::is_cancelled) || flags & STOP_ASKED != 0;
        Snapshot {
            key: self.key(),
            typetag: self.typetag,
            phase,
            stopping: stopping && matches!(phase, Phase::Running | Phase::Restarting),
            behind_previous: phase == Phase::Waiting && flags & BEHIND_PREVIOUS != 0,
            outcome: self.outcome(),
            started: flags & STARTED != 0,
            restarts: self.restarts(),
            restarting_until_unix_ms: (phase == Phase::Restarting)
                .then(|| at(&self.restarting_until_ms))
                .flatten(),
            last_iteration_unix_ms: at(&self.last_iteration_ms),
            last_iteration_secs: at(&self.last_iteration_ms)
                .map(|_| Duration::from_micros(self.last_iteration_us.load(Ordering::Relaxed)).as_secs_f64()),
            healthy_since_unix_ms: at(&self.healthy_since_ms),
            last_error: self.last_error.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }
}

/// A record as read at one moment.
#[derive(Debug)]
pub(crate) struct Snapshot<'a> {
    pub(crate) key: &'a str,
    pub(crate) typetag: &'static str,
    pub(crate) phase: Phase,
    pub(crate) stopping: bool,
    pub(crate) behind_previous: bool,
    pub(crate) outcome: Option<OutcomeKind>,
    pub(crate) started: bool,
    pub(crate) restarts: u32,
    pub(crate) restarting_until_unix_ms: Option<u64>,
    pub(crate) last_iteration_unix_ms: Option<u64>,
    pub(crate) last_iteration_secs: Option<f64>,
    pub(crate) healthy_since_unix_ms: Option<u64>,
    pub(crate) last_error: Option<LastError>,
}

impl Snapshot<'_> {
    /// The phase as `/pipelines` names it.
    pub(crate) fn state(&self) -> &'static str {
        match self.phase {
            _ if self.stopping => "stopping",
            Phase::Waiting => "waiting",
            Phase::Running => "running",
            Phase::Restarting => "restarting",
            Phase::Ended => "ended",
        }
    }

    /// How many times the run started: once, and once per restart.
    pub(crate) fn starts(&self) -> u64 {
        u64::from(self.started) + u64::from(self.restarts)
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Where a pipeline's run reports its restarts and iterations: the runner's
/// record of that run. [`Supervisor`](crate::Supervisor) and
/// [`run_every`](crate::run_every) take one; the runner hands it to
/// [`Pipeline::run_reporting`](crate::Pipeline::run_reporting). A detached
/// reporter (the default) reports nowhere, for code run outside a runner.
///
/// ```
/// use topology::RunReporter;
///
/// let reporter = RunReporter::default();
/// assert!(reporter.is_detached());
/// ```
#[derive(Clone, Debug, Default)]
pub struct RunReporter(Option<Arc<PipelineRecord>>);

impl RunReporter {
    /// Reports to `record`.
    pub(crate) fn to(record: &Arc<PipelineRecord>) -> Self {
        Self(Some(Arc::clone(record)))
    }

    /// Whether it reports nowhere.
    pub fn is_detached(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn record(&self) -> Option<&PipelineRecord> {
        self.0.as_deref()
    }
}
