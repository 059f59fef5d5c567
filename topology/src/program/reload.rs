//! Reloading a running topology's configuration (on SIGHUP in the generated
//! program): entries that appeared start, entries that disappeared stop
//! gracefully, changed ones restart, and the settings that can change live
//! take effect. A configuration that cannot be read or planned changes
//! nothing.

use std::{
    collections::HashSet,
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::Semaphore;

use crate::{
    program::{launch::Launcher, settings::Settings},
    runtime::{
        context::PipelineContext,
        error::TopologyError,
        pipeline::Pipeline,
        runner::spawner::{PipelineSpawner, TopologyEnded},
    },
};

type Reload = dyn FnMut(&Settings) -> Result<ReloadReport, TopologyError> + Send;

/// Reloads a running topology from new settings; see
/// [`StartedTopology::reloader`](crate::StartedTopology::reloader).
#[derive(Clone)]
pub struct Reloader {
    reload: Arc<Mutex<Box<Reload>>>,
}

impl fmt::Debug for Reloader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reloader").finish_non_exhaustive()
    }
}

impl Reloader {
    /// Applies `settings` to the running topology; must be called inside
    /// its tokio runtime. On an error nothing has changed.
    pub fn reload(&self, settings: &Settings) -> Result<ReloadReport, TopologyError> {
        let mut reload = self.reload.lock().unwrap_or_else(PoisonError::into_inner);
        reload(settings)
    }

    pub(crate) fn new<S, K, Plan, P>(
        mut launcher: Launcher<S, K, Plan, P>,
        ctx: PipelineContext,
        spawner: PipelineSpawner<K>,
        in_force: Settings,
    ) -> Self
    where
        S: Send + Sync + 'static,
        K: Clone + fmt::Display + Send + 'static,
        Plan: 'static,
        P: Pipeline<Key = K>,
    {
        let mut in_force = in_force;
        let target = Target { ctx, spawner };
        let reload = move |settings: &Settings| {
            let prepared = launcher.prepare(settings)?;
            launcher.prune();
            let mut report = ReloadReport::default();
            let wanted: HashSet<&str> = prepared.ready.iter().map(|ready| ready.name.as_str()).collect();
            let mut gone: Vec<String> = launcher
                .live_keys()
                .filter(|name| !wanted.contains(name.as_str()))
                .cloned()
                .collect();
            gone.sort_unstable();
            if prepared.ready.is_empty() {
                // A replica whose share became empty stays up: a later
                // reload may give it pipelines again. Sent before any stop,
                // so that the topology never ends in between.
                target.spawner.hold_until_shutdown();
            }
            let jitter = settings.global.poll_jitter_secs;
            let timeout = settings.global.shutdown_timeout();
            for ready in prepared.ready {
                let restarted = match launcher.fingerprint(&ready.name) {
                    None => false,
                    Some(fingerprint) if fingerprint == ready.fingerprint => continue,
                    Some(_) => true,
                };
                let name = ready.name.clone();
                if launcher
                    .launch(ready, &target.ctx, &prepared.families, &target.spawner, jitter, timeout)
                    .is_err()
                {
                    // The topology has ended: nothing is left to change.
                    return Err(TopologyError::Reload(TopologyEnded));
                }
                if restarted {
                    report.restarted.push(name);
                } else {
                    report.started.push(name);
                }
            }
            // Gone from the configuration: stopped as at shutdown, once
            // the new ones have been handed over.
            for name in gone {
                if launcher.retire(&name, timeout) {
                    report.stopped.push(name);
                }
            }
            apply_live_settings(&target, &mut in_force, settings, &mut report);
            Ok(report)
        };
        Self {
            reload: Arc::new(Mutex::new(Box::new(reload))),
        }
    }
}

/// The running topology a reload changes.
struct Target<K> {
    ctx: PipelineContext,
    spawner: PipelineSpawner<K>,
}

/// The global settings that change on a running topology: the concurrency
/// limit, the shutdown deadline, and the jitter of new starts (applied by the
/// caller); `in_force` takes those. The others need a restart, and the report
/// says so.
fn apply_live_settings<K>(target: &Target<K>, in_force: &mut Settings, new: &Settings, report: &mut ReloadReport) {
    let (old, next) = (&in_force.global, &new.global);
    let mut applied = old.clone();
    match (
        &target.ctx.global_semaphore,
        old.total_concurrency,
        next.total_concurrency,
    ) {
        (Some(semaphore), Some(old), Some(next)) if next != old => {
            resize(semaphore, old, next);
            applied.total_concurrency = Some(next);
            report.changed.push(format!("total_concurrency {old} → {next}"));
        }
        (_, old, next) if old.is_some() != next.is_some() => report.needs_restart.push("total_concurrency"),
        _ => {}
    }
    if next.shutdown_timeout_secs != old.shutdown_timeout_secs {
        target.spawner.set_shutdown_timeout(next.shutdown_timeout());
        report.changed.push(format!(
            "shutdown_timeout_secs {} → {}",
            old.shutdown_timeout_secs, next.shutdown_timeout_secs
        ));
    }
    if next.poll_jitter_secs != old.poll_jitter_secs {
        report.changed.push(format!(
            "poll_jitter_secs {} → {} (for new starts)",
            old.poll_jitter_secs, next.poll_jitter_secs
        ));
    }
    let restart_only: [(&'static str, bool); 4] = [
        ("connection_pooling", next.connection_pooling != old.connection_pooling),
        ("failure_policy", next.failure_policy != old.failure_policy),
        ("metrics_addr", new.metrics != in_force.metrics),
        ("shard", new.shard != in_force.shard),
    ];
    report.needs_restart.extend(
        restart_only
            .iter()
            .filter(|(_, changed)| *changed)
            .map(|(name, _)| *name),
    );
    applied.shutdown_timeout_secs = next.shutdown_timeout_secs;
    applied.poll_jitter_secs = next.poll_jitter_secs;
    in_force.global = applied;
}

/// Grows or shrinks the global semaphore to `next` permits. Permits held
/// now are not taken back: the limit shrinks as they are released.
fn resize(semaphore: &Arc<Semaphore>, old: usize, next: usize) {
    if next > old {
        semaphore.add_permits(next - old);
        return;
    }
    let excess = old - next;
    let forgotten = semaphore.forget_permits(excess);
    let mut owed = excess - forgotten;
    let semaphore = Arc::clone(semaphore);
    tokio::spawn(async move {
        while owed > 0 {
            let batch = u32::try_from(owed).unwrap_or(u32::MAX);
            match semaphore.acquire_many(batch).await {
                Ok(permits) => permits.forget(),
                Err(_) => return,
            }
            owed -= batch as usize;
        }
    });
}

/// What a reload changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// Keys of pipelines started for new entries.
    pub started: Vec<String>,
    /// Keys of pipelines stopped because their entries are gone.
    pub stopped: Vec<String>,
    /// Keys of pipelines restarted because their configuration changed.
    pub restarted: Vec<String>,
    /// Settings changed on the running topology, as `name old → new`.
    pub changed: Vec<String>,
    /// Settings whose new values take effect only after a restart.
    pub needs_restart: Vec<&'static str>,
}

impl fmt::Display for ReloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |keys: &[String]| {
            if keys.is_empty() {
                String::new()
            } else {
                format!(" ({})", keys.join(", "))
            }
        };
        write!(
            f,
            "{} started{}, {} stopped{}, {} restarted{}",
            self.started.len(),
            list(&self.started),
            self.stopped.len(),
            list(&self.stopped),
            self.restarted.len(),
            list(&self.restarted)
        )?;
        if !self.changed.is_empty() {
            write!(f, "; settings changed: {}", self.changed.join(", "))?;
        }
        if !self.needs_restart.is_empty() {
            write!(f, "; unchanged until a restart: {}", self.needs_restart.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_concurrency_limit_grows_at_once_and_shrinks_as_permits_return() {
        let semaphore = Arc::new(Semaphore::new(4));
        resize(&semaphore, 4, 10);
        assert_eq!(semaphore.available_permits(), 10);

        let held = Arc::clone(&semaphore).acquire_many_owned(8).await.unwrap();
        resize(&semaphore, 10, 3);
        // Two were free and are gone; five more go as the held ones return.
        assert_eq!(semaphore.available_permits(), 0);
        drop(held);
        tokio::task::yield_now().await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(semaphore.available_permits(), 3);
    }
}
