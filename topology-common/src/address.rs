//! The metrics address: `off`, or a socket address with a port.

use std::net::SocketAddr;

/// Parses a metrics address: `None` for `off` (any case), else the socket
/// address, with `localhost:PORT` read as `127.0.0.1:PORT`. Surrounding
/// whitespace is ignored.
///
/// # Errors
///
/// What was expected, in words, when `text` is neither.
///
/// ```
/// use topology_common::parse_metrics_address;
///
/// assert_eq!(parse_metrics_address("off"), Ok(None));
/// assert_eq!(parse_metrics_address(" localhost:9090 "), Ok(Some(([127, 0, 0, 1], 9090).into())));
/// assert!(parse_metrics_address("9090").is_err());
/// ```
pub fn parse_metrics_address(text: &str) -> Result<Option<SocketAddr>, &'static str> {
    const EXPECTED: &str = "`off` or an address with a port, such as `0.0.0.0:9090`";
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let address = match trimmed.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => trimmed.to_owned(),
    };
    address.parse().map(Some).map_err(|_| EXPECTED)
}

#[cfg(test)]
mod tests {
    use super::parse_metrics_address;

    #[test]
    fn hostile_addresses() {
        for text in [
            "",
            "localhost",
            "localhost:",
            "localhost:99999",
            "0.0.0.0",
            ":9090",
            "[::1]",
            "ofF:1",
        ] {
            assert!(parse_metrics_address(text).is_err(), "{text:?}");
        }
        assert_eq!(parse_metrics_address("OFF"), Ok(None));
        assert_eq!(
            parse_metrics_address("[::1]:0"),
            Ok(Some("[::1]:0".parse().unwrap_or_else(|_| unreachable!())))
        );
    }
}
