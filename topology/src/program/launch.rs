//! Turning settings into running pipelines: planning them (families expand
//! to one pipeline per entry, the shard keeps its share), building each one
//! with its own stop token, and keeping track of them for a reload.

use std::{collections::HashMap, sync::Arc};

use tokio_util::sync::{CancellationToken, DropGuard};
use xxhash_rust::xxh3::xxh3_64;

use crate::{
    program::{dsl::Deps, inject::Key, instance::entries::FamilyTable, settings::Settings},
    runtime::{context::PipelineContext, error::TopologyError, pipeline::Pipeline, shard::Shard},
};

/// How the generated code plans, names and builds its pipelines.
pub struct Blueprint<S, K, Plan, P> {
    /// Every pipeline the settings give, families expanded.
    pub plan: fn(&Settings, &mut FamilyTable) -> Result<Vec<Plan>, TopologyError>,
    /// A planned pipeline's key.
    pub key_of: fn(&Plan) -> K,
    /// Builds a planned pipeline.
    pub make: fn(Plan, K, Deps<S>) -> P,
    /// Whether a planned pipeline takes `Entries<T>`.
    pub takes_entries: fn(&Plan) -> bool,
}

/// A pipeline planned for this replica, not built yet.
pub(crate) struct Ready<K, Plan> {
    pub(crate) plan: Plan,
    pub(crate) key: K,
    pub(crate) name: String,
    /// What the pipeline was built from: a reload restarts it when this
    /// changes (its entry's configuration, or every entry for a pipeline
    /// that takes `Entries<T>`).
    pub(crate) fingerprint: u64,
}

/// What is kept of a built pipeline.
pub(crate) struct Live {
    pub(crate) fingerprint: u64,
    /// Its own shutdown: a child of the topology's.
    pub(crate) stop: CancellationToken,
    /// Cancelled once its run has ended (or its task was dropped).
    pub(crate) done: CancellationToken,
}

/// Builds the pipelines of one topology and remembers each one.
pub(crate) struct Launcher<S, K, Plan, P> {
    pub(crate) blueprint: Blueprint<S, K, Plan, P>,
    pub(crate) state: Arc<S>,
    /// This replica's share, fixed when it started.
    pub(crate) shard: Shard,
    pub(crate) live: HashMap<String, Live>,
}

/// Everything `settings` plans for this replica, how many pipelines all the
/// replicas run between them, and every family's entries.
pub(crate) type Prepared<K, Plan> = (Vec<Ready<K, Plan>>, usize, Arc<FamilyTable>);

impl<S, K: std::fmt::Display, Plan, P: Pipeline<Key = K>> Launcher<S, K, Plan, P> {
    pub(crate) fn new(blueprint: Blueprint<S, K, Plan, P>, state: S, shard: Shard) -> Self {
        Self {
            blueprint,
            state: Arc::new(state),
            shard,
            live: HashMap::new(),
        }
    }

    /// Plans `settings`.
    pub(crate) fn prepare(&self, settings: &Settings) -> Result<Prepared<K, Plan>, TopologyError> {
        let mut families = FamilyTable::default();
        let planned = (self.blueprint.plan)(settings, &mut families)?;
        let total = planned.len();
        let fingerprints = families.fingerprints(&settings.instances);
        let digest = digest(&fingerprints);
        let ready = planned
            .into_iter()
            .filter_map(|plan| {
                let key = (self.blueprint.key_of)(&plan);
                let name = key.to_string();
                if !self.shard.owns(&name) {
                    return None;
                }
                let fingerprint = match fingerprints.get(&name) {
                    Some(&fingerprint) => fingerprint,
                    None if (self.blueprint.takes_entries)(&plan) => digest,
                    None => 0,
                };
                Some(Ready {
                    plan,
                    key,
                    name,
                    fingerprint,
                })
            })
            .collect();
        Ok((ready, total, Arc::new(families)))
    }

    /// Builds one pipeline with its own stop token; it runs only once
    /// `after` (the pipeline it replaces) has ended.
    pub(crate) fn build(
        &mut self,
        ready: Ready<K, Plan>,
        ctx: &PipelineContext,
        families: &Arc<FamilyTable>,
        after: Option<CancellationToken>,
    ) -> Tracked<P> {
        let stop = ctx.shutdown.child_token();
        let done = CancellationToken::new();
        let mut own = ctx.clone();
        own.shutdown = stop.clone();
        let deps = Deps {
            ctx: own,
            state: Arc::clone(&self.state),
            key: Key::from(ready.name.clone()),
            families: Arc::clone(families),
        };
        let pipeline = (self.blueprint.make)(ready.plan, ready.key, deps);
        self.live.insert(
            ready.name,
            Live {
                fingerprint: ready.fingerprint,
                stop: stop.clone(),
                done: done.clone(),
            },
        );
        Tracked {
            pipeline,
            done: done.drop_guard(),
            after,
            stop,
        }
    }
}

/// One hash of every entry of every family: what a pipeline taking
/// `Entries<T>` depends on.
fn digest(fingerprints: &HashMap<String, u64>) -> u64 {
    let mut keys: Vec<(&String, &u64)> = fingerprints.iter().collect();
    keys.sort_unstable();
    let text: String = keys.iter().map(|(key, hash)| format!("{key}={hash};")).collect();
    xxh3_64(text.as_bytes())
}

/// A pipeline whose end is known to the launcher.
pub(crate) struct Tracked<P> {
    pipeline: P,
    /// Cancels `done` when the run ends, and when the task is dropped.
    done: DropGuard,
    /// The pipeline this one replaces, which must end first.
    after: Option<CancellationToken>,
    stop: CancellationToken,
}

impl<P: Pipeline> Pipeline for Tracked<P> {
    type Key = P::Key;
    type Error = P::Error;

    fn key(&self) -> &P::Key {
        self.pipeline.key()
    }

    async fn run(self) -> Result<(), P::Error> {
        let Self {
            pipeline,
            done,
            after,
            stop,
        } = self;
        let _done = done;
        if let Some(after) = after {
            // Stopped before the one it replaces has ended: never started.
            let ended = tokio::select! {
                () = after.cancelled() => true,
                () = stop.cancelled() => false,
            };
            if !ended {
                return Ok(());
            }
        }
        pipeline.run().await
    }
}
