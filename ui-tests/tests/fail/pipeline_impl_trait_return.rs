use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() -> impl std::fmt::Debug {}

fn main() {}
