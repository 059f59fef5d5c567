//! A user's text in one log line: an error with a newline in it (an S3 XML
//! body, a stack of causes) would otherwise split one event over several
//! lines, and a log pipeline would read each as an event of its own.

use std::{borrow::Cow, fmt};

/// `text` with its line breaks written as `\n` (and `\r`), so that it stays
/// on one line.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace('\r', "\\r").replace('\n', "\\n"))
}

/// Shows a value's `Display` on one line.
pub(crate) struct OneLine<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for OneLine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&one_line(&self.0.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_are_written_out() {
        assert_eq!(one_line("plain"), "plain");
        assert_eq!(
            one_line("<Error>\r\n  <Code>SlowDown</Code>\n</Error>"),
            "<Error>\\r\\n  <Code>SlowDown</Code>\\n</Error>"
        );
        assert_eq!(OneLine("a\nb").to_string(), "a\\nb");
    }
}
