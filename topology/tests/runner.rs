//! The runner: outcomes, jitter, shutdown, deadlines and panics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use support::{Behaviour, LogCapture, TestPipeline, context, kind_of};
use topology::{OutcomeKind, PipelineRunner, RunningTopology, TaskError, run_every};

#[tokio::test(start_paused = true)]
async fn every_outcome_kind_is_reported_with_its_key() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(Some(Duration::from_secs(5)));
    let running = runner.start([
        TestPipeline::new("done", Behaviour::Complete, &ctx),
        TestPipeline::new("broken", Behaviour::Fail, &ctx),
        TestPipeline::new("crashy", Behaviour::Panic, &ctx),
        TestPipeline::new("stuck", Behaviour::Stubborn, &ctx),
        TestPipeline::new("polite", Behaviour::UntilShutdown, &ctx),
    ]);
    let handle = running.shutdown_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        handle.shutdown();
    });
    let stats = running.run_to_completion().await;

    assert_eq!(kind_of(&stats, "done"), OutcomeKind::Completed);
    assert_eq!(kind_of(&stats, "broken"), OutcomeKind::Failed);
    assert_eq!(kind_of(&stats, "crashy"), OutcomeKind::Panicked);
    assert_eq!(kind_of(&stats, "stuck"), OutcomeKind::TimedOut);
    assert_eq!(kind_of(&stats, "polite"), OutcomeKind::Completed);
    let counts = stats.counts();
    assert_eq!(
        (counts.completed, counts.failed, counts.panicked, counts.timed_out),
        (2, 1, 1, 1)
    );
    assert!(!stats.is_success());
    assert_eq!(stats.exit_code(), std::process::ExitCode::FAILURE);

    // The failure keeps its whole source chain, the panic its message.
    let broken = stats.outcome(&"broken".to_owned()).expect("broken ran");
    assert_eq!(
        broken.result.as_ref().err().map(ToString::to_string).as_deref(),
        Some("failed: source unreachable: connection refused")
    );
    match &stats.outcome(&"crashy".to_owned()).expect("crashy ran").result {
        Err(TaskError::Panicked { message }) => assert_eq!(message, "boom in crashy"),
        other => panic!("expected a panic, got {other:?}"),
    }

    // Every outcome is logged with its key and typetag, and a summary closes.
    assert_eq!(
        logs.lines_with(&["pipeline completed", "key=done", "typetag=\"table\""])
            .len(),
        1
    );
    assert_eq!(
        logs.lines_with(&["ERROR", "pipeline failed: source unreachable", "key=broken"])
            .len(),
        1,
        "{}",
        logs.text()
    );
    assert_eq!(
        logs.lines_with(&["ERROR", "pipeline panicked: boom in crashy", "key=crashy"])
            .len(),
        1
    );
    assert_eq!(
        logs.lines_with(&["ERROR", "still running at the shutdown deadline", "key=stuck"])
            .len(),
        1
    );
    let summary = logs.lines_with(&["topology stopped: 5 pipelines:"]);
    assert_eq!(summary.len(), 1, "{}", logs.text());
    assert!(
        summary[0].contains("2 completed, 1 failed, 1 panicked, 1 timed out"),
        "{}",
        summary[0]
    );
    assert!(
        summary[0].contains("not completed: broken (failed), crashy (panicked), stuck (timed_out)"),
        "{}",
        summary[0]
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_during_jitter_cancels_pipelines_that_never_started() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ran = Arc::new(Mutex::new(Vec::new()));
    // A jitter of an hour: every pipeline is still waiting to start.
    let ctx = context(3600);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let running =
        runner.start(["a", "b", "c"].map(|key| TestPipeline::new(key, Behaviour::Complete, &ctx).recording(&ran)));
    ctx.shutdown.cancel();
    let started = tokio::time::Instant::now();
    let stats = running.run_to_completion().await;

    assert_eq!(stats.counts().cancelled, 3);
    assert!(
        ran.lock().expect("lock").is_empty(),
        "no pipeline may run after shutdown"
    );
    assert!(stats.is_success(), "cancelled pipelines are not failures");
    // They exit at once, not after their jitter.
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn pipelines_start_within_their_jitter() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ran = Arc::new(Mutex::new(Vec::new()));
    let ctx = context(10);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let running =
        runner.start((0..50).map(|i| TestPipeline::new(&format!("p{i}"), Behaviour::Complete, &ctx).recording(&ran)));
    let started = tokio::time::Instant::now();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().completed, 50);
    assert_eq!(ran.lock().expect("lock").len(), 50);
    assert!(started.elapsed() < Duration::from_secs(10));
    // With 50 uniform draws in [0, 10 s), the last start is well past zero.
    assert!(started.elapsed() > Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn shutdown_timeout_aborts_and_names_the_straggler() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table")
        .shutdown_timeout(Some(Duration::from_secs(30)))
        .progress_interval(Duration::from_secs(5));
    let running = runner.start([
        TestPipeline::new("slow-but-done", Behaviour::FinishAfter(Duration::from_secs(12)), &ctx),
        TestPipeline::new("orders", Behaviour::Stubborn, &ctx),
    ]);
    tokio::task::yield_now().await;
    let shutdown_at = tokio::time::Instant::now();
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;

    assert_eq!(
        shutdown_at.elapsed(),
        Duration::from_secs(30),
        "aborted exactly at the deadline"
    );
    assert_eq!(kind_of(&stats, "slow-but-done"), OutcomeKind::Completed);
    assert_eq!(kind_of(&stats, "orders"), OutcomeKind::TimedOut);

    // While waiting: progress lines name what is still running and the time left.
    let progress = logs.lines_with(&["shutting down: still waiting on"]);
    assert_eq!(
        progress.len(),
        5,
        "one line every 5 s before the 30 s deadline:\n{}",
        logs.text()
    );
    assert!(
        progress[0].contains("2 pipelines (orders, slow-but-done); 25s left"),
        "{}",
        progress[0]
    );
    assert!(
        progress[2].contains("1 pipelines (orders); 15s left"),
        "{}",
        progress[2]
    );
    let deadline = logs.lines_with(&["shutdown deadline passed; aborting 1 pipelines still running: orders"]);
    assert_eq!(deadline.len(), 1, "{}", logs.text());
}

#[tokio::test(start_paused = true)]
async fn a_zero_timeout_waits_forever() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(None);
    let running = runner.start([TestPipeline::new(
        "long-flush",
        Behaviour::FinishAfter(Duration::from_secs(3 * 3600)),
        &ctx,
    )]);
    tokio::task::yield_now().await; // let it start
    ctx.shutdown.cancel();
    let stats = running.run_to_completion().await;
    assert_eq!(kind_of(&stats, "long-flush"), OutcomeKind::Completed);
}

#[tokio::test(start_paused = true)]
async fn forcing_aborts_at_once_and_marks_the_stats() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table").shutdown_timeout(None);
    let running = runner.start([
        TestPipeline::new("stuck", Behaviour::Stubborn, &ctx),
        TestPipeline::new("done", Behaviour::Complete, &ctx),
    ]);
    let handle = running.shutdown_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        handle.shutdown();
        tokio::time::sleep(Duration::from_secs(1)).await;
        handle.force();
    });
    let started = tokio::time::Instant::now();
    let stats = running.run_to_completion().await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert!(stats.forced);
    assert_eq!(kind_of(&stats, "stuck"), OutcomeKind::Aborted);
    assert_eq!(kind_of(&stats, "done"), OutcomeKind::Completed);
    assert_eq!(stats.exit_code(), std::process::ExitCode::from(130));
    let forced = logs.lines_with(&["WARN", "forced shutdown: aborting 1 pipelines now: stuck"]);
    assert_eq!(forced.len(), 1, "{}", logs.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_leaves_the_other_pipelines_running() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let ran = Arc::new(Mutex::new(Vec::new()));
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let mut pipelines: Vec<TestPipeline> = (0..8)
        .map(|i| TestPipeline::new(&format!("worker-{i}"), Behaviour::UntilShutdown, &ctx).recording(&ran))
        .collect();
    pipelines.push(TestPipeline::new("crashy", Behaviour::Panic, &ctx));
    let running = runner.start(pipelines);
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());

    // Once the panic has happened the others are still running...
    for _ in 0..500 {
        if ran.lock().expect("lock").len() == 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!collecting.is_finished());
    assert_eq!(ran.lock().expect("lock").len(), 8);
    // ...and they end normally when asked to.
    handle.shutdown();
    let stats = collecting.await.expect("the runner does not panic");
    assert_eq!(stats.counts().completed, 8);
    assert_eq!(stats.counts().panicked, 1);
}

#[tokio::test(start_paused = true)]
async fn pipelines_log_inside_a_span_carrying_their_key() {
    let logs = LogCapture::start();
    let ctx = context(0);
    let runner = PipelineRunner::new(ctx.clone(), "table");
    let task = topology::Task::new("events".to_owned(), "table", async {
        tracing::info!("user line from inside the pipeline");
        Ok(topology::TaskOutput::with_message("42 rows"))
    });
    let stats = runner.start_tasks([task]).run_to_completion().await;
    assert_eq!(stats.counts().completed, 1);
    let user_lines = logs.lines_with(&["pipeline{key=events typetag=\"table\"}", "user line from inside"]);
    assert_eq!(user_lines.len(), 1, "{}", logs.text());
    assert_eq!(logs.lines_with(&["pipeline completed: 42 rows", "key=events"]).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_interval_iteration_in_flight_completes_after_shutdown() {
    // Captures take turns: this test's lines must not reach another's.
    let _turn = LogCapture::start();
    let ctx = context(0);
    let iterations = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&iterations);
    let inner = ctx.clone();
    let task = topology::Task::new("events".to_owned(), "table", async move {
        let mut n = 0;
        let result: Result<(), std::io::Error> = run_every(&inner, Duration::from_secs(30), || {
            n += 1;
            let (n, seen) = (n, Arc::clone(&seen));
            async move {
                seen.lock().expect("lock").push(format!("start {n}"));
                tokio::time::sleep(Duration::from_secs(10)).await;
                seen.lock().expect("lock").push(format!("end {n}"));
                Ok(())
            }
        })
        .await;
        result
            .map(|()| topology::TaskOutput::default())
            .map_err(topology::TaskError::failed)
    });
    let running = PipelineRunner::new(ctx.clone(), "table").start_tasks([task]);
    // Shut down in the middle of the second iteration (which starts at 30 s).
    tokio::spawn({
        let ctx = ctx.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(35)).await;
            ctx.shutdown.cancel();
        }
    });
    let started = tokio::time::Instant::now();
    let stats = running.run_to_completion().await;
    assert_eq!(stats.counts().completed, 1);
    assert_eq!(
        *iterations.lock().expect("lock"),
        ["start 1", "end 1", "start 2", "end 2"]
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(40),
        "it stops right after the iteration"
    );
}
