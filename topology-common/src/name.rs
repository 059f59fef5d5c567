//! The one rule for the names that become keys (a pipeline's key, a family
//! entry's name): they appear in logs, metric labels, `--list` and shard
//! hashing, so they stay plain.

/// What is wrong with `name` as a key or an entry's name, if anything.
///
/// ```
/// use topology_common::name_problem;
///
/// assert_eq!(name_problem("orders.v2"), None);
/// assert!(name_problem("..").unwrap().contains("at least one letter or digit"));
/// assert!(name_problem("a/b").unwrap().contains("use only"));
/// ```
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it must not be empty");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Some("use only letters, digits, `.`, `_` and `-`");
    }
    if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Some("use at least one letter or digit, not only `.`, `_` and `-`");
    }
    None
}
