//! Items named by the code `topology!` and `#[pipeline]` generate. Not a
//! public API: it changes without notice.

pub use crate::FromContext;
pub use crate::dsl::{
    BoxError, Deps, Inject, Output, PipelineError, PipelineFn, PipelineInfo, PipelineResult,
    RunPipelineFn, ViaInvalidResult, ViaPipelineResult, as_str, assert_pipeline_error,
    assert_pipeline_result, concat, find_key, total_len,
};
pub use crate::program::{ProgramSpec, main, main_with_args, start};
pub use crate::{GlobalConfig, MetricsAddress, Pipeline, Settings, StartedTopology, TopologyError};

pub use core::{
    convert::Infallible,
    fmt,
    future::Future,
    option::Option::{self, None, Some},
    result::Result::{self, Err, Ok},
    time::Duration,
};
pub use std::process::ExitCode;
