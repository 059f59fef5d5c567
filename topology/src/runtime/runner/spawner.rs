//! Adding pipelines to a topology that is already running, and changing its
//! shutdown deadline: what a configuration reload needs of the runner.

use std::{fmt::Display, time::Duration};

use tokio::sync::mpsc;

use crate::runtime::{runner::running::RunningPipelines, task::BoxFuture};

/// What a [`PipelineSpawner`] asks of the collecting loop.
pub(super) enum Command<K> {
    Spawn {
        key: K,
        typetag: &'static str,
        work: BoxFuture<'static>,
        max_jitter_secs: u64,
    },
    ShutdownTimeout(Option<Duration>),
}

/// Adds pipelines to running ones while their outcomes are being collected,
/// each after its own start jitter, with every guarantee of the first ones.
///
/// ```
/// # topology::block_on(async {
/// use topology::{PipelineContext, PipelineRunner, RunningTopology, Task, TaskOutput};
///
/// let ctx = PipelineContext::default();
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
}

impl<K> Clone for PipelineSpawner<K> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
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
        })
    }
}

impl<K> PipelineSpawner<K> {
    /// Spawns `work` as the pipeline `key`, after a start jitter drawn from
    /// `[0, max_jitter_secs)`. An error when the topology has already ended
    /// (every pipeline collected).
    pub fn spawn(
        &self,
        key: K,
        typetag: &'static str,
        work: BoxFuture<'static>,
        max_jitter_secs: u64,
    ) -> Result<(), TopologyEnded> {
        self.sender
            .send(Command::Spawn {
                key,
                typetag,
                work,
                max_jitter_secs,
            })
            .map_err(|_| TopologyEnded)
    }

    /// From now on, a shutdown waits `timeout` (`None`: forever) before
    /// aborting the pipelines still running. A shutdown already begun keeps
    /// its deadline.
    pub fn set_shutdown_timeout(&self, timeout: Option<Duration>) {
        let _ = self.sender.send(Command::ShutdownTimeout(timeout));
    }
}

/// A pipeline could not be added: every pipeline of the topology had
/// ended, and its outcomes were collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the topology has ended")]
pub struct TopologyEnded;

impl<K> RunningPipelines<K> {
    /// A spawner that adds pipelines to these while they are collected (by
    /// [`run_to_completion`](crate::RunningTopology::run_to_completion)).
    pub fn spawner(&mut self) -> PipelineSpawner<K> {
        let sender = match &self.commands {
            Some((sender, _)) => sender.clone(),
            None => {
                let (sender, receiver) = mpsc::unbounded_channel();
                self.commands = Some((sender.clone(), receiver));
                sender
            }
        };
        PipelineSpawner { sender }
    }
}

impl<K: Clone + Display + Send + 'static> RunningPipelines<K> {
    /// Carries out one command from a spawner.
    pub(super) fn apply(&mut self, command: Command<K>) {
        match command {
            Command::Spawn {
                key,
                typetag,
                work,
                max_jitter_secs,
            } => self.spawn(key, typetag, work, max_jitter_secs),
            Command::ShutdownTimeout(timeout) => self.shutdown_timeout = timeout,
        }
    }
}
