//! The program `topology!` generates: its `main` (settings, logging, the
//! run, the exit code) and the in-process start that tests use too.

use std::{fmt::Display, io::IsTerminal, process::ExitCode};

use tracing_subscriber::EnvFilter;

use crate::{
    program::{
        error::ProgramError,
        flags::{command, resolve},
        hangup::Hangups,
        launch::{Blueprint, Launcher},
        listing::render,
        reload::Reloader,
        settings::{LOG_FORMAT_VAR, Settings},
        spec::ProgramSpec,
        started::StartedTopology,
    },
    runtime::{
        block_on::block_on_then,
        error::{TopologyError, chain},
        pipeline::Pipeline,
        redact::{RedactedStderr, redact},
        running_topology::run_until_signalled,
        served::announce,
        shard::Shard,
        shutdown::ShutdownSignals,
        stats::RunStats,
    },
};

/// The exit code for a start-up or configuration error.
pub(crate) const CONFIG_ERROR_EXIT_CODE: u8 = 2;

/// Plans every pipeline from `settings` (families expand to one pipeline per
/// entry, the shard keeps its share), then starts them in-process with
/// `state` shared by all. The started topology can be reloaded.
pub async fn start<S, K, P, Plan>(
    spec: &ProgramSpec,
    settings: &Settings,
    state: S,
    blueprint: Blueprint<S, K, Plan, P>,
) -> Result<StartedTopology<K>, ProgramError>
where
    S: Send + Sync + 'static,
    K: Clone + Display + Send + Sync + 'static,
    P: Pipeline<Key = K>,
    Plan: 'static,
{
    let shard = settings.replica.shard;
    let mut launcher = Launcher::new(blueprint, state, shard, spec.typetag);
    let prepared = launcher.prepare(settings)?;
    let idle = prepared.ready.is_empty();
    if shard != Shard::ALL {
        tracing::info!(
            %shard,
            "shard {shard}: this replica runs {} of the {} pipelines",
            prepared.ready.len(),
            prepared.total
        );
    }
    let (mut started, ctx) = StartedTopology::prepare(settings, spec.typetag).await?;
    announce(
        settings,
        spec.typetag,
        prepared.ready.len(),
        prepared.ready.iter().map(|ready| &ready.name),
    );
    let spawner = started.spawner();
    let jitter = settings.global.poll_jitter_secs;
    for ready in prepared.ready {
        // Cannot fail: the topology has not begun collecting, let alone ended.
        let _ = launcher.launch(ready, &ctx, &prepared.families, &spawner, jitter, None);
    }
    if idle {
        // A replica with nothing to run (its share is empty, or the file
        // empties every family) stays up, healthy, until it is told to
        // stop: the orchestrator would restart one that exited, and a
        // reload may give it pipelines.
        tracing::info!("this replica runs no pipelines; it waits for a reload (SIGHUP) or a signal to stop");
        spawner.hold_until_shutdown();
    }
    started.apply_pending();
    started.reloader = Some(Reloader::new(launcher, ctx, spawner, settings.clone()));
    Ok(started)
}

/// The generated `main`: reads the flags, the configuration file and the
/// environment, sets up logging, starts the topology with `start` and runs it
/// until it ends or is signalled, and maps the outcome to the exit code
/// (0, 1, 2 or 130).
pub fn main<K, F, Fut>(spec: ProgramSpec, start: F) -> ExitCode
where
    K: Clone + Display + Send + Sync + 'static,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<StartedTopology<K>, ProgramError>>,
{
    main_with_args(spec, std::env::args_os(), start)
}

/// [`main`] with explicit arguments.
pub fn main_with_args<K, F, Fut, A>(spec: ProgramSpec, args: A, start: F) -> ExitCode
where
    K: Clone + Display + Send + Sync + 'static,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<StartedTopology<K>, ProgramError>>,
    A: IntoIterator,
    A::Item: Into<std::ffi::OsString> + Clone,
{
    let defaults = (spec.defaults)();
    let matches = match command(&spec, &defaults).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            // `--help` is not an error; everything else is a usage error.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(CONFIG_ERROR_EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let resolved = defaults
        .check_environment(std::env::vars_os())
        .and_then(|()| resolve(defaults, &matches, |var| std::env::var(var).ok()));
    let resolved = resolved.and_then(|settings| Ok((settings, json_logs()?)));
    let (settings, json) = match resolved {
        Ok(resolved) => resolved,
        Err(error) => return start_up_error(&error),
    };
    if matches.get_flag("list") {
        return match (spec.list)(&settings) {
            Ok(listings) => {
                print!("{}", redact(&render(&listings, settings.replica.shard)));
                ExitCode::SUCCESS
            }
            Err(error) => start_up_error(&error),
        };
    }
    init_logging(json);
    let reread = move || {
        let defaults = (spec.defaults)();
        defaults.check_environment(std::env::vars_os())?;
        resolve(defaults, &matches, |var| std::env::var(var).ok())
    };
    let outcome = block_on_then(
        async move {
            // Before anything else, so that a signal during start-up is queued, not fatal.
            let signals = ShutdownSignals::install().map_err(TopologyError::Signals)?;
            let hangups = Hangups::install()?;
            let started = start(settings).await?;
            if let Some(reloader) = started.reloader() {
                tokio::spawn(hangups.reload_each(reloader, reread));
            }
            let handle = started.shutdown_handle();
            Ok::<RunStats<K>, ProgramError>(run_until_signalled(signals, handle, started).await)
        },
        |outcome| match outcome {
            // Tasks given up on may block their threads for good: waiting for
            // them would only spend the orchestrator's grace period.
            Ok(stats) if stats.counts().timed_out + stats.counts().aborted > 0 => {
                tracing::info!("exiting without waiting for the threads of pipelines given up on");
                false
            }
            _ => true,
        },
    );
    match outcome {
        Ok(Ok(stats)) => stats.exit_code(),
        Ok(Err(error)) => start_up_error(&error),
        Err(error) => start_up_error(&TopologyError::Runtime(error)),
    }
}

/// Every error that stops the program before it runs, in one format:
/// printed, not logged, so that it shows even with logging filtered out.
fn start_up_error(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    eprintln!("error: {}", redact(&chain(error)));
    ExitCode::from(CONFIG_ERROR_EXIT_CODE)
}

/// Shows a topology's logs in a test's output: installs a subscriber that
/// writes through the test harness (so `cargo test` shows them only for
/// failing tests), filtered by `RUST_LOG` (default `info`). Does nothing if
/// a subscriber is installed already, so every test may call it.
///
/// ```
/// topology::init_test_logging();
/// tracing::info!("seen in the output of a failing test");
/// ```
pub fn init_test_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A subscriber already installed (by an earlier test) wins.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// Logs to stderr; `RUST_LOG` filters (default `info`).
/// `TOPOLOGY_LOG_FORMAT=json` writes one JSON object a line, for log
/// pipelines, with the pipeline's key and typetag as fields.
fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactedStderr);
    // A subscriber the program installed itself wins.
    let installed = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
    if installed.is_ok() {
        std::panic::set_hook(Box::new(log_panic));
    }
}

/// A panic as one log event (one JSON line in JSON mode), instead of the
/// default hook's plain text, which would bypass the redaction of
/// credentials and split the JSON lines: in the panicking pipeline's span (so with its
/// key), with where it happened, and the backtrace when `RUST_BACKTRACE`
/// asks for one.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(panic payload is not a string)");
    let location = info.location().map(ToString::to_string).unwrap_or_default();
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        tracing::error!(panic.location = %location, panic.backtrace = %backtrace, "panicked: {message}");
    } else {
        tracing::error!(panic.location = %location, "panicked: {message}");
    }
}

/// Whether `TOPOLOGY_LOG_FORMAT` asks for JSON; anything but `text` or
/// `json` is a start-up error.
fn json_logs() -> Result<bool, ProgramError> {
    match std::env::var(LOG_FORMAT_VAR).as_deref() {
        Err(_) | Ok("text") => Ok(false),
        Ok("json") => Ok(true),
        Ok(other) => Err(ProgramError::InvalidSetting {
            setting: "log_format".to_owned(),
            value: other.to_owned(),
            origin: format!("environment variable {LOG_FORMAT_VAR}"),
            reason: "expected `text` or `json`".to_owned(),
        }),
    }
}
