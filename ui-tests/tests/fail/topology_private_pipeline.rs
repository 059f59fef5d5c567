use topology::topology;

mod tables {
    use topology::pipeline;

    #[pipeline(key = "orders")]
    async fn orders() {}
}

topology! {
    pipelines: [tables::orders],
}
