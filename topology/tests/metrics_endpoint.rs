//! `/metrics` and `/health`, scraped over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use support::{Behaviour, TestPipeline, get, value};
use topology::{
    CancellationToken, GlobalConfig, MetricsServer, PipelineContext, PipelineRunner, RunningTopology, TopologyError,
    run_pipelines,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_the_pipelines_and_health_turns_503_on_shutdown() {
    let ctx = PipelineContext::from_config(
        &GlobalConfig::default()
            .with_poll_jitter_secs(0)
            .with_total_concurrency(Some(4)),
    )
    .expect("valid config");
    let server = support::serve_metrics(ctx.shutdown.clone()).await;
    let base = format!("http://{}", server.local_addr());

    let held = ctx.acquire().await;
    ctx.store("memory://scraped-bucket/x").expect("store");
    let running = PipelineRunner::new(ctx.clone(), "scrape").served_by(&server).start([
        TestPipeline::new("scrape-ok", Behaviour::Complete, &ctx),
        TestPipeline::new("scrape-bad", Behaviour::Fail, &ctx),
        TestPipeline::new("scrape-live", Behaviour::UntilShutdown, &ctx),
    ]);
    let handle = running.shutdown_handle();
    let collecting = tokio::spawn(running.run_to_completion());
    let series = |name: &str, key: &str, extra: &str| format!("{name}{{key=\"{key}\",typetag=\"scrape\"{extra}}}");

    let (status, health) = get(format!("{base}/health")).await;
    assert_eq!((status, health.as_str()), (200, "ok\n"));
    // Scrape until the two pipelines that end at once have been collected.
    let collected = series(
        "topology_pipeline_outcomes_total",
        "scrape-ok",
        ",outcome=\"completed\"",
    );
    let mut scrape = String::new();
    for _ in 0..500 {
        let (status, body) = get(format!("{base}/metrics")).await;
        assert_eq!(status, 200);
        scrape = body;
        if value(&scrape, &collected).is_some()
            && value(
                &scrape,
                &series("topology_pipeline_outcomes_total", "scrape-bad", ",outcome=\"failed\""),
            )
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        value(&scrape, &series("topology_pipeline_running", "scrape-live", "")),
        Some(1.0),
        "{scrape}"
    );
    assert_eq!(
        value(&scrape, &series("topology_pipeline_running", "scrape-ok", "")),
        Some(0.0)
    );
    assert_eq!(
        value(&scrape, &series("topology_pipeline_starts_total", "scrape-bad", "")),
        Some(1.0)
    );
    assert_eq!(
        value(
            &scrape,
            &series("topology_pipeline_outcomes_total", "scrape-bad", ",outcome=\"failed\"")
        ),
        Some(1.0),
        "{scrape}"
    );
    assert_eq!(
        value(
            &scrape,
            &series(
                "topology_pipeline_outcomes_total",
                "scrape-ok",
                ",outcome=\"completed\""
            )
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&scrape, "topology_semaphore_permits_in_use"),
        Some(1.0),
        "{scrape}"
    );
    assert!(value(&scrape, "topology_storage_pooled_stores") >= Some(1.0));
    assert!(scrape.contains("# TYPE topology_pipeline_run_duration_seconds histogram"));
    drop(held);

    handle.shutdown();
    let (status, health) = get(format!("{base}/health")).await;
    assert_eq!((status, health.as_str()), (503, "shutting down\n"));
    let stats = collecting.await.expect("runner");
    assert_eq!(stats.counts().completed, 2);

    // The topology has ended: its runs, and their per-key series, are gone
    // from the endpoint that outlives it.
    let (_, scrape) = get(format!("{base}/metrics")).await;
    assert_eq!(
        value(&scrape, &series("topology_pipeline_running", "scrape-live", "")),
        None
    );
    assert!(!scrape.contains("key=\"scrape-"), "{scrape}");
    assert_eq!(value(&scrape, "topology_semaphore_permits_in_use"), Some(0.0));
    assert_eq!(value(&scrape, "topology_shutting_down"), Some(1.0));
    server.stop().await;
}

#[tokio::test]
async fn a_taken_metrics_address_is_an_error_returned_to_the_caller() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let result = run_pipelines(&address, &GlobalConfig::default(), "table", |ctx| {
        vec![TestPipeline::new("never-built", Behaviour::Complete, ctx)]
    })
    .await;
    match result {
        Err(error @ TopologyError::MetricsBind { .. }) => {
            assert!(error.to_string().contains(&address), "{error}");
        }
        other => panic!("expected a bind error, got {other:?}"),
    }
    let error = MetricsServer::start(
        taken.local_addr().expect("address"),
        CancellationToken::new(),
        &topology::PrometheusRecorder::install().expect("recorder"),
    )
    .await
    .expect_err("taken");
    assert!(matches!(error, TopologyError::MetricsBind { .. }));
}

#[tokio::test]
async fn a_malformed_metrics_address_names_the_setting_and_value() {
    let result = run_pipelines("9090", &GlobalConfig::default(), "table", |ctx| {
        vec![TestPipeline::new("never-built", Behaviour::Complete, ctx)]
    })
    .await;
    let error = result.expect_err("not an address").to_string();
    assert!(error.contains("metrics_addr") && error.contains("`9090`"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_request_cannot_keep_the_endpoint_open() {
    use tokio::io::AsyncWriteExt;

    let server = support::serve_metrics(CancellationToken::new()).await;
    // Half a request, and a second connection that says nothing at all.
    let mut half = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    half.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let _silent = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    tokio::task::yield_now().await;
    let stopped = tokio::time::timeout(Duration::from_secs(3600), server.stop()).await;
    assert!(stopped.is_ok(), "stopping the endpoint is bounded by its grace");
}
