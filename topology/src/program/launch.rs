//! Turning settings into running pipelines: planning them (families expand
//! to one pipeline per entry, the shard keeps its share), building each one
//! with its own stop token, and keeping track of them for a reload.

use std::{collections::HashMap, sync::Arc, time::Duration};

use xxhash_rust::xxh3::xxh3_64;

use crate::{
    program::{
        dsl::Deps,
        error::ProgramError,
        inject::Key,
        instance::entries::FamilyTable,
        ownership::Leases,
        policy::{Resolved, Schedule},
        settings::Settings,
    },
    runtime::{
        context::PipelineContext,
        ownership::Ownership,
        pipeline::Pipeline,
        record::{Phase, PipelineRecord, lineage::Lineage},
        runner::{
            pipeline_task,
            spawner::{MakeWork, PipelineSpawner, TopologyEnded},
        },
        shard::Shard,
    },
};

/// How the generated code plans, names and builds its pipelines.
pub struct Blueprint<S, K, Plan, P> {
    /// Every pipeline the settings give, families expanded.
    pub plan: fn(&Settings, &mut FamilyTable) -> Result<Vec<Plan>, ProgramError>,
    /// A planned pipeline's key.
    pub key_of: fn(&Plan) -> K,
    /// Builds a planned pipeline.
    pub make: fn(Plan, K, Deps<S>) -> P,
    /// Whether a planned pipeline takes `Entries<T>`.
    pub takes_entries: fn(&Plan) -> bool,
    /// A planned pipeline's interval and restart policy, as declared.
    pub schedule: fn(&Plan) -> Schedule,
    /// The keys of the pipelines and families declared.
    pub declared: &'static [&'static str],
}

impl<S, K: std::fmt::Display, Plan, P> Blueprint<S, K, Plan, P> {
    /// The schedule in force for `plan`, named `name`: as declared, with
    /// what `settings` set over it.
    pub(crate) fn schedule_of(&self, settings: &Settings, plan: &Plan, name: &str) -> Result<Resolved, ProgramError> {
        settings.policies.resolve(name, (self.schedule)(plan))
    }
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
    /// Its interval and restart policy.
    pub(crate) schedule: Schedule,
    /// The lease it may run under, when ownership is on.
    pub(crate) ownership: Option<Ownership>,
}

/// The latest run of a key, as the launcher keeps it.
struct Run {
    /// What the run was built from, while its entry is in the
    /// configuration; `None` once the entry has left and the run stops.
    fingerprint: Option<u64>,
    /// The record of the run: stopped and waited for through it.
    record: Arc<PipelineRecord>,
}

/// Builds the pipelines of one topology and remembers each one's run.
pub(crate) struct Launcher<S, K, Plan, P> {
    pub(crate) blueprint: Blueprint<S, K, Plan, P>,
    pub(crate) state: Arc<S>,
    /// This replica's share, fixed when it started.
    pub(crate) shard: Shard,
    /// With ownership on, the leases decide what runs, not the shard.
    leases: Option<Leases>,
    /// The kind of the pipelines, for logs and metrics.
    typetag: &'static str,
    /// The latest run of each key: those of the entries in the
    /// configuration, and those whose entry left until they (and the runs
    /// before them) have ended, so that an entry put back waits for its old
    /// run.
    runs: HashMap<String, Run>,
}

/// Everything `settings` plans for this replica, how many pipelines all the
/// replicas run between them, and every family's entries.
pub(crate) struct Prepared<K, Plan> {
    pub(crate) ready: Vec<Ready<K, Plan>>,
    pub(crate) total: usize,
    pub(crate) families: Arc<FamilyTable>,
}

impl<S, K, Plan, P> Launcher<S, K, Plan, P>
where
    S: Send + Sync + 'static,
    K: Clone + std::fmt::Display + Send + 'static,
    P: Pipeline<Key = K>,
{
    pub(crate) fn new(blueprint: Blueprint<S, K, Plan, P>, state: S, shard: Shard, typetag: &'static str) -> Self {
        Self {
            blueprint,
            state: Arc::new(state),
            shard,
            leases: None,
            typetag,
            runs: HashMap::new(),
        }
    }

    /// From now on runs the keys whose leases `leases` holds, instead of
    /// the shard's.
    pub(crate) fn coordinate(&mut self, leases: Leases) {
        self.leases = Some(leases);
    }

    /// Plans `settings`.
    pub(crate) fn prepare(&self, settings: &Settings) -> Result<Prepared<K, Plan>, ProgramError> {
        settings.policies.check(self.blueprint.declared)?;
        let mut families = FamilyTable::default();
        let planned = (self.blueprint.plan)(settings, &mut families)?;
        let total = planned.len();
        let fingerprints = families.fingerprints(&settings.instances);
        let digest = digest(&fingerprints);
        // One view of the leases for the whole plan.
        let leases = self.leases.as_ref().map(|leases| (leases.view(), leases.view().now()));
        let mut ready = Vec::new();
        for plan in planned {
            let key = (self.blueprint.key_of)(&plan);
            let name = key.to_string();
            // With ownership on the leases say what runs, else the shard.
            let ownership = match &leases {
                Some((view, held)) => match view.ownership_in(held, &name) {
                    None => continue,
                    held => held,
                },
                None if self.shard.owns(&name) => None,
                None => continue,
            };
            let fingerprint = match fingerprints.get(&name) {
                Some(&fingerprint) => fingerprint,
                None if (self.blueprint.takes_entries)(&plan) => digest,
                None => 0,
            };
            // A new hold of the lease (a new token) is a new run: the run
            // under the old token may no longer write.
            let fingerprint = ownership.as_ref().map_or(fingerprint, |ownership| {
                fingerprint ^ xxh3_64(&ownership.token().to_le_bytes())
            });
            let schedule = self.blueprint.schedule_of(settings, &plan, &name)?.schedule;
            ready.push(Ready {
                plan,
                key,
                name,
                fingerprint,
                schedule,
                ownership,
            });
        }
        Ok(Prepared {
            ready,
            total,
            families: Arc::new(families),
        })
    }

    /// Builds one pipeline with its own stop token and hands it to the
    /// topology: it starts once the previous run of its key (one being
    /// replaced, or one whose entry left and is still stopping) has ended.
    /// The previous run, if still live, is asked to stop.
    pub(crate) fn launch(
        &mut self,
        ready: Ready<K, Plan>,
        ctx: &PipelineContext,
        families: &Arc<FamilyTable>,
        spawner: &PipelineSpawner<K>,
        max_jitter_secs: u64,
        timeout: Option<Duration>,
    ) -> Result<(), TopologyEnded> {
        let previous = self.runs.remove(&ready.name).map(|run| run.record);
        let stop = ctx.shutdown.child_token();
        let mut own = ctx.clone();
        own.shutdown = stop.clone();
        if let Some(ownership) = &ready.ownership {
            own = own.with_ownership(ownership.clone());
        }
        let deps = Deps {
            ctx: own,
            state: Arc::clone(&self.state),
            key: Key::from(ready.name.clone()),
            families: Arc::clone(families),
            schedule: ready.schedule,
        };
        let pipeline = (self.blueprint.make)(ready.plan, ready.key.clone(), deps);
        let lineage = Lineage {
            stop: Some(stop),
            after: previous.clone(),
            max_jitter_secs,
        };
        let work: MakeWork = Box::new(move |reporter| Box::pin(pipeline_task(pipeline, reporter)));
        let record = spawner.spawn_run(ready.key, self.typetag, work, lineage)?;
        if let (Some(leases), Some(ownership)) = (&self.leases, ready.ownership) {
            leases.track(&ownership, &record);
            record.hold_under(ownership);
        }
        if let Some(previous) = previous {
            stop_within(&ready.name, &previous, timeout);
        }
        self.runs.insert(
            ready.name,
            Run {
                fingerprint: Some(ready.fingerprint),
                record,
            },
        );
        Ok(())
    }

    /// Stops the run of `name`, whose entry left the configuration or
    /// whose lease this replica no longer holds, within `timeout` (within
    /// half a lease margin for a lost lease); it is forgotten once its
    /// outcome is collected.
    pub(crate) fn retire(&mut self, name: &str, timeout: Option<Duration>) -> bool {
        let timeout = match &self.leases {
            Some(leases) => leases.stop_timeout(name, timeout),
            None => timeout,
        };
        let Some(run) = self.runs.get_mut(name).filter(|run| run.fingerprint.is_some()) else {
            return false;
        };
        run.fingerprint = None;
        stop_within(name, &run.record, timeout);
        true
    }

    /// What the run of `name` was built from, while its entry is in the
    /// configuration.
    pub(crate) fn fingerprint(&self, name: &str) -> Option<u64> {
        self.runs.get(name).and_then(|run| run.fingerprint)
    }

    /// The keys whose entries are in the configuration.
    pub(crate) fn live_keys(&self) -> impl Iterator<Item = &String> {
        self.runs
            .iter()
            .filter(|(_, run)| run.fingerprint.is_some())
            .map(|(name, _)| name)
    }

    /// Forgets the runs whose entries left and that have ended, with the
    /// runs of their key before them.
    pub(crate) fn prune(&mut self) {
        self.runs
            .retain(|_, run| run.fingerprint.is_some() || !run.record.is_settled());
    }
}

/// Asks a run to stop, as at shutdown: it leaves the board once collected,
/// and a run still going after `timeout` is aborted and reported
/// `timed_out`, as at the shutdown deadline.
fn stop_within(name: &str, record: &Arc<PipelineRecord>, timeout: Option<Duration>) {
    // Forgotten first: a run that ends at once is then counted, not kept.
    record.forget();
    record.stop();
    let Some(timeout) = timeout else {
        return;
    };
    if record.phase() == Phase::Ended {
        return;
    }
    let (name, record) = (name.to_owned(), Arc::clone(record));
    tokio::spawn(async move {
        if tokio::time::timeout(timeout, record.ended()).await.is_err() {
            tracing::error!(
                key = %name,
                "pipeline did not stop within {:.1}s of its entry changing or leaving; aborting it",
                timeout.as_secs_f64()
            );
            record.abort_timed_out();
        }
    });
}

/// One hash of every entry of every family: what a pipeline taking
/// `Entries<T>` depends on.
fn digest(fingerprints: &HashMap<String, u64>) -> u64 {
    let mut keys: Vec<(&String, &u64)> = fingerprints.iter().collect();
    keys.sort_unstable();
    let text: String = keys.iter().map(|(key, hash)| format!("{key}={hash};")).collect();
    xxh3_64(text.as_bytes())
}
