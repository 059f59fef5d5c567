//! The glue between `#[pipeline]` functions and the runtime, named by the
//! generated code through `topology::__private` only.

pub(crate) mod args;
pub(crate) mod const_str;
pub(crate) mod families;
pub(crate) mod result;
pub(crate) mod state;

use std::{pin::Pin, sync::Arc, time::Duration};

use serde::de::DeserializeOwned;

use crate::{
    program::{
        dsl::result::BoxError,
        error::ProgramError,
        inject::Key,
        instance::{Instance, InstanceSource, entries::FamilyTable, locate::family_entries},
        policy::Schedule,
    },
    runtime::{
        context::PipelineContext,
        interval::run_every_reporting,
        reporter::RunReporter,
        restart::{RestartPolicy, Supervisor},
    },
};

/// What one pipeline of a topology is given to build its arguments from.
pub struct Deps<S> {
    /// The shared context.
    pub ctx: PipelineContext,
    /// The topology's state.
    pub state: Arc<S>,
    /// The pipeline's key.
    pub key: Key,
    /// Every family's entries, for `Entries<T>` arguments.
    pub families: Arc<FamilyTable>,
    /// Its interval and restart policy: `#[pipeline(...)]`'s, with what
    /// configuration sets over them.
    pub schedule: Schedule,
}

/// A `#[pipeline]` function's key and name, seen through the hidden struct
/// the attribute generates beside it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline",
    label = "not a `#[pipeline]` function",
    note = "annotate the `async fn` with `#[topology::pipeline(key = \"...\")]`"
)]
pub trait PipelineInfo {
    /// The key given in `#[pipeline(key = "...")]`; empty when the attribute
    /// had errors (already reported).
    const KEY: &'static str;
    /// The function's name, for messages.
    const NAME: &'static str;
    /// Where the function is defined (`module::name`): one function listed
    /// through two paths has one `ID`.
    const ID: &'static str;
    /// Whether the function is a family (`each = T`).
    const FAMILY: bool;
    /// The period of an interval pipeline.
    const INTERVAL: Option<Duration>;
    /// The restart policy, if any.
    const RESTART: Option<RestartPolicy>;
    /// What each of its pipelines receives: `()`, or `Instance<T>` for a family.
    type Instance: Send + Sync + 'static;
    /// What its arguments need of the topology's families: one
    /// `PipelineArg::Source` per argument, `(S0, (S1, ... ()))`.
    type Needs;
    /// Its pipelines: one, or one per entry of the family, named. A family
    /// also records its entries in `families`.
    fn plan(
        sources: &[InstanceSource],
        declared: &[(&'static str, bool)],
        families: &mut FamilyTable,
    ) -> Result<Vec<Planned<Self::Instance>>, ProgramError>;
}

/// One pipeline to start: its entry's name (for a family) and what it
/// receives.
pub struct Planned<I> {
    /// The entry's name: the `<name>` of the key `<family>/<name>`.
    pub name: Option<Arc<str>>,
    /// What the pipeline receives: `()`, or its `Instance<T>`.
    pub instance: I,
}

/// The plan of a single pipeline.
pub fn plan_single() -> Result<Vec<Planned<()>>, ProgramError> {
    Ok(vec![Planned {
        name: None,
        instance: (),
    }])
}

/// The plan of a family: one pipeline per entry.
pub fn plan_family<T: EntryType>(
    sources: &[InstanceSource],
    declared: &[(&'static str, bool)],
    families: &mut FamilyTable,
    family: &'static str,
) -> Result<Vec<Planned<Instance<T>>>, ProgramError> {
    let declared_families: Vec<&'static str> = declared
        .iter()
        .filter(|(_, family)| *family)
        .map(|(key, _)| *key)
        .collect();
    let (entries, source) = family_entries::<T>(sources, &declared_families, family)?;
    families.insert(family, source, &entries);
    Ok(entries
        .into_iter()
        .map(|instance| Planned {
            name: Some(Arc::from(instance.name())),
            instance,
        })
        .collect())
}

/// The type of a family's entries.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a pipeline family's entries",
    label = "entries are deserialized from the configuration",
    note = "`each = T` needs `T: serde::Deserialize + Send + Sync + 'static`: add `#[derive(serde::Deserialize)]`"
)]
pub trait EntryType: DeserializeOwned + Send + Sync + 'static {}

impl<T: DeserializeOwned + Send + Sync + 'static> EntryType for T {}

/// A `#[pipeline]` function, callable in a topology whose state is `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline",
    label = "listed in this topology",
    note = "annotate the `async fn` with `#[topology::pipeline(key = \"...\")]`"
)]
pub trait PipelineFn<S>: 'static {
    /// What each pipeline receives besides its deps (see [`PipelineInfo::Instance`]).
    type Instance: Send + Sync + 'static;
    /// Runs the function once with injected arguments.
    fn call(deps: &Deps<S>, instance: &Self::Instance) -> impl Future<Output = Result<(), BoxError>> + Send + 'static;
    /// Runs the pipeline as its schedule says ([`run_scheduled`]). Its
    /// restarts and iterations go to `reporter`, the run's record.
    fn run(deps: Deps<S>, instance: Self::Instance, reporter: RunReporter) -> ScheduledRun;
}

/// A pipeline function's run, as [`run_scheduled`] starts it: one boxed
/// future type for every pipeline function, so that the generated dispatch
/// over a topology's pipelines is a plain match.
pub type ScheduledRun = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

/// Runs a pipeline function as its schedule says: once or every interval
/// until shutdown; restarted after failures as its policy says, or not (an
/// interval pipeline's failed iteration is retried after the backoff, and
/// the budget spans the iterations). Decided when it starts, since
/// configuration may change either.
///
/// Only the call is built per pipeline function; the scheduling
/// (`run_schedule`) is compiled once for every pipeline of every
/// program, which keeps a large topology's build short.
pub fn run_scheduled<S, F: PipelineFn<S>>(deps: Deps<S>, instance: F::Instance, reporter: RunReporter) -> ScheduledRun
where
    S: Send + Sync + 'static,
{
    let ctx = deps.ctx.clone();
    let schedule = deps.schedule;
    let call: Call = Box::new(move || Box::pin(F::call(&deps, &instance)));
    Box::pin(run_schedule(ctx, schedule, reporter, call))
}

/// One call of a pipeline function, boxed: the one type the scheduling
/// sees.
type Call = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>> + Send + Sync>;

/// The scheduling of [`run_scheduled`], for any pipeline function.
async fn run_schedule(
    ctx: PipelineContext,
    Schedule { interval, restart }: Schedule,
    reporter: RunReporter,
    call: Call,
) -> Result<(), BoxError> {
    let supervisor = restart.map(|policy| Supervisor::new(policy).reporting_to(reporter.clone()));
    let attempt = || async {
        match &supervisor {
            Some(supervisor) => supervisor.run(&ctx, &call).await,
            None => call().await,
        }
    };
    match interval {
        Some(period) => run_every_reporting(&ctx, period, &reporter, attempt).await,
        None => attempt().await,
    }
}
