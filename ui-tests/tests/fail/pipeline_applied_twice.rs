use topology::pipeline;

#[pipeline(key = "orders")]
#[pipeline(key = "events")]
async fn orders() {}

fn main() {}
