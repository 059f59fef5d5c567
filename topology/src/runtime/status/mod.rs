//! Every pipeline run a topology keeps in view, for `GET /pipelines` and the
//! per-key series of `/metrics`: the runs' own records, listed in the order
//! they were spawned, read in chunks so that no lock is held while a
//! response is written. A run whose entry left the configuration leaves the
//! board once its outcome is collected.

mod listed;

use std::{
    fmt::Display,
    sync::{
        Arc, Mutex, PoisonError, RwLock, Weak,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio_util::sync::CancellationToken;

use serde::Serialize;

use crate::runtime::{
    metrics::pipeline::Distributions,
    record::{Listing, Phase, PipelineRecord, snapshot::Snapshot},
    status::listed::Listed,
};

/// The records of one topology's runs, by their place in spawning order.
#[derive(Debug, Default)]
pub(crate) struct StatusBoard {
    listed: RwLock<Listed>,
    next_place: AtomicU64,
}

/// A new run's record, listed on `board` when there is one.
pub(crate) fn new_record<K: Display + ?Sized>(
    board: Option<&Arc<StatusBoard>>,
    key: &K,
    typetag: &'static str,
    stop: Option<CancellationToken>,
    distributions: Option<Arc<Distributions>>,
) -> Arc<PipelineRecord> {
    let Some(board) = board else {
        return Arc::new(PipelineRecord::new(typetag, stop, None, distributions));
    };
    let place = board.next_place.fetch_add(1, Ordering::Relaxed);
    let listing: Weak<dyn Listing> = Arc::downgrade(board) as Weak<dyn Listing>;
    // Generic, not `&dyn Display`: a `String` key is copied, not formatted.
    let text = key.to_string().into_boxed_str();
    let record = Arc::new(PipelineRecord::new(
        typetag,
        stop,
        Some((text, listing, place)),
        distributions,
    ));
    board.write().insert(place, Arc::clone(&record));
    record
}

impl Listing for StatusBoard {
    fn unlist(&self, place: u64) {
        self.write().remove(place);
    }
}

impl StatusBoard {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Listed> {
        self.listed.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Up to `len` records placed after `after` (from the first without),
    /// with the place of the last; the lock is held only to clone handles.
    pub(crate) fn chunk(&self, after: Option<u64>, len: usize) -> (Vec<Arc<PipelineRecord>>, Option<u64>) {
        let listed = self.listed.read().unwrap_or_else(PoisonError::into_inner);
        let from = after.map_or(0, |place| place.saturating_add(1));
        let mut last = None;
        let chunk = listed
            .from(from)
            .take(len)
            .map(|(place, record)| {
                last = Some(place);
                Arc::clone(record)
            })
            .collect();
        (chunk, last)
    }

    /// How many runs are listed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.listed.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// The boards of the runners one endpoint serves, one per running
/// topology: a topology that ends drops its board, and its runs leave with
/// it, so an endpoint that outlives one runner after another lists only
/// what still runs.
#[derive(Debug, Default)]
pub(crate) struct Boards(Mutex<Vec<Weak<StatusBoard>>>);

impl Boards {
    /// A board for a new topology, served until the topology drops it.
    pub(crate) fn add(&self) -> Arc<StatusBoard> {
        let board = Arc::new(StatusBoard::default());
        let mut boards = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        boards.retain(|board| board.strong_count() > 0);
        boards.push(Arc::downgrade(&board));
        board
    }

    /// The boards of the topologies still running, oldest first.
    pub(crate) fn live(&self) -> Vec<Arc<StatusBoard>> {
        let boards = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        boards.iter().filter_map(Weak::upgrade).collect()
    }
}

/// Where a read of several boards has got to: a board, and the place of the
/// last record read on it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cursor {
    board: usize,
    after: Option<u64>,
}

/// Up to `len` records of `boards` from `cursor` on, and where the next
/// chunk starts, unless these were the last.
pub(crate) fn chunk(
    boards: &[Arc<StatusBoard>],
    mut cursor: Cursor,
    len: usize,
) -> (Vec<Arc<PipelineRecord>>, Option<Cursor>) {
    let mut records = Vec::new();
    while let Some(board) = boards.get(cursor.board) {
        let wanted = len - records.len();
        let (chunk, last) = board.chunk(cursor.after, wanted);
        let full = chunk.len() == wanted;
        records.extend(chunk);
        if full {
            cursor.after = last;
            return (records, Some(cursor));
        }
        cursor = Cursor {
            board: cursor.board + 1,
            after: None,
        };
    }
    (records, None)
}

/// Calls `each` with every record of `boards`, in order, a chunk at a time.
pub(crate) fn for_each(boards: &[Arc<StatusBoard>], chunk_len: usize, mut each: impl FnMut(&PipelineRecord)) {
    let mut cursor = Some(Cursor::default());
    while let Some(from) = cursor {
        let (records, next) = chunk(boards, from, chunk_len);
        records.iter().for_each(|record| each(record));
        cursor = next;
    }
}

/// One run, as `/pipelines` writes it.
#[derive(Debug, Serialize)]
pub(crate) struct StatusView<'a> {
    key: &'a str,
    typetag: &'static str,
    /// `waiting` (its start jitter, or the previous run of its key),
    /// `running`, `restarting`, `stopping` or `ended`.
    state: &'static str,
    /// What a waiting run waits for: `start_jitter` or `previous_run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    waiting_for: Option<&'static str>,
    /// How it ended, once it has.
    outcome: Option<&'static str>,
    /// Restarts done so far.
    restarts: u32,
    /// While restarting: the number of the restart it waits for, as the
    /// log line says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_restart: Option<u32>,
    restarting_until_unix_ms: Option<u64>,
    last_iteration_unix_ms: Option<u64>,
    last_error: Option<String>,
    /// When the last error happened.
    last_error_unix_ms: Option<u64>,
    /// Since when it has run again after its last error (a restart, or an
    /// iteration that succeeded); absent while it has not.
    healthy_since_unix_ms: Option<u64>,
    /// With ownership on: `owned`, `releasing`, `released` or `lost`.
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'static str>,
    /// With ownership on: the fencing token the run holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    fencing_token: Option<u64>,
}

impl<'a> StatusView<'a> {
    pub(crate) fn of(snapshot: &'a Snapshot<'a>) -> Self {
        let error = snapshot.last_error.as_ref();
        let healthy_since = snapshot
            .healthy_since_unix_ms
            .filter(|since| error.is_some_and(|error| *since >= error.at_unix_ms));
        Self {
            key: snapshot.key,
            typetag: snapshot.typetag,
            state: snapshot.state(),
            waiting_for: (snapshot.state() == "waiting").then_some(if snapshot.behind_previous {
                "previous_run"
            } else {
                "start_jitter"
            }),
            outcome: snapshot.outcome.map(|kind| kind.as_str()),
            restarts: snapshot.restarts,
            next_restart: (snapshot.phase == Phase::Restarting).then(|| snapshot.restarts.saturating_add(1)),
            restarting_until_unix_ms: snapshot.restarting_until_unix_ms,
            last_iteration_unix_ms: snapshot.last_iteration.map(|(at, _)| at),
            last_error: error.map(|error| error.message.clone()),
            last_error_unix_ms: error.map(|error| error.at_unix_ms),
            healthy_since_unix_ms: healthy_since,
            owner: snapshot.owner.map(|(state, _)| state.as_str()),
            fencing_token: snapshot.owner.map(|(_, token)| token),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runtime::task::TaskError;

    fn state(record: &PipelineRecord) -> &'static str {
        record.snapshot().state()
    }

    #[test]
    fn a_run_goes_from_waiting_to_ended_and_a_forgotten_one_leaves_once_collected() {
        let board = Arc::new(StatusBoard::default());
        let record = new_record(Some(&board), &"ingest/orders", "table", None, None);
        assert_eq!(state(&record), "waiting");
        record.running();
        record.iterated(Duration::from_millis(5), true);
        record.restarting(Duration::from_secs(5), "disk full".to_owned());
        let snapshot = record.snapshot();
        let view = StatusView::of(&snapshot);
        assert_eq!(
            (view.state, view.last_error.as_deref()),
            ("restarting", Some("disk full"))
        );
        assert!(view.restarting_until_unix_ms.is_some() && view.healthy_since_unix_ms.is_none());
        record.restarted();
        let snapshot = record.snapshot();
        assert!(StatusView::of(&snapshot).healthy_since_unix_ms.is_some());
        let _ = record.finish(Err(TaskError::failed(std::io::Error::other("disk still full"))));
        let snapshot = record.snapshot();
        let view = StatusView::of(&snapshot);
        assert_eq!((view.state, view.outcome, view.restarts), ("ended", Some("failed"), 1));
        assert_eq!(view.last_error.as_deref(), Some("disk still full"));
        assert_eq!(board.len(), 1);
        record.forget();
        assert_eq!(board.len(), 1, "listed until its outcome is collected");
        record.collected();
        assert_eq!(board.len(), 0);
    }

    #[test]
    fn chunks_follow_the_places_left_after_removals() {
        let board = Arc::new(StatusBoard::default());
        let records: Vec<_> = (0..5)
            .map(|i| new_record(Some(&board), &i, "job", None, None))
            .collect();
        records[1].forget();
        records[1].collected();
        let (first, last) = board.chunk(None, 2);
        assert_eq!(first.iter().map(|r| r.key()).collect::<Vec<_>>(), ["0", "2"]);
        let (rest, _) = board.chunk(last, 10);
        assert_eq!(rest.iter().map(|r| r.key()).collect::<Vec<_>>(), ["3", "4"]);
    }
}
