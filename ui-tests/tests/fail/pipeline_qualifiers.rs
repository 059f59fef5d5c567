use topology::pipeline;

#[pipeline(key = "a")]
const async fn constant() {}

#[pipeline(key = "b")]
async unsafe fn not_safe() {}

#[pipeline(key = "c")]
async extern "C" fn foreign() {}

fn main() {}
