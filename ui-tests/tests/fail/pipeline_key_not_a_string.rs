use topology::pipeline;

const KEY: &str = "orders";

#[pipeline(key = 42)]
async fn number() {}

#[pipeline(key = KEY)]
async fn constant() {}

#[pipeline(key)]
async fn no_value() {}

fn main() {}
