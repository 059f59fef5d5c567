//! Keys in one log line: the first few, then how many more. The start-up
//! line, the shutdown progress line and the closing summary all name keys
//! this way, so that a line stays readable at 100 000 pipelines.

use std::fmt::Display;

/// How many keys a line names before it says "and N more".
pub(crate) const KEYS_SHOWN: usize = 20;

/// The first [`KEYS_SHOWN`] of `keys`, `, `-separated, then ` and N more`.
pub(crate) fn key_list<D: Display>(keys: impl IntoIterator<Item = D>) -> String {
    let mut keys = keys.into_iter();
    let shown: Vec<String> = keys.by_ref().take(KEYS_SHOWN).map(|key| key.to_string()).collect();
    let hidden = keys.count();
    let mut list = shown.join(", ");
    if hidden > 0 {
        list.push_str(&format!(" and {hidden} more"));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_keys_and_a_count() {
        assert_eq!(key_list(Vec::<String>::new()), "");
        assert_eq!(key_list(["a", "b"]), "a, b");
        let many = key_list(0..100);
        assert!(many.starts_with("0, 1, 2"), "{many}");
        assert!(many.ends_with("19 and 80 more"), "{many}");
    }
}
