use topology::{pipeline, topology};

#[pipeline(key = "orders")]
async fn orders() {}

topology! {
    typetag: table,
    main: yes,
    pipelines: [orders],
}
