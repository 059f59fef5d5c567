//! Duration literals such as `"500ms"`, `"30s"`, `"5m"`, `"1h30m"`: one
//! syntax for `#[pipeline(interval = ...)]` and the policies an operator
//! sets in configuration.

/// Parses a duration literal into milliseconds, or says what is wrong.
///
/// ```
/// use topology_common::parse_millis;
///
/// assert_eq!(parse_millis("1h30m"), Ok(5_400_000));
/// assert!(parse_millis("0s").unwrap_err().contains("greater than zero"));
/// ```
pub fn parse_millis(text: &str) -> Result<u64, String> {
    const HELP: &str = "write a number and a unit, such as \"500ms\", \"30s\", \"5m\" or \"1h30m\"";
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty duration; {HELP}"));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("invalid duration \"{text}\"; {HELP}"));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "" => return Err(format!("duration \"{text}\" has no unit; {HELP}")),
            other => {
                return Err(format!("unknown unit `{other}` in duration \"{text}\"; {HELP}"));
            }
        };
        let value: u64 = number
            .parse()
            .map_err(|_| format!("duration \"{text}\" is too large"))?;
        total = value
            .checked_mul(scale)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| format!("duration \"{text}\" is too large"))?;
        rest = after;
    }
    if total == 0 {
        return Err(format!("duration \"{text}\" must be greater than zero"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units_and_sums() {
        assert_eq!(parse_millis("500ms"), Ok(500));
        assert_eq!(parse_millis("30s"), Ok(30_000));
        assert_eq!(parse_millis("5m"), Ok(300_000));
        assert_eq!(parse_millis("1h30m"), Ok(5_400_000));
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "",
            "30",
            "s",
            "30 s",
            "3x",
            "0s",
            "-1s",
            "1.5s",
            "99999999999999999999h",
        ] {
            assert!(parse_millis(bad).is_err(), "{bad}");
        }
    }
}
