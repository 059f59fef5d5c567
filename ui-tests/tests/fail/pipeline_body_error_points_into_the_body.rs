use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() -> Result<(), std::io::Error> {
    let count: u32 = "three";
    let _ = count;
    Ok(())
}

fn main() {}
