use std::rc::Rc;

use topology::pipeline;

#[pipeline(key = "orders")]
async fn orders() {
    let counter = Rc::new(1);
    std::future::ready(()).await;
    drop(counter);
}

fn main() {}
