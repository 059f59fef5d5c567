//! What each pipeline is doing now, for `GET /pipelines`: one small record
//! per pipeline, updated with atomics by its task and the runner, and read
//! in chunks, so that no lock is held while a response is written.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use crate::runtime::{
    error::chain,
    stats::OutcomeKind,
    task::{TaskError, TaskResult},
};

/// Every pipeline of one topology, in the order they were spawned.
#[derive(Debug, Default)]
pub(crate) struct StatusBoard {
    pipelines: RwLock<Listed>,
}

/// The pipelines in order, and where each key is.
#[derive(Debug, Default)]
struct Listed {
    order: Vec<Arc<PipelineStatus>>,
    places: HashMap<String, usize>,
}

impl StatusBoard {
    /// Adds a pipeline, waiting for its start jitter. A pipeline of the same
    /// key that has ended (one replaced on reload) gives up its place.
    pub(crate) fn register(&self, key: String, typetag: &'static str) -> Arc<PipelineStatus> {
        let status = Arc::new(PipelineStatus {
            key,
            typetag,
            phase: AtomicU8::new(Phase::Waiting as u8),
            restarts: AtomicU32::new(0),
            restarting_until_ms: AtomicU64::new(0),
            last_iteration_ms: AtomicU64::new(0),
            outcome: AtomicU8::new(NO_OUTCOME),
            last_error: Mutex::new(None),
        });
        let mut listed = self.pipelines.write().unwrap_or_else(PoisonError::into_inner);
        let Listed { order, places } = &mut *listed;
        match places.get(&status.key).and_then(|&place| order.get_mut(place)) {
            Some(place) if place.phase() == Phase::Ended => *place = Arc::clone(&status),
            _ => {
                places.insert(status.key.clone(), order.len());
                order.push(Arc::clone(&status));
            }
        }
        status
    }

    /// Up to `len` pipelines from position `from`; the lock is held only to
    /// clone their handles.
    pub(crate) fn chunk(&self, from: usize, len: usize) -> Vec<Arc<PipelineStatus>> {
        let listed = self.pipelines.read().unwrap_or_else(PoisonError::into_inner);
        listed.order.iter().skip(from).take(len).cloned().collect()
    }

    /// How many pipelines are listed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pipelines
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .order
            .len()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    Waiting = 0,
    Running = 1,
    Restarting = 2,
    Ended = 3,
}

const NO_OUTCOME: u8 = u8::MAX;

/// One pipeline's state, written by its task and read by `/pipelines`.
#[derive(Debug)]
pub(crate) struct PipelineStatus {
    key: String,
    typetag: &'static str,
    phase: AtomicU8,
    restarts: AtomicU32,
    restarting_until_ms: AtomicU64,
    last_iteration_ms: AtomicU64,
    outcome: AtomicU8,
    last_error: Mutex<Option<String>>,
}

impl PipelineStatus {
    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Waiting,
            1 => Phase::Running,
            2 => Phase::Restarting,
            _ => Phase::Ended,
        }
    }

    /// Its start jitter is over.
    pub(crate) fn running(&self) {
        self.phase.store(Phase::Running as u8, Ordering::Relaxed);
    }

    /// It failed with `error` and starts again after `delay`.
    pub(crate) fn restarting(&self, delay: Duration, error: String) {
        let until = unix_ms(SystemTime::now() + delay);
        self.restarting_until_ms.store(until, Ordering::Relaxed);
        self.set_error(error);
        self.phase.store(Phase::Restarting as u8, Ordering::Relaxed);
    }

    /// It started again after a failure.
    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
        self.phase.store(Phase::Running as u8, Ordering::Relaxed);
    }

    /// An iteration of an interval pipeline ended.
    pub(crate) fn iterated(&self) {
        self.last_iteration_ms
            .store(unix_ms(SystemTime::now()), Ordering::Relaxed);
    }

    /// It ended with `result`, unless its end is known already.
    pub(crate) fn ended_with(&self, result: &TaskResult) {
        if self.phase() == Phase::Ended {
            return;
        }
        let kind = OutcomeKind::of(result);
        // The outcome says what happened; the error, why.
        match result {
            Err(TaskError::Failed { error }) => self.set_error(chain(error.as_ref())),
            Err(TaskError::Panicked { message }) => self.set_error(message.clone()),
            _ => {}
        }
        self.outcome.store(kind as u8, Ordering::Relaxed);
        self.phase.store(Phase::Ended as u8, Ordering::Relaxed);
    }

    fn set_error(&self, error: String) {
        *self.last_error.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    /// What `/pipelines` shows of it.
    pub(crate) fn view(&self) -> StatusView<'_> {
        let phase = self.phase();
        let at = |value: u64| (value != 0).then_some(value);
        StatusView {
            key: &self.key,
            typetag: self.typetag,
            state: match phase {
                Phase::Waiting => "waiting",
                Phase::Running => "running",
                Phase::Restarting => "restarting",
                Phase::Ended => "ended",
            },
            outcome: (phase == Phase::Ended)
                .then(|| OutcomeKind::ALL.get(usize::from(self.outcome.load(Ordering::Relaxed))))
                .flatten()
                .map(|kind| kind.as_str()),
            restarts: self.restarts.load(Ordering::Relaxed),
            restarting_until_unix_ms: (phase == Phase::Restarting)
                .then(|| at(self.restarting_until_ms.load(Ordering::Relaxed)))
                .flatten(),
            last_iteration_unix_ms: at(self.last_iteration_ms.load(Ordering::Relaxed)),
            last_error: self.last_error.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }
}

/// One pipeline, as `/pipelines` writes it.
#[derive(Debug, Serialize)]
pub(crate) struct StatusView<'a> {
    key: &'a str,
    typetag: &'static str,
    /// `waiting` (its start jitter), `running`, `restarting` or `ended`.
    state: &'static str,
    /// How it ended, once it has.
    outcome: Option<&'static str>,
    restarts: u32,
    restarting_until_unix_ms: Option<u64>,
    last_iteration_unix_ms: Option<u64>,
    last_error: Option<String>,
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipeline_goes_from_waiting_to_ended() {
        let board = StatusBoard::default();
        let status = board.register("ingest/orders".to_owned(), "table");
        assert_eq!(status.view().state, "waiting");
        status.running();
        status.iterated();
        status.restarting(Duration::from_secs(5), "disk full".to_owned());
        let view = status.view();
        assert_eq!(
            (view.state, view.last_error.as_deref()),
            ("restarting", Some("disk full"))
        );
        assert!(view.restarting_until_unix_ms.is_some() && view.last_iteration_unix_ms.is_some());
        status.restarted();
        status.ended_with(&Err(TaskError::failed(std::io::Error::other("disk still full"))));
        let view = status.view();
        assert_eq!((view.state, view.outcome, view.restarts), ("ended", Some("failed"), 1));
        assert_eq!(view.last_error.as_deref(), Some("disk still full"));
        // A pipeline of the same key started again (on reload) takes its place.
        board.register("ingest/orders".to_owned(), "table");
        assert_eq!(board.len(), 1);
        assert_eq!(board.chunk(0, 10)[0].view().state, "waiting");
    }
}
