//! Any identifier that is a valid function name gives a valid, distinct,
//! lint-clean variant of `PipelineId`.
#![deny(warnings)]

use topology::{pipeline, topology};

#[pipeline(key = "type")]
async fn r#type() {}

#[pipeline(key = "audit")]
async fn _2fa_audit() {}

#[pipeline(key = "events-a")]
async fn events_2024() {}

#[pipeline(key = "events-b")]
async fn events2024() {}

#[pipeline(key = "eclair")]
async fn éclair() {}

#[pipeline(key = "std")]
async fn std() {}

#[pipeline(key = "self")]
async fn self_() {}

mod a {
    #[topology::pipeline(key = "a.orders")]
    pub(crate) async fn orders() {}
}

mod b {
    #[topology::pipeline(key = "b.orders")]
    pub(crate) async fn orders() {}
}

topology! {
    metrics: off,
    main: false,
    pipelines: [r#type, _2fa_audit, events_2024, events2024, éclair, std, self_, a::orders, b::orders],
}

fn main() {
    let ids = [
        PipelineId::Type,
        PipelineId::_2faAudit,
        PipelineId::Events2024,
        PipelineId::Events2024_2,
        PipelineId::Éclair,
        PipelineId::Std,
        PipelineId::_Self,
        PipelineId::AOrders,
        PipelineId::BOrders,
    ];
    let keys: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    assert_eq!(
        keys,
        [
            "type", "audit", "events-a", "events-b", "eclair", "std", "self", "a.orders", "b.orders"
        ]
    );
    assert_eq!(PipelineId::ALL, ids);
}
