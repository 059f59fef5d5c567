//! A record as `/pipelines` and the per-key series read it at one moment.

use std::{
    sync::{
        PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio_util::sync::CancellationToken;

use crate::runtime::{
    record::{BEHIND_PREVIOUS, LastError, Phase, PipelineRecord, STARTED, STOP_ASKED},
    stats::OutcomeKind,
};

impl PipelineRecord {
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
