//! Every field value is read as what it is: commas inside generics,
//! turbofish, closures with return types, blocks and nested macros stay in
//! the value, with no parentheses needed.
#![deny(warnings)]

use std::collections::HashMap;

use topology::{State, pipeline};

struct Lake(usize);

/// Settings with two type parameters: a comma inside `app:`'s type.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Pair<A, B> {
    first: A,
    second: B,
}

#[pipeline(key = "orders")]
async fn orders(lake: State<Lake>) {
    let _ = lake.0;
}

mod closure_with_a_return_type {
    use std::collections::HashMap;

    use super::{Lake, Pair};

    topology::topology! {
        app: Pair<String, HashMap<String, u32>>,
        state: |app: &Pair<String, HashMap<String, u32>>| -> Result<Lake, Box<dyn std::error::Error + Send + Sync>> { Ok(Lake(app.first.len() + app.second.len())) },
        main: false,
        metrics: off,
        pipelines: [super::orders],
    }
}

mod turbofish {
    use super::Lake;

    topology::topology! {
        state: Ok::<_, std::io::Error>(Lake(1)),
        main: false,
        pipelines: [super::orders],
    }
}

mod block_and_macro {
    use super::Lake;

    topology::topology! {
        state: { let sizes: [u8; 3] = [1, 2, 3]; Lake(sizes.len()) },
        instances: concat!("pipelines:", "\n"),
        main: false,
        pipelines: [super::orders],
    }
}

fn main() {
    let _: HashMap<String, String> = HashMap::new();
}
