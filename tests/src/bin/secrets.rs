//! A program for the secrets test: every path a credential can take to the
//! output. The lake URL (from the `app:` settings) carries a password and a
//! SAS-style signature; the state may fail with it; a pipeline fails with it,
//! another panics with it, and a third logs its whole context (the storage
//! pool, the cloud variables, the options) with `Debug`.

use topology::{PipelineContext, State, StorageError, pipeline, topology};

/// The program's own settings.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Secrets {
    /// An object-store URL with credentials in it.
    lake_url: String,
    /// A credential passed as a client option.
    option_secret: String,
    /// Makes the state fail, with the URL in its error.
    fail_state: bool,
}

/// The shared state: the settings, once the state accepted them.
struct Lake(Secrets);

impl Lake {
    fn open(settings: &Secrets) -> Result<Self, String> {
        if settings.fail_state {
            return Err(format!("cannot reach the lake at {}", settings.lake_url));
        }
        Ok(Self(Secrets {
            lake_url: settings.lake_url.clone(),
            option_secret: settings.option_secret.clone(),
            fail_state: false,
        }))
    }
}

#[pipeline(key = "opens")]
async fn opens(ctx: PipelineContext, lake: State<Lake>) -> Result<(), StorageError> {
    let options = [("aws_secret_access_key", lake.0.option_secret.as_str())];
    ctx.store_with_options(&lake.0.lake_url, options)?;
    ctx.store(&format!("unknown://user:{}@host", lake.0.option_secret))?;
    Ok(())
}

#[pipeline(key = "panics")]
async fn panics(lake: State<Lake>) {
    panic!("cannot parse the answer from {}", lake.0.lake_url);
}

/// A user's own type holding the context, logged with `Debug`.
#[expect(dead_code, reason = "read only by `Debug`")]
#[derive(Debug)]
struct Holder {
    ctx: PipelineContext,
}

#[pipeline(key = "logs")]
async fn logs(ctx: PipelineContext, lake: State<Lake>) {
    let options = [("aws_secret_access_key", lake.0.option_secret.as_str())];
    let url = format!("memory://user:{}@lake", lake.0.option_secret);
    let _ = ctx.store_with_options(&url, options);
    tracing::info!(holder = ?Holder { ctx: ctx.clone() }, "context of logs");
    tracing::info!("the lake is {}", lake.0.lake_url);
    ctx.shutdown.cancelled().await;
}

topology! {
    typetag: "secrets",
    description: "The secrets test's program",
    app: Secrets,
    state: Lake::open,
    pipelines: [opens, panics, logs],
}
