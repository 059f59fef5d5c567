use topology::topology;

topology! {
    pipelines: [],
}
