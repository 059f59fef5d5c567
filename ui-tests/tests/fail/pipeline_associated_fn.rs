use topology::pipeline;

struct Ingest;

impl Ingest {
    #[pipeline(key = "orders")]
    async fn orders() {}
}

fn main() {}
