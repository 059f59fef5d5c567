//! The generated program's logs: to stderr, as text or one JSON object a
//! line, credentials masked, panics as log events; and a test's logs.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::{
    program::{error::ProgramError, settings::LOG_FORMAT_VAR},
    runtime::redact::RedactedStderr,
};

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
pub(crate) fn init_logging(json: bool) {
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
pub(crate) fn json_logs() -> Result<bool, ProgramError> {
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
