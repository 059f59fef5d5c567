//! A `state:` whose `Result` error is not an error type is refused at
//! `state:`, in one message, instead of being taken as the state itself.
use topology::{pipeline, topology};

#[derive(Debug)]
struct ConfigError;

fn validate() -> Result<(), ConfigError> {
    Ok(())
}

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    state: validate(),
    main: false,
    pipelines: [orders],
}

fn main() {}
