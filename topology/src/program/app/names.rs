//! The names of the application's settings: the variable and flag each
//! field gets, which must not collide. (Every field its type reads, those
//! its defaults leave out included, comes from `suggest::fields_of`.)

/// The environment variable of the application setting `field`.
pub(crate) fn env_var(field: &str) -> String {
    let upper: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TOPOLOGY_APP_{upper}")
}

/// The command-line flag (without dashes) of the application setting `field`.
pub(crate) fn flag(field: &str) -> String {
    let lower: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("app-{lower}")
}

/// Two fields whose variable and flag are the same (`lake-url` beside
/// `lake_url`): which, said as the error a start reports.
pub(crate) fn collision<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    for field in fields {
        if let Some(other) = seen.iter().find(|other| flag(other) == flag(field)) {
            return Some(format!(
                "the fields `{other}` and `{field}` would both be set by --{} and {}: rename one of them (`#[serde(rename = \"...\")]`)",
                flag(field),
                env_var(field)
            ));
        }
        seen.push(field);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_on_one_flag_are_named_together() {
        assert_eq!(collision(["lake_url", "batch"]), None);
        let message = collision(["lake_url", "batch", "lake-url"]).unwrap();
        assert!(
            message.contains("`lake_url` and `lake-url`") && message.contains("--app-lake-url"),
            "{message}"
        );
    }
}
