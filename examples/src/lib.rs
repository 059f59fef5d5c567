//! A topology in a library: its pipelines and generated items, documented
//! as a library's readers meet them (`cargo doc -p topology-examples`).
//! The programs are in `src/bin/`.

/// The tables a library offers to programs that embed it.
pub mod tables {
    use topology::{Instance, Key, pipeline, topology};

    /// One table: where its rows come from.
    #[derive(Debug, serde::Deserialize)]
    pub struct Table {
        /// Where the table's rows come from.
        pub source: String,
    }

    /// Reads one table.
    #[pipeline(key = "ingest", each = Table)]
    pub async fn ingest(table: Instance<Table>, key: Key) {
        tracing::info!(%key, source = %table.source, "ingesting");
    }

    /// Reports on every table.
    #[pipeline(key = "report", interval = "30s")]
    pub async fn report() -> Result<(), std::io::Error> {
        Ok(())
    }

    topology! {
        typetag: "table",
        instances: "pipelines:\n  ingest:\n    orders: { source: memory://orders }\n",
        main: false,
        pipelines: [ingest, report],
    }
}
