use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders<T: Send>(_value: T) {}

#[pipeline(key = "events")]
async fn events(_value: impl Send) {}

fn main() {}
