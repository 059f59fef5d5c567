//! A record as `/pipelines` and the per-key series read it at one moment.

use std::{sync::atomic::Ordering, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::runtime::{
    ownership::OwnerState,
    record::{BEHIND_PREVIOUS, LastError, Phase, PipelineRecord, STARTED},
    stats::OutcomeKind,
};

impl PipelineRecord {
    /// What `/pipelines` and the per-key series show of it.
    pub(crate) fn snapshot(&self) -> Snapshot<'_> {
        let phase = self.phase();
        let flags = self.flags.load(Ordering::Acquire);
        let stopping = self.stop.as_ref().is_some_and(CancellationToken::is_cancelled);
        let mut snapshot = Snapshot {
            key: self.key(),
            typetag: self.typetag,
            phase,
            stopping: stopping && matches!(phase, Phase::Running | Phase::Restarting),
            behind_previous: phase == Phase::Waiting && flags & BEHIND_PREVIOUS != 0,
            outcome: self.outcome(),
            started: flags & STARTED != 0,
            restarts: self.restarts(),
            restarting_until_unix_ms: None,
            last_iteration: None,
            healthy_since_unix_ms: None,
            last_error: None,
            owner: None,
        };
        self.read_cold(|cold| {
            let Some(cold) = cold else {
                return;
            };
            snapshot.restarting_until_unix_ms = (phase == Phase::Restarting).then_some(cold.restarting_until_ms);
            snapshot.last_iteration = cold.last_iteration;
            snapshot.healthy_since_unix_ms = cold.healthy_since_ms;
            snapshot.last_error.clone_from(&cold.last_error);
        });
        snapshot.owner = self.owner();
        snapshot
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
    /// When the last iteration ended (Unix ms), and how long it took.
    pub(crate) last_iteration: Option<(u64, Duration)>,
    pub(crate) healthy_since_unix_ms: Option<u64>,
    pub(crate) last_error: Option<LastError>,
    /// The replica's state with the run's lease, and its fencing token.
    pub(crate) owner: Option<(OwnerState, u64)>,
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
