//! Adding pipelines to a topology that is already running, and changing its
//! shutdown deadline: what a configuration reload needs of the runner.

use std::{
    fmt::Display,
    sync::{Arc, Mutex, PoisonError, Weak},
    time::Duration,
};

use tokio::sync::mpsc;

use crate::runtime::{
    metrics::pipeline::{Distributions, TypetagCache},
    record::{PipelineRecord, lineage::Lineage},
    reporter::RunReporter,
    status::{StatusBoard, new_record},
    task::TaskFuture,
};

/// Builds a run's work from its reporter.
pub(crate) type MakeWork = Box<dyn FnOnce(RunReporter) -> TaskFuture<'static> + Send>;

/// What a [`PipelineSpawner`] asks of the collecting loop.
pub(super) enum Command<K> {
    Spawn {
        key: K,
        typetag: &'static str,
        /// Made by the spawner when the caller needs it at once.
        record: Option<Arc<PipelineRecord>>,
        work: MakeWork,
        lineage: Lineage,
    },
    ShutdownTimeout(Option<Duration>),
    /// Collect until shutdown even with no pipeline left.
    Hold,
}

/// Adds pipelines to running ones while their outcomes are being collected,
/// each after its own start jitter, with every guarantee of the first ones.
///
/// ```
/// # topology::block_on(async {
/// use topology::{PipelineContext, PipelineRunner, RunningTopology, Task, TaskOutput};
///
/// let ctx = PipelineContext::default().with_poll_jitter_secs(0);
/// let shutdown = ctx.shutdown.clone();
/// let first = Task::new("first", "job", async move {
///     shutdown.cancelled().await;
///     Ok(TaskOutput::default())
/// });
/// let mut running = PipelineRunner::new(ctx.clone(), "job").start_tasks([first]);
/// let spawner = running.spawner();
/// let collecting = tokio::spawn(running.run_to_completion());
/// spawner.spawn("added", "job", Box::pin(async { Ok(TaskOutput::default()) }), 0).unwrap();
/// tokio::time::sleep(std::time::Duration::from_millis(50)).await;
/// ctx.shutdown.cancel();
/// let stats = collecting.await.unwrap();
/// assert_eq!(stats.counts().completed, 2);
/// # }).unwrap();
/// ```
pub struct PipelineSpawner<K> {
    sender: mpsc::UnboundedSender<Command<K>>,
    /// The topology's board, while the topology lasts.
    board: Option<Weak<StatusBoard>>,
    /// The histograms of each `typetag` it spawns, for the records it
    /// makes (shared by its clones; the recorder hands the runner's and
    /// these the same series).
    typetags: Arc<Mutex<TypetagCache>>,
}

impl<K> Clone for PipelineSpawner<K> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
            board: self.board.clone(),
            typetags: Arc::clone(&self.typetags),
        }
    }
}

impl<K> std::fmt::Debug for PipelineSpawner<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineSpawner").finish_non_exhaustive()
    }
}

impl<K> std::fmt::Debug for Command<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Spawn { .. } => "Spawn",
            Self::ShutdownTimeout(_) => "ShutdownTimeout",
            Self::Hold => "Hold",
        })
    }
}

impl<K: Display> PipelineSpawner<K> {
    /// Spawns `work` as the pipeline `key`, after a start jitter drawn from
    /// `[0, max_jitter_secs)`. An error when the topology has already ended
    /// (every pipeline collected).
    pub fn spawn(
        &self,
        key: K,
        typetag: &'static str,
        work: TaskFuture<'static>,
        max_jitter_secs: u64,
    ) -> Result<(), TopologyEnded> {
        self.send(Command::Spawn {
            key,
            typetag,
            record: None,
            work: Box::new(move |_| work),
            lineage: Lineage {
                stop: None,
                after: None,
                max_jitter_secs,
            },
        })
    }

    /// Spawns a run of `key` with its own `stop`, started only once `after`
    /// (the previous run of the key) has ended; returns its record at once,
    /// so that a later reload can stop it or wait for it.
    pub(crate) fn spawn_run(
        &self,
        key: K,
        typetag: &'static str,
        work: MakeWork,
        lineage: Lineage,
    ) -> Result<Arc<PipelineRecord>, TopologyEnded> {
        let board = self.board.as_ref().and_then(Weak::upgrade);
        let distributions = {
            let mut typetags = self.typetags.lock().unwrap_or_else(PoisonError::into_inner);
            Distributions::for_run(typetag, &mut typetags)
        };
        let record = new_record(board.as_ref(), &key, typetag, lineage.stop.clone(), Some(distributions));
        self.send(Command::Spawn {
            key,
            typetag,
            record: Some(Arc::clone(&record)),
            work,
            lineage,
        })
        .inspect_err(|_| {
            // Never spawned: off the board at once.
            let _ = record.finish(Err(crate::runtime::task::TaskError::Cancelled));
            record.forget();
            record.collected();
        })?;
        Ok(record)
    }
}

impl<K> PipelineSpawner<K> {
    /// A spawner sending to `sender`, whose runs are listed on `board` and
    /// record their durations in the histograms of `typetags`.
    pub(super) fn new(
        sender: mpsc::UnboundedSender<Command<K>>,
        board: Option<Weak<StatusBoard>>,
        typetags: TypetagCache,
    ) -> Self {
        Self {
            sender,
            board,
            typetags: Arc::new(Mutex::new(typetags)),
        }
    }

    fn send(&self, command: Command<K>) -> Result<(), TopologyEnded> {
        self.sender.send(command).map_err(|_| TopologyEnded)
    }

    /// From now on, a shutdown waits `timeout` (`None`: forever) before
    /// aborting the pipelines still running. A shutdown already begun keeps
    /// its deadline.
    ///
    /// # Errors
    ///
    /// [`TopologyEnded`] once the topology has ended.
    pub fn set_shutdown_timeout(&self, timeout: Option<Duration>) -> Result<(), TopologyEnded> {
        self.send(Command::ShutdownTimeout(timeout))
    }

    /// From now on the topology runs until it is shut down, even when no
    /// pipeline is left (a replica whose share became empty).
    pub(crate) fn hold_until_shutdown(&self) {
        // Once the topology has ended, there is nothing left to hold.
        let _ = self.send(Command::Hold);
    }
}

/// A pipeline could not be added: every pipeline of the topology had
/// ended, and its outcomes were collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the topology has ended")]
pub struct TopologyEnded;
