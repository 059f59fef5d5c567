//! A program for the `app:` settings tests: fields of every shape (text,
//! optional text, a list, a map, one its defaults leave out), printed once
//! the state has read them.

use std::collections::BTreeMap;

use topology::{State, pipeline, topology};

/// Settings of every shape.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, topology::SettingsHelp)]
#[serde(default, deny_unknown_fields)]
struct Edges {
    /// A name, taken as text whatever it looks like.
    name: String,
    /// A region, if any.
    region: Option<String>,
    /// The tables to read.
    tables: Vec<String>,
    /// Limits by table.
    limits: BTreeMap<String, u32>,
    /// A file its defaults leave out.
    #[serde(skip_serializing_if = "Option::is_none")]
    token_file: Option<String>,
}

/// The settings, as read.
struct Read(String);

fn read(edges: &Edges) -> Read {
    Read(format!("{edges:?}"))
}

#[pipeline(key = "show")]
async fn show(read: State<Read>) {
    tracing::info!("settings read: {}", read.0);
}

topology! {
    typetag: "edges",
    app: Edges,
    state: read,
    pipelines: [show],
}
