use topology::{State, pipeline, topology};

struct Lake;

fn open() -> Result<Lake, Box<dyn std::error::Error>> {
    Ok(Lake)
}

#[pipeline(key = "orders")]
async fn orders(_lake: State<Lake>) {}

topology! {
    state: open(),
    main: false,
    pipelines: [orders],
}

fn main() {}
