//! What a run of a topology ended with.

use std::{fmt, process::ExitCode, time::Duration};

use crate::runtime::{
    key_list::{KEYS_SHOWN, key_list},
    task::{TaskError, TaskResult},
};

/// The kind of a pipeline's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// It returned `Ok`.
    Completed,
    /// It returned an error.
    Failed,
    /// Shutdown began before it started.
    Cancelled,
    /// It panicked.
    Panicked,
    /// It was aborted at the shutdown deadline.
    TimedOut,
    /// It was aborted by a forced shutdown.
    Aborted,
}

impl OutcomeKind {
    /// Every kind, in the order the summary line gives them.
    pub const ALL: [Self; 6] = [
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
        Self::Panicked,
        Self::TimedOut,
        Self::Aborted,
    ];

    /// The kind of `result`.
    pub fn of(result: &TaskResult) -> Self {
        match result {
            Ok(_) => Self::Completed,
            Err(TaskError::Failed { .. }) => Self::Failed,
            Err(TaskError::Cancelled) => Self::Cancelled,
            Err(TaskError::Panicked { .. }) => Self::Panicked,
            Err(TaskError::TimedOut) => Self::TimedOut,
            Err(TaskError::Aborted) => Self::Aborted,
        }
    }

    /// The snake-case name used in logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Panicked => "panicked",
            Self::TimedOut => "timed_out",
            Self::Aborted => "aborted",
        }
    }

    /// Whether this outcome makes the process exit non-zero.
    pub fn is_failure(self) -> bool {
        !matches!(self, Self::Completed | Self::Cancelled)
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one pipeline ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct PipelineOutcome<K> {
    /// The pipeline's key.
    pub key: K,
    /// What its task ended with.
    pub result: TaskResult,
    /// Time from the start of the topology to this pipeline's end, start
    /// jitter included.
    pub elapsed: Duration,
    /// How many times it was restarted after a failure (restart policy).
    pub restarts: u32,
}

impl<K> PipelineOutcome<K> {
    /// The kind of this outcome.
    pub fn kind(&self) -> OutcomeKind {
        OutcomeKind::of(&self.result)
    }
}

/// How many pipelines ended each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutcomeCounts {
    /// Returned `Ok`.
    pub completed: usize,
    /// Returned an error.
    pub failed: usize,
    /// Never started: shutdown came during their start jitter.
    pub cancelled: usize,
    /// Panicked.
    pub panicked: usize,
    /// Aborted at the shutdown deadline.
    pub timed_out: usize,
    /// Aborted by a forced shutdown.
    pub aborted: usize,
}

impl OutcomeCounts {
    /// The count for `kind`.
    pub fn get(&self, kind: OutcomeKind) -> usize {
        match kind {
            OutcomeKind::Completed => self.completed,
            OutcomeKind::Failed => self.failed,
            OutcomeKind::Cancelled => self.cancelled,
            OutcomeKind::Panicked => self.panicked,
            OutcomeKind::TimedOut => self.timed_out,
            OutcomeKind::Aborted => self.aborted,
        }
    }

    pub(crate) fn add(&mut self, kind: OutcomeKind) {
        let count = match kind {
            OutcomeKind::Completed => &mut self.completed,
            OutcomeKind::Failed => &mut self.failed,
            OutcomeKind::Cancelled => &mut self.cancelled,
            OutcomeKind::Panicked => &mut self.panicked,
            OutcomeKind::TimedOut => &mut self.timed_out,
            OutcomeKind::Aborted => &mut self.aborted,
        };
        *count += 1;
    }

    /// How many outcomes in all.
    pub fn total(&self) -> usize {
        OutcomeKind::ALL.iter().map(|kind| self.get(*kind)).sum()
    }

    /// How many failed, panicked, timed out or were aborted.
    pub fn failures(&self) -> usize {
        OutcomeKind::ALL
            .iter()
            .filter(|kind| kind.is_failure())
            .map(|kind| self.get(*kind))
            .sum()
    }
}

/// Every pipeline's outcome from one run of a topology.
///
/// ```
/// # topology::block_on(async {
/// use topology::{OutcomeKind, PipelineContext, PipelineRunner, RunningTopology, Task, TaskError, TaskOutput};
///
/// let ctx = PipelineContext::default().with_poll_jitter_secs(0);
/// let tasks = [
///     Task::new("a", "job", async { Ok(TaskOutput::default()) }),
///     Task::new("b", "job", async { Err(TaskError::failed(std::io::Error::other("disk full"))) }),
/// ];
/// let stats = PipelineRunner::new(ctx, "job").start_tasks(tasks).run_to_completion().await;
/// assert_eq!(stats.counts().completed, 1);
/// assert!(!stats.is_success());
/// assert_eq!(stats.not_completed().collect::<Vec<_>>(), [(&"b", OutcomeKind::Failed)]);
/// assert_eq!(stats.exit_code(), std::process::ExitCode::FAILURE);
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RunStats<K> {
    /// One outcome per run, in the order they ended; but for the runs
    /// whose entries a reload removed or changed, which are counted in
    /// [`forgotten`](Self::forgotten).
    pub outcomes: Vec<PipelineOutcome<K>>,
    /// How the runs whose entries a reload removed or changed ended: each
    /// was logged with its key when it ended, and is counted here rather
    /// than kept, so that a long-lived topology reloaded again and again
    /// does not grow.
    pub forgotten: OutcomeCounts,
    /// Whether a second signal forced the shutdown.
    pub forced: bool,
}

impl<K> Default for RunStats<K> {
    fn default() -> Self {
        Self {
            outcomes: Vec::new(),
            forgotten: OutcomeCounts::default(),
            forced: false,
        }
    }
}

impl<K> RunStats<K> {
    /// The exit code for a second signal that forced shutdown.
    pub const FORCED_EXIT_CODE: u8 = 130;

    /// How many runs ended each way, the forgotten ones included.
    pub fn counts(&self) -> OutcomeCounts {
        let mut counts = self.forgotten;
        for outcome in &self.outcomes {
            counts.add(outcome.kind());
        }
        counts
    }

    /// The outcome of the pipeline with this key, if it ran.
    pub fn outcome(&self, key: &K) -> Option<&PipelineOutcome<K>>
    where
        K: PartialEq,
    {
        self.outcomes.iter().find(|outcome| outcome.key == *key)
    }

    /// The keys of the pipelines that did not complete, with how they ended.
    pub fn not_completed(&self) -> impl Iterator<Item = (&K, OutcomeKind)> {
        self.outcomes
            .iter()
            .map(|outcome| (&outcome.key, outcome.kind()))
            .filter(|(_, kind)| *kind != OutcomeKind::Completed)
    }

    /// True when no pipeline failed, panicked or was aborted, and shutdown
    /// was not forced.
    pub fn is_success(&self) -> bool {
        !self.forced
            && self.forgotten.failures() == 0
            && self.outcomes.iter().all(|outcome| !outcome.kind().is_failure())
    }

    /// The process exit code: 0 when every pipeline completed or was
    /// cancelled, 1 when one failed, panicked or timed out, 130 when a second
    /// signal forced the shutdown.
    pub fn exit_code(&self) -> ExitCode {
        if self.forced {
            ExitCode::from(Self::FORCED_EXIT_CODE)
        } else if self.is_success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

impl<K: fmt::Display> RunStats<K> {
    /// How many keys the summary line names; the rest are counted.
    pub const SUMMARY_KEYS: usize = KEYS_SHOWN;

    /// The closing summary line: the counts, and the keys that did not
    /// complete with how they ended.
    pub fn summary(&self) -> String {
        let counts = self.counts();
        let mut line = format!("{} pipelines:", counts.total());
        let mut first = true;
        for kind in OutcomeKind::ALL {
            let count = counts.get(kind);
            if count > 0 || matches!(kind, OutcomeKind::Completed | OutcomeKind::Failed) {
                line.push_str(if first { " " } else { ", " });
                line.push_str(&format!("{count} {}", kind.as_str().replace('_', " ")));
                first = false;
            }
        }
        let mut rest = self.not_completed().peekable();
        if rest.peek().is_some() {
            // Capped: the whole list is in `outcomes`.
            line.push_str("; not completed: ");
            line.push_str(&key_list(rest.map(|(key, kind)| format!("{key} ({kind})"))));
        }
        if self.forced {
            line.push_str("; shutdown forced by a second signal");
        }
        line
    }
}
