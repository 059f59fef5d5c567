use topology::pipeline;

#[pipeline]
async fn bare() {}

#[pipeline()]
async fn empty() {}

#[pipeline(interval = "30s")]
async fn only_interval() {}

fn main() {}
