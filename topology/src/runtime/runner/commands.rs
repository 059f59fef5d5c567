//! Carrying out what spawners send: the running pipelines hand out
//! spawners, and apply their commands between outcomes.

use std::{fmt::Display, sync::Arc};

use tokio::sync::mpsc;

use crate::runtime::runner::{
    running::RunningPipelines,
    spawner::{Command, PipelineSpawner},
};

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
        PipelineSpawner::new(sender, self.board.as_ref().map(Arc::downgrade), self.typetags.clone())
    }
}

impl<K: Clone + Display + Send + 'static> RunningPipelines<K> {
    /// Carries out one command from a spawner.
    pub(super) fn apply(&mut self, command: Command<K>) {
        match command {
            Command::Spawn {
                key,
                typetag,
                record,
                work,
                lineage,
            } => {
                let record = record.unwrap_or_else(|| self.record(&key, typetag, lineage.stop.clone()));
                self.spawn_recorded(key, record, work, lineage);
            }
            Command::ShutdownTimeout(timeout) => self.shutdown_timeout = timeout,
            Command::Hold => self.hold = true,
        }
    }

    /// Carries out every command sent so far.
    pub(crate) fn apply_pending(&mut self) {
        let Some((_, receiver)) = &mut self.commands else {
            return;
        };
        let mut pending = Vec::new();
        while let Ok(command) = receiver.try_recv() {
            pending.push(command);
        }
        for command in pending {
            self.apply(command);
        }
    }
}
