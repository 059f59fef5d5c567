use topology::pipeline;

#[pipeline(key = "a", interval = "30")]
async fn no_unit() {}

#[pipeline(key = "b", interval = "3 weeks")]
async fn unknown_unit() {}

#[pipeline(key = "c", interval = "0s")]
async fn zero() {}

#[pipeline(key = "d", interval = 30)]
async fn not_a_string() {}

fn main() {}
