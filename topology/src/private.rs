//! Items named by the code `topology!` and `#[pipeline]` generate. Not a
//! public API: it changes without notice.

pub use crate::FromContext;
pub use crate::dsl::{
    BoxError, Deps, Inject, InstanceArg, InstanceValue, Output, PipelineError, PipelineFn, PipelineInfo,
    PipelineResult, Planned, RunPipelineFn, ViaInvalidResult, ViaPipelineResult, as_str, assert_pipeline_error,
    assert_pipeline_result, concat, find_key, plan_family, plan_single, total_len,
};
pub use crate::program::{ProgramSpec, main, main_with_args, start};
pub use crate::{GlobalConfig, MetricsAddress, Pipeline, Settings, StartedTopology, TopologyError};
pub use crate::{Instance, InstanceSource};
pub use std::{sync::Arc, vec::Vec};

pub use core::{
    convert::Infallible,
    fmt,
    future::Future,
    option::Option::{self, None, Some},
    result::Result::{self, Err, Ok},
    time::Duration,
};
pub use std::process::ExitCode;
