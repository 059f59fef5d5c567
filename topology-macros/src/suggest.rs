//! "Did you mean" suggestions for misspelt names.

/// The candidate closest to `given`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // rustc's own threshold for typo suggestions.
    let limit = given.chars().count().max(3) / 3;
    candidates
        .iter()
        .map(|candidate| (distance(given, candidate), *candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// The message for an unknown name: a suggestion if one is close, else the
/// list of what is accepted.
pub(crate) fn unknown(what: &str, given: &str, candidates: &[&str]) -> String {
    match closest(given, candidates) {
        Some(candidate) => format!("unknown {what} `{given}`; did you mean `{candidate}`?"),
        None => format!("unknown {what} `{given}`; expected {}", one_of(candidates)),
    }
}

/// "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
pub(crate) fn one_of(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
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
    use super::*;

    #[test]
    fn typos_are_suggested() {
        assert_eq!(closest("kye", &["key", "interval"]), Some("key"));
        assert_eq!(closest("intervall", &["key", "interval"]), Some("interval"));
        assert_eq!(closest("pipeline", &["pipelines", "typetag"]), Some("pipelines"));
        assert_eq!(closest("zzz", &["key", "interval"]), None);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b"]), "`a` or `b`");
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b`, `c`");
    }
}
