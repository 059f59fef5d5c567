use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() -> u32 {
    0
}

#[pipeline(key = "events")]
async fn events() -> Option<()> {
    None
}

fn main() {}
