//! YAML errors as the program's messages show them: the path and the
//! location are placed by the message, once, so they are taken out of the
//! YAML library's text.

/// A YAML error's text for a message that places the path and the location
/// itself: both are taken out of the text.
pub(crate) fn yaml_message(text: &str, path: &str) -> String {
    let message = strip_location(text);
    // The YAML error may already start with the path.
    match message.split_once(": ") {
        Some((prefix, rest)) if path.starts_with(prefix) => rest.to_owned(),
        _ => message,
    }
}

/// serde_yaml_ng writes " at line L column C" into its messages, once or
/// more (a syntax error also names where the enclosing mapping began); the
/// caller places the location itself, once.
pub(crate) fn strip_location(message: &str) -> String {
    let mut text = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(" at line ") {
        text.push_str(&rest[..at]);
        let after = &rest[at + " at line ".len()..];
        // Skip "L column C": digits, " column ", digits.
        let skip = after
            .split_once(" column ")
            .filter(|(line, _)| !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
            .map(|(line, tail)| line.len() + " column ".len() + tail.bytes().take_while(u8::is_ascii_digit).count());
        match skip {
            Some(skip) => rest = &after[skip..],
            None => {
                text.push_str(" at line ");
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::strip_location;

    #[test]
    fn every_location_is_stripped_and_the_words_kept() {
        assert_eq!(
            strip_location(
                "did not find expected ',' or '}' at line 5 column 36, while parsing a flow mapping at line 5 column 5"
            ),
            "did not find expected ',' or '}', while parsing a flow mapping"
        );
        assert_eq!(
            strip_location("unknown field `x` at line 2 column 3"),
            "unknown field `x`"
        );
        assert_eq!(strip_location("no location here"), "no location here");
        assert_eq!(strip_location("ends at line "), "ends at line ");
    }
}
