use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() -> Result<(), String> {
    Ok(())
}

fn main() {}
