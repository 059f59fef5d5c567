use topology::pipeline;

#[pipeline("orders")]
async fn orders() {}

fn main() {}
