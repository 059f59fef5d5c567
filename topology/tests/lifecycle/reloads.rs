//! Reloads at the edges: a replacement stopped before it ran, and hundreds
//! of reloads replacing every entry.

use std::{collections::BTreeMap, time::Duration};

use topology::{MetricsAddress, OutcomeKind};

use crate::{Started, settings, start, start_with, support::get};

#[tokio::test(start_paused = true)]
async fn a_replacement_stopped_before_its_predecessor_ended_never_ran() {
    let entries = BTreeMap::from([("a", "{ stop_ms: 2000 }".to_owned())]);
    let Started {
        reloader,
        handle,
        collecting,
        ..
    } = start(&entries, 0, MetricsAddress::Off).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let edited = BTreeMap::from([("a", "{ version: 2 }".to_owned())]);
    reloader.reload(&settings(&edited, 0, MetricsAddress::Off)).unwrap();
    // The old run takes two seconds to stop; shutdown comes first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    handle.shutdown();
    let stats = collecting.await.unwrap();
    let kinds: Vec<OutcomeKind> = stats.outcomes.iter().map(|outcome| outcome.kind()).collect();
    assert_eq!(
        kinds,
        [OutcomeKind::Cancelled],
        "the replacement never ran: {}",
        stats.summary()
    );
    assert_eq!(stats.forgotten.completed, 1, "the replaced run stopped in time");
    assert!(stats.is_success());
}

#[tokio::test(start_paused = true)]
async fn hundreds_of_reloads_leave_rows_and_series_flat() {
    const ENTRIES: usize = 50;
    let metrics = MetricsAddress::Listen("127.0.0.1:0".parse().unwrap());
    let generation = |n: usize| -> BTreeMap<&'static str, String> {
        (0..ENTRIES)
            .map(|i| {
                let name: &'static str = Box::leak(format!("g{n}x{i}").into_boxed_str());
                (name, "{ stop_ms: 100 }".to_owned())
            })
            .collect()
    };
    // Each key with its own histograms too: they must go with it.
    let with_histograms =
        |n: usize| settings(&generation(n), 0, metrics).with_global(|global| global.with_per_key_histograms(true));
    let Started {
        reloader,
        handle,
        base,
        collecting,
        ..
    } = start_with(&with_histograms(0)).await;
    let base = base.unwrap();
    for n in 1..=300 {
        let report = reloader.reload(&with_histograms(n)).unwrap();
        assert_eq!((report.started.len(), report.stopped.len()), (ENTRIES, ENTRIES));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, body) = get(format!("{base}/pipelines")).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), ENTRIES, "only the live entries are listed");
    assert!(
        rows.iter()
            .all(|row| row["key"].as_str().unwrap().starts_with("entry/g300x"))
    );
    let (_, scrape) = get(format!("{base}/metrics")).await;
    let per_key = scrape
        .lines()
        .filter(|line| line.starts_with("topology_pipeline_") && line.contains("key=\"entry/"))
        .count();
    // running and starts_total for each live key, and its three histograms
    // of 16 lines: nothing of the 15 000 runs gone.
    assert_eq!(per_key, (2 + 3 * 16) * ENTRIES, "{scrape}");
    handle.shutdown();
    let stats = collecting.await.unwrap();
    assert_eq!(stats.counts().total(), 301 * ENTRIES);
    assert_eq!(
        stats.outcomes.len(),
        ENTRIES,
        "the runs that left are counted, not kept"
    );
    assert!(stats.is_success(), "{}", stats.summary());
}

#[tokio::test(start_paused = true)]
async fn a_run_added_by_a_reload_and_forced_in_its_jitter_never_ran() {
    let first = BTreeMap::from([("a", "{}".to_owned())]);
    let Started {
        reloader,
        handle,
        collecting,
        ..
    } = start(&first, 0, MetricsAddress::Off).await;
    // An hour after the topology started, `b` comes, with an hour's jitter.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let second = BTreeMap::from([("a", "{}".to_owned()), ("b", "{}".to_owned())]);
    reloader.reload(&settings(&second, 3600, MetricsAddress::Off)).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.force();
    let stats = collecting.await.unwrap();
    let b = stats
        .outcomes
        .iter()
        .find(|outcome| outcome.key.to_string() == "entry/b")
        .unwrap();
    assert_eq!(b.kind(), OutcomeKind::Cancelled, "{}", stats.summary());
}
