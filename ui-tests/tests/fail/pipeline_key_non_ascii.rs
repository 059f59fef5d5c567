use topology::pipeline;

#[pipeline(key = "données")]
async fn donnees() {}

fn main() {}
