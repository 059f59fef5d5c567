use topology::pipeline;

#[pipeline(key = "a", restart = "always")]
async fn a() {}

#[pipeline(key = "b", max_restarts = 3)]
async fn b() {}

#[pipeline(key = "c", restart = "on-failure", backoff_min = "1m", backoff_max = "1s")]
async fn c() {}

#[pipeline(key = "d", restart = "on-failure", restart_window = "soon", max_restarts = "3")]
async fn d() {}

// Reported at the backoff bounds, not at the first bound written.
#[pipeline(key = "e", restart = "on-failure", max_restarts = 2, backoff_min = "1m", backoff_max = "1s")]
async fn e() {}

fn main() {}
