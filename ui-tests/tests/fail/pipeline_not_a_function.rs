use topology::pipeline;

#[pipeline(key = "orders")]
struct Orders;

#[pipeline(key = "events")]
const EVENTS: u32 = 1;

fn main() {
    let _ = Orders;
    let _ = EVENTS;
}
