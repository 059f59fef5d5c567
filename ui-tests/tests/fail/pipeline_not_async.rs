use topology::pipeline;

#[pipeline(key = "orders")]
fn orders() {}

fn main() {}
