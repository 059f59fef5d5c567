//! The program `topology!` generates: its `main` (settings, logging, the
//! run, the exit code) and the in-process start that tests use too.

use std::{fmt::Display, process::ExitCode};

use tokio_util::sync::CancellationToken;

use crate::{
    program::{
        error::ProgramError,
        flags::{command, resolve},
        hangup::Hangups,
        launch::{Blueprint, Launcher},
        listing::render,
        logging::{init_logging, json_logs},
        ownership::{HoldingsWatcher, LeaseView, Leases},
        reload::Reloader,
        settings::Settings,
        spec::ProgramSpec,
        started::StartedTopology,
    },
    runtime::{
        block_on::block_on_then,
        error::{TopologyError, chain},
        pipeline::Pipeline,
        redact::redact,
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
    let mut prepared = launcher.prepare(settings)?;
    // Started once the configuration is known to plan: a configuration
    // that cannot takes no lease.
    let (coordinator, leases) = Leases::start(&settings.replica)?.unzip();
    let watcher = leases.as_ref().map(Leases::watcher);
    let coordinated = leases.is_some();
    if let Some(leases) = leases {
        launcher.coordinate(leases);
        // No lease can be counted on yet: every run starts once the
        // watcher sees its bucket granted.
        prepared.ready.clear();
    }
    let idle = prepared.ready.is_empty();
    if shard != Shard::ALL && !coordinated {
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
    if coordinated {
        // What runs follows the leases: none may be held yet, and all may
        // be lost and taken again later.
        spawner.hold_until_shutdown();
    } else if idle {
        // A replica with nothing to run (its share is empty, or the file
        // empties every family) stays up, healthy, until it is told to
        // stop: the orchestrator would restart one that exited, and a
        // reload may give it pipelines.
        tracing::info!("this replica runs no pipelines; it waits for a reload (SIGHUP) or a signal to stop");
        spawner.hold_until_shutdown();
    }
    started.apply_pending();
    let ctx_shutdown = ctx.shutdown.clone();
    let reloader = Reloader::new(launcher, ctx, spawner, settings.clone());
    if let Some(watcher) = watcher {
        tokio::spawn(follow_leases(watcher, reloader.clone(), ctx_shutdown));
    }
    started.reloader = Some(reloader);
    started.coordinator = coordinator;
    Ok(started)
}

/// Starts and stops pipelines as this replica gains and loses leases,
/// until shutdown begins (every run is stopping then) or the keeper ends.
async fn follow_leases(mut watcher: HoldingsWatcher, reloader: Reloader, shutdown: CancellationToken) {
    loop {
        let changed = tokio::select! {
            () = shutdown.cancelled() => return,
            changed = watcher.changed() => changed,
        };
        if !changed {
            return;
        }
        match reloader.reapply() {
            Ok(report) => tracing::info!("the leases held changed: {report}"),
            Err(ProgramError::Reload(_)) => return,
            Err(error) => tracing::error!("could not follow the leases held: {}", chain(&error)),
        }
    }
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
    if tokio::runtime::Handle::try_current().is_ok() {
        // Building a runtime inside one would panic: say what to call instead.
        eprintln!(
            "error: `Topology::main()` was called inside a tokio runtime (a `#[tokio::main]` function?); \
             call `Topology::run().await` there instead: it keeps the flags, settings, signals, reloads and exit codes"
        );
        return ExitCode::from(CONFIG_ERROR_EXIT_CODE);
    }
    let (settings, reread) = match read_command_line(&spec, args) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let outcome = block_on_then(run_until_done(settings, reread, start), |outcome| match outcome {
        // Tasks given up on may block their threads for good: waiting for
        // them would only spend the orchestrator's grace period.
        Ok(stats) if stats.counts().timed_out + stats.counts().aborted > 0 => {
            tracing::info!("exiting without waiting for the threads of pipelines given up on");
            false
        }
        _ => true,
    });
    match outcome {
        Ok(outcome) => exit_code(outcome),
        Err(error) => start_up_error(&TopologyError::Runtime(error)),
    }
}

/// The generated `run`: [`main`] for a program that owns its runtime (a
/// `#[tokio::main]` function, a web server beside the topology), with the
/// same flags, settings, signals, reloads and exit codes.
pub fn run<K, F, Fut>(spec: ProgramSpec, start: F) -> impl Future<Output = ExitCode>
where
    K: Clone + Display + Send + Sync + 'static,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<StartedTopology<K>, ProgramError>>,
{
    // Read now: the arguments' iterator is not `Send`, and the future may
    // have to be.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    run_with_args(spec, args, start)
}

/// [`run`] with explicit arguments.
pub async fn run_with_args<K, F, Fut, A>(spec: ProgramSpec, args: A, start: F) -> ExitCode
where
    K: Clone + Display + Send + Sync + 'static,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<StartedTopology<K>, ProgramError>>,
    A: IntoIterator,
    A::Item: Into<std::ffi::OsString> + Clone,
{
    match read_command_line(&spec, args) {
        Ok((settings, reread)) => exit_code(run_until_done(settings, reread, start).await),
        Err(code) => code,
    }
}

/// Reads the settings, answers `--help` and `--list`, and sets up logging:
/// the settings and how to read them again on SIGHUP, or the exit code
/// when there is nothing to run.
fn read_command_line<A>(spec: &ProgramSpec, args: A) -> Result<(Settings, Reread), ExitCode>
where
    A: IntoIterator,
    A::Item: Into<std::ffi::OsString> + Clone,
{
    let defaults = (spec.defaults)();
    let matches = match command(spec, &defaults).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            // `--help` is not an error; everything else is a usage error.
            let _ = error.print();
            return Err(if error.use_stderr() {
                ExitCode::from(CONFIG_ERROR_EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            });
        }
    };
    let resolved = defaults
        .check_environment(std::env::vars_os())
        .and_then(|()| resolve(defaults, &matches, |var| std::env::var(var).ok()));
    let resolved = resolved.and_then(|settings| Ok((settings, json_logs()?)));
    let (settings, json) = resolved.map_err(|error| start_up_error(&error))?;
    if matches.get_flag("list") {
        let listed = (spec.list)(&settings).and_then(|listings| Ok((listings, LeaseView::read(&settings.replica)?)));
        return Err(match listed {
            Ok((listings, leases)) => {
                print!(
                    "{}",
                    redact(&render(&listings, settings.replica.shard, leases.as_ref()))
                );
                ExitCode::SUCCESS
            }
            Err(error) => start_up_error(&error),
        });
    }
    init_logging(json);
    let defaults = spec.defaults;
    let reread: Reread = Box::new(move || {
        let defaults = defaults();
        defaults.check_environment(std::env::vars_os())?;
        resolve(defaults, &matches, |var| std::env::var(var).ok())
    });
    Ok((settings, reread))
}

/// Reads the settings again, for a reload.
type Reread = Box<dyn Fn() -> Result<Settings, ProgramError> + Send + Sync>;

/// Starts the topology and runs it until it ends or is signalled.
async fn run_until_done<K, F, Fut>(settings: Settings, reread: Reread, start: F) -> Result<RunStats<K>, ProgramError>
where
    K: Clone + Display + Send + Sync + 'static,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<StartedTopology<K>, ProgramError>>,
{
    // Before anything else, so that a signal during start-up is queued, not fatal.
    let signals = ShutdownSignals::install().map_err(TopologyError::Signals)?;
    let hangups = Hangups::install()?;
    let started = start(settings).await?;
    if let Some(reloader) = started.reloader() {
        tokio::spawn(hangups.reload_each(reloader, reread));
    }
    let handle = started.shutdown_handle();
    Ok(run_until_signalled(signals, handle, started).await)
}

/// The exit code of a run, or of the error that stopped it before it ran.
fn exit_code<K>(outcome: Result<RunStats<K>, ProgramError>) -> ExitCode {
    match outcome {
        Ok(stats) => stats.exit_code(),
        Err(error) => start_up_error(&error),
    }
}

/// Every error that stops the program before it runs, in one format:
/// printed, not logged, so that it shows even with logging filtered out.
fn start_up_error(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    eprintln!("error: {}", redact(&chain(error)));
    ExitCode::from(CONFIG_ERROR_EXIT_CODE)
}
