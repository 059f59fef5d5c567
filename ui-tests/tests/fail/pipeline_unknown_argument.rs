use topology::pipeline;

#[pipeline(kye = "orders")]
async fn typo() {}

#[pipeline(key = "events", intervall = "30s")]
async fn typo_interval() {}

#[pipeline(key = "jobs", retries = 3)]
async fn unknown() {}

#[pipeline(key = "paths", a::b = "x")]
async fn path_argument() {}

fn main() {}
