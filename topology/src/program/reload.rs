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

use tokio::{sync::Semaphore, task::JoinHandle};

use crate::{
    program::{
        error::ProgramError,
        launch::Launcher,
        settings::{Settings, specs},
    },
    runtime::{
        context::PipelineContext,
        pipeline::Pipeline,
        runner::spawner::{PipelineSpawner, TopologyEnded},
        setting::{Reload, SettingSpec},
    },
};

/// Applies the settings given, or again the last ones applied.
type ReloadFn = dyn FnMut(Option<&Settings>) -> Result<ReloadReport, ProgramError> + Send;

/// Reloads a running topology from new settings; see
/// [`StartedTopology::reloader`](crate::StartedTopology::reloader).
#[derive(Clone)]
pub struct Reloader {
    reload: Arc<Mutex<Box<ReloadFn>>>,
}

impl fmt::Debug for Reloader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reloader").finish_non_exhaustive()
    }
}

impl Reloader {
    /// Applies `settings` to the running topology; must be called inside
    /// its tokio runtime. On an error nothing has changed.
    pub fn reload(&self, settings: &Settings) -> Result<ReloadReport, ProgramError> {
        let mut reload = self.reload.lock().unwrap_or_else(PoisonError::into_inner);
        reload(Some(settings))
    }

    /// Applies the last settings again, for what changed besides them:
    /// the leases this replica holds.
    pub(crate) fn reapply(&self) -> Result<ReloadReport, ProgramError> {
        let mut reload = self.reload.lock().unwrap_or_else(PoisonError::into_inner);
        reload(None)
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
        let mut last = in_force.clone();
        let target = Target { ctx, spawner };
        let reload = move |given: Option<&Settings>| {
            let settings = given.unwrap_or(&last);
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
                    return Err(ProgramError::Reload(TopologyEnded));
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
            apply_settings(&target, &mut in_force, settings, &mut report).map_err(ProgramError::Reload)?;
            if let Some(given) = given {
                last.clone_from(given);
            }
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

/// Applies each changed setting its declaration marks live to the running
/// topology (and to `in_force`); the report lists the others as needing a
/// restart.
fn apply_settings<K>(
    target: &Target<K>,
    in_force: &mut Settings,
    new: &Settings,
    report: &mut ReloadReport,
) -> Result<(), TopologyEnded> {
    let changes: Vec<(&'static SettingSpec, String, String)> = specs()
        .zip(in_force.values().into_iter().zip(new.values()))
        .filter(|(_, ((_, was), (_, now)))| was != now)
        .map(|(spec, ((_, was), (_, now)))| (spec, was, now))
        .collect();
    for (spec, was, now) in changes {
        let applied = match spec.reload {
            Reload::Live => apply_live(target, in_force, new, spec.name)?,
            Reload::Restart => false,
        };
        if applied {
            in_force.copy_setting(new, spec.name);
            report.changed.push(format!("{} {was} → {now}", spec.name));
        } else {
            report.needs_restart.push(spec.name);
        }
    }
    Ok(())
}

/// Applies the live setting `name` from `new`; `false` when this change
/// still needs a restart.
fn apply_live<K>(target: &Target<K>, old: &Settings, new: &Settings, name: &str) -> Result<bool, TopologyEnded> {
    Ok(match name {
        // Read by each new start.
        "poll_jitter_secs" => true,
        "total_concurrency" => match (
            &target.ctx.global_semaphore,
            old.global.total_concurrency,
            new.global.total_concurrency,
        ) {
            (Some(semaphore), Some(old), Some(next)) => {
                // The shrinking task ends by itself once the permits owed
                // have returned; nothing waits for it.
                drop(resize(semaphore, old, next));
                true
            }
            // Adding or removing the limit changes what every pipeline holds.
            _ => false,
        },
        "shutdown_timeout_secs" => {
            target.spawner.set_shutdown_timeout(new.global.shutdown_timeout())?;
            true
        }
        _ => false,
    })
}

/// Grows or shrinks the global semaphore to `next` permits. Permits held
/// now are not taken back: the limit shrinks as they are released.
fn resize(semaphore: &Arc<Semaphore>, old: usize, next: usize) -> Option<JoinHandle<()>> {
    if next > old {
        semaphore.add_permits(next - old);
        return None;
    }
    let excess = old - next;
    let forgotten = semaphore.forget_permits(excess);
    let mut owed = excess - forgotten;
    let semaphore = Arc::clone(semaphore);
    Some(tokio::spawn(async move {
        while owed > 0 {
            let batch = u32::try_from(owed).unwrap_or(u32::MAX);
            match semaphore.acquire_many(batch).await {
                Ok(permits) => permits.forget(),
                Err(_) => return,
            }
            owed -= batch as usize;
        }
    }))
}

/// What a reload changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
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

    #[test]
    fn every_live_setting_has_an_applier() {
        let live: Vec<&str> = specs()
            .filter(|spec| spec.reload == Reload::Live)
            .map(|spec| spec.name)
            .collect();
        // The settings `apply_live` has an arm for.
        assert_eq!(live, ["poll_jitter_secs", "total_concurrency", "shutdown_timeout_secs"]);
    }

    #[tokio::test]
    async fn the_concurrency_limit_grows_at_once_and_shrinks_as_permits_return() {
        let semaphore = Arc::new(Semaphore::new(4));
        resize(&semaphore, 4, 10);
        assert_eq!(semaphore.available_permits(), 10);
        assert!(resize(&semaphore, 10, 10).is_none() || semaphore.available_permits() == 10);

        let held = Arc::clone(&semaphore).acquire_many_owned(8).await.unwrap();
        let shrinking = resize(&semaphore, 10, 3).unwrap();
        // Two were free and are gone; five more go as the held ones return.
        assert_eq!(semaphore.available_permits(), 0);
        drop(held);
        shrinking.await.unwrap();
        assert_eq!(semaphore.available_permits(), 3);
    }
}
