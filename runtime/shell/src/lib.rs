//! POSIX shell quoting, the one quoter of infrac: the VM quotes command
//! interpolations with it, the connectors and the runtime quote paths and
//! arguments of the scripts they build.
//!
//! Architecture invariant: no dependencies and no I/O (the VM stays
//! I/O-free and independent of the connectors).

/// Quotes `text` as one POSIX shell word: bare when it only has characters
/// no shell treats specially, else in single quotes (a `'` becomes `'\''`).
pub fn quote(text: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b);
    if !text.is_empty() && text.bytes().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("abc-1.2/x"), "abc-1.2/x");
        assert_eq!(quote("a=b:c,d@e+f%g_h"), "a=b:c,d@e+f%g_h");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME;rm"), "'$HOME;rm'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("é"), "'é'");
    }
}
