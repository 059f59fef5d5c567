use topology::{State, pipeline, topology};

struct AppState;
struct OtherState;

#[pipeline(key = "orders")]
async fn orders(_state: State<AppState>) {}

#[pipeline(key = "events")]
async fn events(_state: State<OtherState>) {}

topology! {
    state: AppState,
    pipelines: [orders, events],
}
