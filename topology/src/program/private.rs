//! Items named by the code `topology!` and `#[pipeline]` generate. Not a
//! public API: it changes without notice.

pub use crate::program::app::help::{FieldHelp, HelpOf, ViaFieldHelp, ViaNoHelp};
pub use crate::program::app::shape::{MaybeAStruct, ShapeProbe, assert_app_shape};
pub use crate::program::app::{AppSettings, AppSettingsType};
pub use crate::program::dsl::args::{
    Absent, Arg, Build, Buildable, FromEntries, FromEntry, FromState, NotInjectable, PipelineArg, Probe,
    ViaFromContext, assert_pipeline_arg,
};
pub use crate::program::dsl::const_str::{Listing, Repeat, is_family, message_text, repeat_message, repeat_of};
pub use crate::program::dsl::families::{
    ArgNeeds, HasFamily, Here, Need, NeedsMet, SourceKind, SourceNeeds, TakesEntries, There, assert_needs_met,
};
pub use crate::program::dsl::result::{
    BoxError, Output, PipelineError, PipelineResult, ViaInvalidResult, ViaPipelineResult, assert_pipeline_error,
    assert_pipeline_result,
};
pub use crate::program::dsl::state::{AsyncState, FallibleState, PlainState, ReadyState, state_from_app, state_value};
pub use crate::program::dsl::{
    Deps, EntryType, PipelineFn, PipelineInfo, Planned, ScheduledRun, plan_family, plan_single, run_scheduled,
};
pub use crate::program::entry::{main, main_with_args, run, run_with_args, start};
pub use crate::program::error::ProgramError;
pub use crate::program::inject::FromContext;
pub use crate::program::instance::{Instance, InstanceSource, entries::FamilyTable};
pub use crate::program::launch::Blueprint;
pub use crate::program::listing::{PipelineListing, list_pipelines};
pub use crate::program::policy::Schedule;
pub use crate::program::settings::Settings;
pub use crate::program::spec::ProgramSpec;
pub use crate::program::started::StartedTopology;
pub use crate::runtime::config::{FailurePolicy, GlobalConfig};
pub use crate::runtime::error::TopologyError;
/// The most permits a semaphore holds, for the bound `topology!` checks.
pub const MAX_CONCURRENCY: usize = crate::runtime::config::GlobalConfig::MAX_CONCURRENCY;
pub use crate::runtime::metrics::server::MetricsAddress;
pub use crate::runtime::pipeline::Pipeline;
pub use crate::runtime::reporter::RunReporter;
pub use crate::runtime::restart::RestartPolicy;
pub use std::{boxed::Box, sync::Arc, vec::Vec};

pub use core::{
    convert::Infallible,
    fmt,
    future::Future,
    option::Option::{self, None, Some},
    result::Result::{self, Err, Ok},
    time::Duration,
};
pub use std::process::ExitCode;
pub use std::string::ToString;
