use topology::pipeline;

#[pipeline(key = "orders", crate = 456)]
async fn orders() {}

#[pipeline(key = "events", crate = "456")]
async fn events() {}

fn main() {}
