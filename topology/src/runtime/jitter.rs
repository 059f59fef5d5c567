//! Random start delays that keep pipelines from starting in lockstep.

use std::time::Duration;

/// A random delay, uniform in `[0, max_secs)` seconds; `0` gives no delay.
///
/// Bounds beyond about 584 years saturate.
///
/// Spreading the starts keeps a topology of many pipelines from hitting its
/// sources all at once after a deploy.
///
/// ```
/// use std::time::Duration;
/// use topology::random_jitter;
///
/// assert_eq!(random_jitter(0), Duration::ZERO);
/// assert!(random_jitter(10) < Duration::from_secs(10));
/// ```
pub fn random_jitter(max_secs: u64) -> Duration {
    if max_secs == 0 {
        return Duration::ZERO;
    }
    // Drawn in nanoseconds so the bound is exact; bounds beyond what a u64
    // of nanoseconds holds (about 584 years) saturate.
    let max_nanos = max_secs.saturating_mul(1_000_000_000);
    Duration::from_nanos(fastrand::u64(0..max_nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_below_the_bound() {
        for max in [1, 2, 30, 3600, u64::MAX / 4] {
            for _ in 0..1000 {
                assert!(random_jitter(max) < Duration::from_secs(max));
            }
        }
    }

    #[test]
    fn spreads_over_the_range() {
        let draws: Vec<Duration> = (0..2000).map(|_| random_jitter(10)).collect();
        assert!(draws.iter().any(|d| *d < Duration::from_secs(1)));
        assert!(draws.iter().any(|d| *d > Duration::from_secs(9)));
    }
}
