//! `--list`: the pipelines this replica would run, with their shard,
//! interval and restart policy, without running anything.

use std::{fmt::Write as _, time::Duration};

use crate::runtime::{restart::RestartPolicy, shard::Shard};

/// One pipeline the settings would start.
#[derive(Clone, Debug)]
pub struct PipelineListing {
    /// Its key, as in logs and metrics.
    pub key: String,
    /// Its period, for an interval pipeline.
    pub interval: Option<Duration>,
    /// Its restart policy, if any.
    pub restart: Option<RestartPolicy>,
}

/// One line per pipeline this `shard` runs: key, shard, interval, restart.
pub(crate) fn render(listings: &[PipelineListing], shard: Shard) -> String {
    let width = listings.iter().map(|listing| listing.key.len()).max().unwrap_or(0);
    let mut text = String::new();
    for listing in listings.iter().filter(|listing| shard.owns(&listing.key)) {
        let interval = listing.interval.map_or_else(
            || "long-running".to_owned(),
            |period| format!("every {}", seconds(period)),
        );
        let restart = listing.restart.map_or_else(
            || "no restart".to_owned(),
            |policy| {
                format!(
                    "restart on-failure (at most {} in {}, backoff {} to {})",
                    policy.max_restarts,
                    seconds(policy.window),
                    seconds(policy.backoff_min),
                    seconds(policy.backoff_max)
                )
            },
        );
        // Writing to a `String` cannot fail.
        let _ = writeln!(text, "{:width$}  shard {shard}  {interval}  {restart}", listing.key);
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

    #[test]
    fn a_shard_that_owns_nothing_says_so() {
        let listings = [PipelineListing {
            key: "orders".to_owned(),
            interval: None,
            restart: None,
        }];
        let other = (0..3)
            .filter_map(|index| Shard::new(index, 3))
            .find(|shard| !shard.owns("orders"))
            .unwrap();
        assert_eq!(
            render(&listings, other),
            format!("shard {other} runs no pipelines (of the 1 declared)\n")
        );
    }

    #[test]
    fn lines_name_the_key_shard_interval_and_restart_policy() {
        let listings = [
            PipelineListing {
                key: "orders".to_owned(),
                interval: Some(Duration::from_secs(30)),
                restart: Some(RestartPolicy::on_failure()),
            },
            PipelineListing {
                key: "ingest/events".to_owned(),
                interval: None,
                restart: None,
            },
        ];
        let expected = concat!(
            "orders         shard 0/1  every 30s  restart on-failure (at most 5 in 600s, backoff 1s to 60s)\n",
            "ingest/events  shard 0/1  long-running  no restart\n",
        );
        assert_eq!(render(&listings, Shard::ALL), expected);
    }
}
