//! A `#[pipeline]` function stays an ordinary function: a unit test can call
//! it with arguments of its own.

use topology::{PipelineContext, State, pipeline};

struct AppState {
    rows: u32,
}

#[pipeline(key = "orders")]
async fn orders(_ctx: PipelineContext, state: State<AppState>) -> Result<(), std::io::Error> {
    if state.rows == 0 {
        Err(std::io::Error::other("no rows"))
    } else {
        Ok(())
    }
}

fn main() {
    let called = topology::block_on(orders(
        PipelineContext::default().with_poll_jitter_secs(0),
        State::new(AppState { rows: 3 }),
    ));
    assert!(called.unwrap().is_ok());
    let called = topology::block_on(orders(
        PipelineContext::default().with_poll_jitter_secs(0),
        State::new(AppState { rows: 0 }),
    ));
    assert!(called.unwrap().is_err());
}
