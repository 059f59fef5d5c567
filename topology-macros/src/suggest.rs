//! "Did you mean" suggestions for misspelt names, with the runtime's own
//! measure of closeness (`topology_common::closest`).

use topology_common::closest;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_naturally() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b"]), "`a` or `b`");
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b`, `c`");
    }
}
