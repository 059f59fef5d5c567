//! String work in const contexts, for the compile-time messages of
//! generated code (a duplicate key names both pipelines).

/// Concatenates string slices in a const context, for compile-time messages.
pub const fn concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part].as_bytes();
        let mut i = 0;
        while i < bytes.len() && at < N {
            out[at] = bytes[i];
            at += 1;
            i += 1;
        }
        part += 1;
    }
    out
}

/// The total length of string slices, in a const context.
pub const fn total_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut part = 0;
    while part < parts.len() {
        len += parts[part].len();
        part += 1;
    }
    len
}

/// Byte-wise string equality, in a const context.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The name of the first earlier `(key, id, name)` whose key is `key` and
/// whose function is another (`id` differs), or `""`. Empty keys (from
/// attributes with errors) match nothing.
pub const fn find_key<'a>(earlier: &[(&str, &str, &'a str)], key: &str, id: &str) -> &'a str {
    let mut i = 0;
    while i < earlier.len() {
        if !key.is_empty() && str_eq(earlier[i].0, key) && !str_eq(earlier[i].1, id) {
            return earlier[i].2;
        }
        i += 1;
    }
    ""
}

/// Whether one of the `(key, is a family)` pipelines is the family `key`.
pub const fn is_family(declared: &[(&str, bool)], key: &str) -> bool {
    let mut i = 0;
    while i < declared.len() {
        if declared[i].1 && str_eq(declared[i].0, key) {
            return true;
        }
        i += 1;
    }
    false
}

/// The name under which the function `id` was listed earlier, or `""`.
pub const fn find_same_function<'a>(earlier: &[(&str, &str, &'a str)], id: &str) -> &'a str {
    let mut i = 0;
    while i < earlier.len() {
        if str_eq(earlier[i].1, id) {
            return earlier[i].2;
        }
        i += 1;
    }
    ""
}

/// Bytes known to be UTF-8 (built by [`concat`] from string slices) as a
/// string; invalid bytes give a fixed message instead of a panic.
pub const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "duplicate pipeline key",
    }
}
