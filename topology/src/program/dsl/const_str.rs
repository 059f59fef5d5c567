//! String work in const contexts, for the compile-time messages of
//! generated code (a duplicate key names both pipelines).

/// Byte-wise string equality, in a const context. Compared from the end:
/// the listed paths share their module prefix and differ in the name, so a
/// mismatch is found at once (the const interpreter is slow, and every
/// listing is compared with every earlier one).
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = a.len();
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return false;
        }
    }
    true
}

/// One listed pipeline: its key, where its function is defined, the
/// function's name, and how the listing names it.
pub type Listing<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A listed pipeline that repeats an earlier one: the same function listed
/// twice, or another function with its key.
#[derive(Clone, Copy)]
pub struct Repeat {
    /// The earlier listing it repeats; `usize::MAX` when it repeats none.
    pub earlier: usize,
    /// Whether it is the same function (else another with the same key).
    pub same_function: bool,
}

impl Repeat {
    /// Whether the listing repeats an earlier one.
    pub const fn found(self) -> bool {
        self.earlier != usize::MAX
    }
}

/// What listing `at` of `listed` repeats, if anything. Empty keys (from
/// attributes with errors) repeat nothing.
pub const fn repeat_of(listed: &[Listing<'_>], at: usize) -> Repeat {
    let (key, id, _, _) = listed[at];
    let mut earlier = 0;
    while earlier < at {
        if str_eq(listed[earlier].1, id) {
            return Repeat {
                earlier,
                same_function: true,
            };
        }
        if !key.is_empty() && str_eq(listed[earlier].0, key) {
            return Repeat {
                earlier,
                same_function: false,
            };
        }
        earlier += 1;
    }
    Repeat {
        earlier: usize::MAX,
        same_function: false,
    }
}

/// How long a compile-time message may be.
const MESSAGE_CAPACITY: usize = 1024;

/// The message for listing `at`, which repeats as `repeat` says, as bytes
/// and their length (see [`message_text`]). Built only when a check fails.
pub const fn repeat_message(listed: &[Listing<'_>], at: usize, repeat: Repeat) -> ([u8; MESSAGE_CAPACITY], usize) {
    let (key, _, name, shown) = listed[at];
    let earlier = listed[repeat.earlier].3;
    if repeat.same_function {
        write(&[
            "the pipeline function `",
            name,
            "` is listed twice, as `",
            earlier,
            "` and `",
            shown,
            "`; list it once",
        ])
    } else {
        write(&[
            "duplicate pipeline key \"",
            key,
            "\": `",
            earlier,
            "` and `",
            shown,
            "` both use it; give one of them another key",
        ])
    }
}

/// The text of a message made by [`repeat_message`].
pub const fn message_text(message: &([u8; MESSAGE_CAPACITY], usize)) -> &str {
    match core::str::from_utf8(message.0.split_at(message.1).0) {
        Ok(text) => text,
        Err(_) => "duplicate pipeline key",
    }
}

/// `parts` one after the other, cut at the capacity.
const fn write(parts: &[&str]) -> ([u8; MESSAGE_CAPACITY], usize) {
    let mut out = [0u8; MESSAGE_CAPACITY];
    let mut len = 0;
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part].as_bytes();
        let mut i = 0;
        while i < bytes.len() && len < MESSAGE_CAPACITY {
            out[len] = bytes[i];
            len += 1;
            i += 1;
        }
        part += 1;
    }
    (out, len)
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
