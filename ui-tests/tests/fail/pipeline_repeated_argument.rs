use topology::pipeline;

#[pipeline(key = "orders", key = "events")]
async fn twice() {}

#[pipeline(key = "jobs", interval = "1s", interval = "2s")]
async fn interval_twice() {}

fn main() {}
