//! "Did you mean": the known name closest to a misspelt one.

/// The candidate closest to `given`, if it is close enough to be a typo: at
/// most a third of its length in edits (rustc's own threshold), a swap of
/// two neighbours counting as one edit.
///
/// ```
/// use topology_common::closest;
///
/// assert_eq!(closest("kye", &["key", "interval"]), Some("key"));
/// assert_eq!(closest("colour", &["key", "interval"]), None);
/// ```
#[must_use]
pub fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = given.chars().count().max(3) / 3;
    candidates
        .iter()
        .map(|candidate| (distance(given, candidate), *candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: edits, counting a swap of two
/// neighbours as one (so `kye` is one edit from `key`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_are_suggested() {
        assert_eq!(closest("kye", &["key", "interval"]), Some("key"));
        assert_eq!(closest("intervall", &["key", "interval"]), Some("interval"));
        assert_eq!(closest("pipeline", &["pipelines", "typetag"]), Some("pipelines"));
        assert_eq!(closest("rowz", &["source", "rows"]), Some("rows"));
        assert_eq!(closest("sorce", &["source", "rows"]), Some("source"));
        assert_eq!(
            closest("TOPOLOGY_TOTAL_CONCURENCY", &["TOPOLOGY_TOTAL_CONCURRENCY"]),
            Some("TOPOLOGY_TOTAL_CONCURRENCY")
        );
        assert_eq!(closest("zzz", &["key", "interval"]), None);
        assert_eq!(closest("", &["a"]), Some("a"));
        assert_eq!(closest("ünïcödé", &["unicode"]), None);
    }
}
