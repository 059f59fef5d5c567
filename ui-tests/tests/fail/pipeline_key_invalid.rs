use topology::pipeline;

#[pipeline(key = "")]
async fn empty() {}

#[pipeline(key = "orders table")]
async fn space() {}

#[pipeline(key = "orders/2024")]
async fn slash() {}

fn main() {}
