use topology::{PipelineContext, pipeline};

#[pipeline(key = "orders")]
async fn orders(_ctx: PipelineContext, _dry_run: bool, _name: String) {}

#[pipeline(key = "events")]
async fn events(_ctx: &PipelineContext) {}

fn main() {}
