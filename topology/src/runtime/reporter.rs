//! The handle a pipeline's own code reports through: its restarts and its
//! iterations, into the runner's record of the run.

use std::sync::Arc;

use crate::runtime::record::PipelineRecord;

/// Where a pipeline's run reports its restarts and iterations: the runner's
/// record of that run. [`Supervisor::reporting_to`](crate::Supervisor::reporting_to)
/// and [`run_every_reporting`](crate::run_every_reporting) take one; the
/// runner hands it to
/// [`Pipeline::run_reporting`](crate::Pipeline::run_reporting). A detached
/// reporter (the default) reports nowhere, for code run outside a runner.
///
/// ```
/// use topology::RunReporter;
///
/// let reporter = RunReporter::default();
/// assert!(reporter.is_detached());
/// ```
#[derive(Clone, Debug, Default)]
pub struct RunReporter(Option<Arc<PipelineRecord>>);

impl RunReporter {
    /// Reports to `record`.
    pub(crate) fn to(record: &Arc<PipelineRecord>) -> Self {
        Self(Some(Arc::clone(record)))
    }

    /// Whether it reports nowhere.
    pub fn is_detached(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn record(&self) -> Option<&PipelineRecord> {
        self.0.as_deref()
    }
}
