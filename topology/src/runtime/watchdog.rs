//! Timers that do not need a free worker thread. tokio's timers are driven
//! by its worker threads; a pipeline that blocks every one of them stops
//! them, and with them the shutdown deadline. A timer measured by an OS
//! thread still fires, and its token wakes whoever waits on it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A token cancelled once `duration` has passed, measured by an OS thread.
/// If no thread can be started, the token is never cancelled, and the
/// caller's tokio timer alone decides.
pub(crate) fn after(duration: Duration) -> CancellationToken {
    let token = CancellationToken::new();
    let fired = token.clone();
    // Detached: it holds nothing but the token, and the process may exit
    // while it sleeps.
    let _ = std::thread::Builder::new()
        .name("topology-timer".to_owned())
        .spawn(move || {
            std::thread::sleep(duration);
            fired.cancel();
        });
    token
}

/// Ends when `tokio_timer` does or `wall_clock` is cancelled, whichever is
/// first: the tokio timer keeps paused time in tests exact, the wall clock
/// keeps a blocked runtime from waiting forever.
pub(crate) async fn timer_or_wall_clock(tokio_timer: impl Future<Output = ()>, wall_clock: Option<&CancellationToken>) {
    match wall_clock {
        Some(token) => {
            tokio::select! {
                () = tokio_timer => {}
                () = token.cancelled() => {}
            }
        }
        None => tokio_timer.await,
    }
}
