use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() -> Result<(), u32> {
    Err(1)
}

#[pipeline(key = "events")]
async fn events() -> Result<(), Box<dyn std::error::Error>> {
    Ok(())
}

fn main() {}
