//! A program whose `app:` settings put two fields on one flag: it must say
//! so and exit 2, never panic.

use topology::{pipeline, topology};

/// Two fields, one flag: `--app-lake-url`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Clash {
    lake_url: String,
    #[serde(rename = "lake-url")]
    lake_url_too: String,
}

#[pipeline(key = "idle")]
async fn idle() {}

topology! {
    app: Clash,
    pipelines: [idle],
}
