//! A parameter under a `#[cfg]` that is off is not injected (the compiler
//! removes it from the function), even when its type exists only under
//! that `cfg`; one whose `#[cfg]` is on is injected as usual.
#![deny(warnings)]

use topology::{Key, RunningTopology, State, pipeline, topology};

#[cfg(any())]
struct OnlyWhenOff;

struct Lake(&'static str);

#[pipeline(key = "orders")]
async fn orders(
    #[cfg(any())] off: State<OnlyWhenOff>,
    #[cfg(not(any()))] key: Key,
    #[cfg(not(any()))]
    #[cfg(not(all(any(), not(any()))))]
    lake: State<Lake>,
) {
    assert_eq!(key.as_str(), "orders");
    assert_eq!(lake.0, "memory://lake");
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    state: Lake("memory://lake"),
    main: false,
    pipelines: [orders],
}

fn main() {
    let stats = topology::block_on(async {
        let running = Topology::start(&Topology::settings()).await.unwrap();
        running.run_to_completion().await
    })
    .unwrap();
    assert_eq!(stats.counts().completed, 1);
}
