use topology::pipeline;

#[pipeline(key = "")]
async fn empty() {}

#[pipeline(key = "orders table")]
async fn space() {}

#[pipeline(key = "orders/2024")]
async fn slash() {}

#[pipeline(key = "..")]
async fn dots() {}

#[pipeline(key = "-")]
async fn dash() {}

fn main() {}
