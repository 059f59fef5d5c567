//! `state:` may be asynchronous: an `async fn` of the `app:` settings (its
//! future borrowing them), an `async` block, or a future of a `Result`,
//! awaited once at start; its error stops the start as a plain one does.
#![deny(warnings)]

use topology::{RunningTopology, State, pipeline};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct App {
    url: String,
}

struct Lake(String);

impl Lake {
    async fn connect(app: &App) -> Result<Self, std::io::Error> {
        std::future::ready(()).await;
        if app.url.is_empty() {
            return Err(std::io::Error::other("no lake url"));
        }
        Ok(Self(app.url.clone()))
    }
}

#[pipeline(key = "orders")]
async fn orders(lake: State<Lake>) {
    assert!(lake.0.starts_with("memory://"));
}

mod async_fn_of_the_settings {
    topology::topology! {
        app: super::App,
        state: super::Lake::connect,
        main: false,
        metrics: off,
        pipelines: [super::orders],
    }
}

mod async_block {
    topology::topology! {
        state: async { super::Lake("memory://block".to_owned()) },
        main: false,
        metrics: off,
        pipelines: [super::orders],
    }
}

fn main() {
    topology::block_on(async {
        let settings = async_fn_of_the_settings::Topology::settings()
            .with_global(|global| global.with_poll_jitter_secs(0))
            .with_app(&App {
                url: "memory://lake".to_owned(),
            });
        let stats = async_fn_of_the_settings::Topology::start(&settings)
            .await
            .unwrap()
            .run_to_completion()
            .await;
        assert_eq!(stats.counts().completed, 1);

        // The async state's error stops the start.
        let error = async_fn_of_the_settings::Topology::start(&settings.with_app(&App::default()))
            .await
            .err()
            .unwrap();
        assert!(topology::ProgramError::to_string(&error).contains("cannot build the state"));

        let settings = async_block::Topology::settings().with_global(|global| global.with_poll_jitter_secs(0));
        let stats = async_block::Topology::start(&settings)
            .await
            .unwrap()
            .run_to_completion()
            .await;
        assert_eq!(stats.counts().completed, 1);
    })
    .unwrap();
}
