//! A spawned unit of work with its key, and the ways it can end.

use std::{error::Error, fmt, pin::Pin};

use crate::runtime::error::chain;

/// A boxed, sendable future that ends with a [`TaskResult`].
pub type TaskFuture<'a> = Pin<Box<dyn Future<Output = TaskResult> + Send + 'a>>;

/// How a task ended.
pub type TaskResult = Result<TaskOutput, TaskError>;

/// A task that ended normally, with an optional message for the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskOutput {
    /// Said in the outcome's log line, if present.
    pub message: Option<String>,
}

impl TaskOutput {
    /// An output with a message.
    pub fn with_message(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
        }
    }
}

/// A task that did not end normally.
#[derive(Debug)]
#[non_exhaustive]
pub enum TaskError {
    /// Stopped (by shutdown, or by a reload that removed or changed its
    /// entry) before it started, or during its restart backoff.
    Cancelled,
    /// The task panicked; the panic message is kept.
    Panicked {
        /// The panic's message, or a placeholder if it was not a string.
        message: String,
    },
    /// The task returned an error.
    Failed {
        /// The error it returned.
        error: Box<dyn Error + Send + Sync + 'static>,
    },
    /// The task was still running when the shutdown deadline passed (or,
    /// replaced by a reload, when its successor's wait for it ran out), and
    /// was aborted.
    TimedOut,
    /// The task was aborted by a forced shutdown (a second signal).
    Aborted,
}

impl TaskError {
    /// A failure carrying `error`.
    pub fn failed(error: impl Error + Send + Sync + 'static) -> Self {
        Self::Failed { error: Box::new(error) }
    }

    /// A panic, with the message recovered from a panic payload.
    pub fn panicked(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&'static str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "(panic payload is not a string)".to_owned()
        };
        Self::Panicked { message }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cancelled => f.write_str("cancelled before it started"),
            Self::Panicked { message } => write!(f, "panicked: {message}"),
            // The whole source chain: the outermost error alone rarely says
            // what to fix; a cause the message already quotes is not repeated.
            Self::Failed { error } => write!(f, "failed: {}", chain(error.as_ref())),
            Self::TimedOut => f.write_str("still running at the shutdown deadline; aborted"),
            Self::Aborted => f.write_str("aborted by a forced shutdown"),
        }
    }
}

impl Error for TaskError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed { error } => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// An async unit of work with the key and type tag that identify it.
///
/// The runner turns each [`Pipeline`](crate::Pipeline) into a task; a task
/// can also be spawned directly with [`PipelineRunner::start_tasks`](crate::PipelineRunner::start_tasks).
///
/// ```
/// use topology::{Task, TaskOutput};
///
/// let task = Task::new("backfill", "job", async { Ok(TaskOutput::with_message("3 files")) });
/// assert_eq!(task.key, "backfill");
/// assert_eq!(task.typetag, "job");
/// ```
pub struct Task<K> {
    /// What identifies the task in logs, metrics and outcomes.
    pub key: K,
    /// The work.
    pub future: TaskFuture<'static>,
    /// The kind of component, such as `"table"` or `"pipeline"`.
    pub typetag: &'static str,
}

impl<K> Task<K> {
    /// A task running `future`.
    pub fn new(key: K, typetag: &'static str, future: impl Future<Output = TaskResult> + Send + 'static) -> Self {
        Self {
            key,
            future: Box::pin(future),
            typetag,
        }
    }
}

impl<K: fmt::Debug> fmt::Debug for Task<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("key", &self.key)
            .field("typetag", &self.typetag)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("invalid object store URL `not-a-url`: {source}")]
    struct BadUrl {
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("writing batch 7")]
    struct Batch(#[source] BadUrl);

    #[test]
    fn a_failure_names_each_cause_once() {
        let error = TaskError::failed(Batch(BadUrl {
            source: std::io::Error::other("relative URL without a base"),
        }));
        assert_eq!(
            error.to_string(),
            "failed: writing batch 7: invalid object store URL `not-a-url`: relative URL without a base"
        );
    }
}
