use topology::topology;

topology! {
    typetag: "table",
}
