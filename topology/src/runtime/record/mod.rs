//! One record per run of a pipeline: what it is doing, how it ended, its
//! restarts and last error, and its own stop. Its task, the runner, the
//! status board and the per-key metrics all read and write this one record,
//! so they cannot disagree.

mod end;
pub(crate) mod lineage;
mod owner;
pub(crate) mod snapshot;

use std::{
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicU8, AtomicU32, Ordering},
    },
    time::Duration,
};

use tokio::{sync::Notify, task::AbortHandle};
use tokio_util::sync::CancellationToken;

use crate::runtime::{metrics::pipeline::Distributions, ownership::Ownership, redact::redact, unix_time::now_ms};

/// Where a record is listed, so that it can take itself off when forgotten.
pub(crate) trait Listing: Send + Sync + std::fmt::Debug {
    /// Takes the record at `place` off.
    fn unlist(&self, place: u64);
}

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

const NO_OUTCOME: u8 = u8::MAX;

/// The last error of a run and when it happened.
#[derive(Clone, Debug)]
pub(crate) struct LastError {
    pub(crate) message: String,
    pub(crate) at_unix_ms: u64,
}

/// The parts of a record written only on restarts, iterations, errors and
/// waits for it.
#[derive(Debug, Default)]
struct Cold {
    restarting_until_ms: u64,
    /// When the last iteration ended, and how long it took.
    last_iteration: Option<(u64, Duration)>,
    /// Since when it has run again after its last error.
    healthy_since_ms: Option<u64>,
    last_error: Option<LastError>,
    /// The previous run of its key, until this one starts: a run stopped
    /// while it waited ends at once, and its successor must still wait for
    /// the runs before it.
    previous: Option<Arc<PipelineRecord>>,
    /// Wakes those waiting for its end.
    ended: Option<Arc<Notify>>,
    /// The lease the run holds its key under, when ownership is on.
    ownership: Option<Ownership>,
}

/// One run of one pipeline.
#[derive(Debug)]
pub(crate) struct PipelineRecord {
    typetag: &'static str,
    /// Its own stop, when it has one (a pipeline of the generated program);
    /// else it stops with the topology.
    stop: Option<CancellationToken>,
    phase: AtomicU8,
    flags: AtomicU8,
    outcome: AtomicU8,
    restarts: AtomicU32,
    /// What most runs never need, boxed on first use: a record is paid per
    /// pipeline.
    cold: Mutex<Option<Box<Cold>>>,
    /// Its task, once spawned: aborted on its own when it outlives its
    /// stop, and known by its id when it ends without an outcome. Behind a
    /// lock rather than a set-once cell: the same size, and no slow path
    /// to set it once per run.
    task: Mutex<Option<AbortHandle>>,
    /// The key as text, the board that lists it and its place there: the
    /// text is kept only where a board shows it.
    listed: Option<(Box<str>, Weak<dyn Listing>, u64)>,
    /// Its `typetag`'s histograms (and its own, when asked for), when
    /// metrics are on.
    distributions: Option<Arc<Distributions>>,
}

impl PipelineRecord {
    /// A record waiting to start, listed at `listed` under its key's text
    /// when given, recording its durations in `distributions`.
    pub(crate) fn new(
        typetag: &'static str,
        stop: Option<CancellationToken>,
        listed: Option<(Box<str>, Weak<dyn Listing>, u64)>,
        distributions: Option<Arc<Distributions>>,
    ) -> Self {
        Self {
            typetag,
            stop,
            phase: AtomicU8::new(Phase::Waiting as u8),
            flags: AtomicU8::new(0),
            outcome: AtomicU8::new(NO_OUTCOME),
            restarts: AtomicU32::new(0),
            cold: Mutex::new(None),
            task: Mutex::new(None),
            listed,
            distributions,
        }
    }

    /// The key as the board shows it.
    pub(crate) fn key(&self) -> &str {
        self.listed.as_ref().map_or("", |(key, _, _)| key)
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

    /// Changes the cold parts, boxing them on first use.
    fn cold<R>(&self, change: impl FnOnce(&mut Cold) -> R) -> R {
        let mut cold = self.cold.lock().unwrap_or_else(PoisonError::into_inner);
        change(cold.get_or_insert_with(Box::default))
    }

    /// Reads the cold parts, if there are any.
    fn read_cold<R>(&self, read: impl FnOnce(Option<&Cold>) -> R) -> R {
        read(self.cold.lock().unwrap_or_else(PoisonError::into_inner).as_deref())
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
    /// its body watches. A run without a stop of its own stops only with
    /// its topology.
    pub(crate) fn stop(&self) {
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
        if self.has(BEHIND_PREVIOUS) {
            self.cold(|cold| cold.previous = None);
        }
        self.flags.fetch_and(!BEHIND_PREVIOUS, Ordering::AcqRel);
        self.flags.fetch_or(STARTED, Ordering::AcqRel);
        self.set_phase(Phase::Running);
    }

    /// Failed with `error`, and starts again after `delay`.
    pub(crate) fn restarting(&self, delay: Duration, error: String) {
        let until = now_ms().saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        self.cold(|cold| cold.restarting_until_ms = until);
        self.set_error(error);
        self.set_phase(Phase::Restarting);
    }

    /// Started again after a failure.
    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
        self.cold(|cold| cold.healthy_since_ms = Some(now_ms()));
        self.set_phase(Phase::Running);
    }

    /// An iteration ended after `took`; an iteration that succeeded makes
    /// the pipeline healthy again.
    pub(crate) fn iterated(&self, took: Duration, succeeded: bool) {
        let now = now_ms();
        self.cold(|cold| {
            cold.last_iteration = Some((now, took));
            if succeeded && cold.healthy_since_ms.is_none() {
                cold.healthy_since_ms = Some(now);
            }
        });
        if let Some(distributions) = self.distributions() {
            distributions.iteration(took);
        }
    }

    fn set_error(&self, message: String) {
        let at_unix_ms = now_ms();
        self.cold(|cold| {
            cold.healthy_since_ms = None;
            cold.last_error = Some(LastError {
                message: redact(&message).into_owned(),
                at_unix_ms,
            });
        });
    }

    /// Where its durations go, when metrics are on.
    pub(crate) fn distributions(&self) -> Option<&Distributions> {
        self.distributions.as_deref()
    }
}
