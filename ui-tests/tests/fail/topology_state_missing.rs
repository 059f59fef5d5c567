use topology::{State, pipeline, topology};

struct AppState;

#[pipeline(key = "orders")]
async fn orders(_state: State<AppState>) {}

topology! {
    pipelines: [orders],
}
