//! Arguments are recognised by what their types are, not by how they are
//! spelled: a user's own `State` or `Instance` that implements `FromContext`
//! is injected as that, and a type passed through a `macro_rules!` fragment
//! is recognised.
#![deny(warnings)]

use topology::{FromContext, Key, PipelineContext, RunningTopology, State, pipeline, topology};

struct AppState {
    bucket: &'static str,
}

mod checkpoint {
    /// The user's own `State`: where a pipeline left off.
    pub(crate) struct State(pub(crate) String);

    impl topology::FromContext for State {
        fn from_context(_ctx: &topology::PipelineContext, key: &topology::Key) -> Self {
            Self(format!("checkpoints/{key}"))
        }
    }
}

mod ec2 {
    /// The user's own `Instance`: a machine, not a family entry.
    pub(crate) struct Instance(pub(crate) &'static str);

    impl topology::FromContext for Instance {
        fn from_context(_ctx: &topology::PipelineContext, _key: &topology::Key) -> Self {
            Self("i-0123")
        }
    }
}

struct Sink(String);

impl FromContext for Sink {
    fn from_context(_ctx: &PipelineContext, key: &Key) -> Self {
        Self(format!("memory://out/{key}"))
    }
}

#[pipeline(key = "resume")]
async fn resume(checkpoint: checkpoint::State, machine: ec2::Instance, state: State<AppState>) {
    assert_eq!(checkpoint.0, "checkpoints/resume");
    assert_eq!(machine.0, "i-0123");
    assert_eq!(state.bucket, "memory://lake");
}

macro_rules! pipeline_taking {
    ($name:ident, $key:literal, $state:ty, $sink:ty, $ret:ty) => {
        #[pipeline(key = $key)]
        async fn $name(state: $state, sink: $sink) -> $ret {
            assert_eq!(state.bucket, "memory://lake");
            assert_eq!(sink.0, concat!("memory://out/", $key));
            Ok(())
        }
    };
}

pipeline_taking!(from_macro, "from-macro", State<AppState>, Sink, Result<(), std::io::Error>);

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    state: AppState { bucket: "memory://lake" },
    main: false,
    pipelines: [resume, from_macro],
}

fn main() {
    let stats = topology::block_on(async {
        let running = Topology::start(&Topology::settings()).await.unwrap();
        running.run_to_completion().await
    })
    .unwrap();
    assert_eq!(stats.counts().completed, 2, "{}", stats.summary());
}
