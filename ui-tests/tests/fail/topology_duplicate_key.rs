use topology::topology;

mod pipelines {
    use topology::pipeline;

    #[pipeline(key = "orders")]
    pub async fn orders() {}

    #[pipeline(key = "orders")]
    pub async fn payments() {}

    #[pipeline(key = "refunds")]
    pub async fn refunds() {}

    #[pipeline(key = "refunds")]
    pub async fn chargebacks() {}
}

topology! {
    pipelines: [
        pipelines::orders,
        pipelines::payments,
        pipelines::refunds,
        pipelines::chargebacks,
    ],
}
