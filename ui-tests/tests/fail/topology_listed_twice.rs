use topology::topology;

mod tables {
    use topology::pipeline;

    #[pipeline(key = "orders")]
    pub async fn orders() {}
}

topology! {
    pipelines: [tables::orders, tables::orders],
}
