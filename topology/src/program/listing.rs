//! `--list`: the pipelines this replica would run, with their shard,
//! interval and restart policy, without running anything.

use std::{fmt::Write as _, time::Duration};

use crate::{
    program::{
        error::ProgramError, instance::entries::FamilyTable, launch::Blueprint, ownership::LeaseView, policy::Resolved,
        settings::Settings,
    },
    runtime::shard::Shard,
};

/// One pipeline the settings would start.
#[derive(Clone, Debug)]
pub struct PipelineListing {
    /// Its key, as in logs and metrics.
    pub(crate) key: String,
    /// Its interval and restart policy, and where they came from.
    pub(crate) resolved: Resolved,
}

/// Every pipeline `settings` would start, with its policy in force.
pub fn list_pipelines<S, K: std::fmt::Display, Plan, P>(
    settings: &Settings,
    blueprint: &Blueprint<S, K, Plan, P>,
) -> Result<Vec<PipelineListing>, ProgramError> {
    settings.policies.check(blueprint.declared)?;
    let mut families = FamilyTable::default();
    (blueprint.plan)(settings, &mut families)?
        .iter()
        .map(|plan| {
            let key = (blueprint.key_of)(plan).to_string();
            let resolved = blueprint.schedule_of(settings, plan, &key)?;
            Ok(PipelineListing { key, resolved })
        })
        .collect()
}

/// One line per pipeline this `shard` runs: key, shard, interval, restart.
/// With ownership on (`leases` read from the store), the keys whose bucket
/// this shard would own or holds, each with its bucket and lease holder.
pub(crate) fn render(listings: &[PipelineListing], shard: Shard, leases: Option<&LeaseView>) -> String {
    let width = listings.iter().map(|listing| listing.key.len()).max().unwrap_or(0);
    let mut text = String::new();
    let shown = |key: &str| leases.map_or_else(|| shard.owns(key), |leases| leases.concerns(key, shard));
    for listing in listings.iter().filter(|listing| shown(&listing.key)) {
        let schedule = listing.resolved.schedule;
        let interval = schedule.interval.map_or_else(
            || "long-running".to_owned(),
            |period| format!("every {}", seconds(period)),
        );
        let restart = schedule.restart.map_or_else(
            || "no restart".to_owned(),
            |policy| {
                let budget = if policy.is_unlimited() {
                    "unlimited".to_owned()
                } else {
                    format!("at most {} in {}", policy.max_restarts, seconds(policy.window))
                };
                format!(
                    "restart on-failure ({budget}, backoff {} to {})",
                    seconds(policy.backoff_min),
                    seconds(policy.backoff_max)
                )
            },
        );
        let sources = listing.resolved.sources();
        let lease = leases.map(|leases| leases.describe(&listing.key, shard) + "  ");
        let lease = lease.unwrap_or_default();
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            text,
            "{:width$}  shard {shard}  {lease}{interval}  {restart}  {sources}",
            listing.key
        );
    }
    if text.is_empty() {
        // Said, not left blank: an empty output reads as a broken command.
        let _ = writeln!(
            text,
            "shard {shard} runs no pipelines (of the {} declared)",
            listings.len()
        );
    }
    text
}

fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{program::policy::Schedule, runtime::restart::RestartPolicy};

    fn listing(key: &str, schedule: Schedule, overridden: Vec<(&'static str, String)>) -> PipelineListing {
        PipelineListing {
            key: key.to_owned(),
            resolved: Resolved { schedule, overridden },
        }
    }

    #[test]
    fn a_shard_that_owns_nothing_says_so() {
        let listings = [listing("orders", Schedule::default(), Vec::new())];
        let other = (0..3)
            .filter_map(|index| Shard::new(index, 3))
            .find(|shard| !shard.owns("orders"))
            .unwrap();
        assert_eq!(
            render(&listings, other, None),
            format!("shard {other} runs no pipelines (of the 1 declared)\n")
        );
    }

    #[test]
    fn lines_name_the_key_shard_interval_restart_policy_and_its_sources() {
        let listings = [
            listing(
                "orders",
                Schedule::declared(Some(Duration::from_secs(30)), Some(RestartPolicy::on_failure())),
                Vec::new(),
            ),
            listing(
                "ingest/events",
                Schedule::declared(
                    None,
                    Some(RestartPolicy::on_failure().max_restarts(RestartPolicy::UNLIMITED)),
                ),
                vec![("max_restarts", "flag --policy".to_owned())],
            ),
            listing("feeder", Schedule::default(), Vec::new()),
        ];
        let expected = concat!(
            "orders         shard 0/1  every 30s  restart on-failure (at most 5 in 600s, backoff 1s to 60s)  policy from #[pipeline]\n",
            "ingest/events  shard 0/1  long-running  restart on-failure (unlimited, backoff 1s to 60s)  policy from #[pipeline], max_restarts from flag --policy\n",
            "feeder         shard 0/1  long-running  no restart  policy from #[pipeline]\n",
        );
        assert_eq!(render(&listings, Shard::ALL, None), expected);
    }
}
