//! Credentials kept out of everything the program prints: a password in a
//! URL's user information (`s3://key:secret@bucket`) and credentials in a
//! query string (an Azure SAS token's `sig=`, a presigned URL's
//! `X-Amz-Signature=`). `/pipelines` is unauthenticated and logs are read
//! by many, so every log line, error and listing passes through here.

use std::{borrow::Cow, io};

use tracing_subscriber::fmt::MakeWriter;

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

/// Query parameters whose values are credentials, lowercase.
const SECRET_PARAMETERS: &[&str] = &[
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "token",
    "access_token",
    "sas_token",
    "password",
    "secret",
    "client_secret",
    "api_key",
    "apikey",
    "key",
];

/// Where a URL's authority, or a query value, ends in running text.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ')' | ',' | ';')
}

/// `text` with every URL password and query-string credential replaced by
/// `***` (`s3://AKIA:hunter2@bucket` becomes `s3://AKIA:***@bucket`);
/// borrowed when there is none.
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let mut spans = Vec::new();
    passwords(text, &mut spans);
    query_credentials(text, &mut spans);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut redacted = String::with_capacity(text.len());
    let mut written = 0;
    for (start, end) in spans {
        // Spans may overlap (a password that looks like a query): mask once.
        if start < written {
            continue;
        }
        redacted.push_str(&text[written..start]);
        redacted.push_str(MASK);
        written = end;
    }
    redacted.push_str(&text[written..]);
    Cow::Owned(redacted)
}

/// The byte spans of the passwords in `scheme://user:password@host`.
fn passwords(text: &str, spans: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority_start = from + found + 3;
        let rest = &text[authority_start..];
        let authority_len = rest
            .find(|c: char| matches!(c, '/' | '?' | '#') || ends_token(c))
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
            && colon + 1 < at
        {
            spans.push((authority_start + colon + 1, authority_start + at));
        }
        from = authority_start + authority_len;
    }
}

/// The byte spans of the values of credential parameters (`?sig=…&`).
fn query_credentials(text: &str, spans: &mut Vec<(usize, usize)>) {
    for (equals, _) in text.match_indices('=') {
        let before = &text[..equals];
        let name_start = before.rfind(['?', '&']).map_or(usize::MAX, |at| at + 1);
        let Some(name) = before.get(name_start..) else {
            continue;
        };
        if name.is_empty() || name.contains(|c: char| ends_token(c) || c == '=') {
            continue;
        }
        if !SECRET_PARAMETERS.iter().any(|secret| name.eq_ignore_ascii_case(secret)) {
            continue;
        }
        let value_start = equals + 1;
        let value_len = text[value_start..]
            .find(|c: char| matches!(c, '&' | '#') || ends_token(c))
            .unwrap_or(text.len() - value_start);
        if value_len > 0 {
            spans.push((value_start, value_start + value_len));
        }
    }
}

/// Log output on stderr with credentials redacted: each event is formatted
/// whole and then written once, so a URL is never split between writes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter
    }
}

/// One event's writer for [`RedactedStderr`].
#[derive(Debug)]
pub(crate) struct RedactingWriter;

impl io::Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        io::stderr().lock().write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(redact("s3://AKIA:hunter2@bucket/raw"), "s3://AKIA:***@bucket/raw");
        assert_eq!(
            redact("cannot open `ftp://svc:p@ss:w0rd@host:21/x` and `s3://a:b@c`"),
            "cannot open `ftp://svc:***@host:21/x` and `s3://a:***@c`"
        );
        assert_eq!(redact("postgres://u:pw@db"), "postgres://u:***@db");
    }

    #[test]
    fn what_is_not_a_secret_is_kept() {
        for text in [
            "plain text",
            "memory://lake/orders",
            "abfss://container@account.dfs.core.windows.net/x",
            "http://[::1]:9000/bucket",
            "s3://bucket/a:b@c",
            "key=value and k=v",
            "https://host/?region=eu&sig=",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn credentials_in_query_strings_are_masked() {
        assert_eq!(
            redact("https://acct.blob.core.windows.net/c?sv=2022&SIG=abc%2Fdef&se=1 failed"),
            "https://acct.blob.core.windows.net/c?sv=2022&SIG=***&se=1 failed"
        );
        assert_eq!(
            redact("GET /o?X-Amz-Credential=AKIA%2F&X-Amz-Signature=ff00"),
            "GET /o?X-Amz-Credential=***&X-Amz-Signature=***"
        );
    }

    #[test]
    fn non_ascii_around_a_secret_is_kept_whole() {
        assert_eq!(redact("é s3://ü:ß@b é"), "é s3://ü:***@b é");
        assert_eq!(redact("=?=&=é"), "=?=&=é");
    }
}
