use topology::{Instance, State, pipeline};

mod checkpoint {
    /// Does not implement `FromContext`.
    pub struct State;
}

struct Table;
struct AppState;

// A user's own `State` without `FromContext` is not the framework's.
#[pipeline(key = "orders")]
async fn orders(_checkpoint: checkpoint::State, _state: State<AppState>) {}

// `Instance<T>` without `each = T`.
#[pipeline(key = "events")]
async fn events(_table: Instance<Table>) {}

fn main() {}
