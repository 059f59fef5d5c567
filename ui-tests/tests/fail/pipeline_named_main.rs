use topology::pipeline;

#[pipeline(key = "main")]
async fn main() {}
