//! `facts.file(path)` and `facts.dir(path)`: `stat` with a raw-mode format
//! that GNU coreutils and busybox both understand (`%f`: the mode in hex,
//! from which the kind and the permission bits are taken).

use std::sync::Arc;

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, optional, parse_int, record, require_success, str_value,
};

/// Prints nothing when nothing is at the path; else `MODEHEX SIZE`, owner,
/// group (one per line), then the SHA-256 line of a regular file (`-` when
/// it cannot be read) or the target of a symbolic link.
pub fn file_script(args: &[&str]) -> String {
    let path = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "p={path}\n\
         if [ -e \"$p\" ] || [ -L \"$p\" ]; then\n\
         stat -c '%f %s\n%U\n%G' -- \"$p\" || exit 1\n\
         if [ -L \"$p\" ]; then readlink -- \"$p\" || exit 1\n\
         elif [ -f \"$p\" ]; then sha256sum < \"$p\" 2>/dev/null || echo -\n\
         fi\n\
         fi"
    )
}

pub fn parse_file(section: &Section) -> ParseResult {
    require_success(section)?;
    if section.stdout.is_empty() {
        return Ok(Value::None);
    }
    let mut parts = section.stdout.splitn(4, '\n');
    let (Some(stat), Some(owner), Some(group)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ParseError::at_line(
            "expected mode, size, owner and group lines from stat",
            &section.stdout,
        ));
    };
    let (kind, mode, size) = parse_stat_line(stat)?;
    let tail = parts.next().unwrap_or_default();
    let tail = tail.strip_suffix('\n').unwrap_or(tail);
    let (sha256, target) = match kind {
        Kind::File => (parse_sha256(tail)?, None),
        Kind::Link => (None, Some(str_value(tail))),
        _ => (None, None),
    };
    Ok(record([
        ("kind", kind.value()),
        ("mode", Value::Int(mode)),
        ("owner", str_value(owner)),
        ("group", str_value(group)),
        ("size", Value::Int(size)),
        ("sha256", optional(sha256)),
        ("target", optional(target)),
    ]))
}

/// `HASH  -` from `sha256sum < file`, or `-` when the file was unreadable.
fn parse_sha256(line: &str) -> Result<Option<Value>, ParseError> {
    if line == "-" {
        return Ok(None);
    }
    let hash = line.split_whitespace().next().unwrap_or_default();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::at_line(
            "expected a SHA-256 line from sha256sum",
            line,
        ));
    }
    Ok(Some(str_value(hash)))
}

/// Prints nothing when `path` is not a directory; else `dir`, the entry
/// names each followed by NUL, a newline, then one `MODEHEX SIZE` line per
/// entry in the same order (one `stat` for all entries).
pub fn dir_script(args: &[&str]) -> String {
    let path = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "[ -d {path} ] || exit 0\n\
         cd -- {path} || exit 1\n\
         echo dir\n\
         set --\n\
         for f in .* *; do\n\
         case $f in .|..) continue;; esac\n\
         if [ -e \"$f\" ] || [ -L \"$f\" ]; then set -- \"$@\" \"$f\"; fi\n\
         done\n\
         [ $# -eq 0 ] && exit 0\n\
         printf '%s\\0' \"$@\"\n\
         echo\n\
         stat -c '%f %s' -- \"$@\""
    )
}

pub fn parse_dir(section: &Section) -> ParseResult {
    require_success(section)?;
    let Some(rest) = section.stdout.strip_prefix("dir\n") else {
        return if section.stdout.is_empty() {
            Ok(Value::None)
        } else {
            Err(ParseError::at_line(
                "expected the directory marker",
                first_line(&section.stdout),
            ))
        };
    };
    if rest.is_empty() {
        return Ok(Value::List(Arc::new(Vec::new())));
    }
    let Some((names, stats)) = rest.rsplit_once("\0\n") else {
        return Err(ParseError::at_line(
            "expected NUL-terminated entry names",
            first_line(rest),
        ));
    };
    let names: Vec<&str> = names.split('\0').collect();
    let stats: Vec<&str> = stats.lines().collect();
    if names.len() != stats.len() {
        return Err(ParseError::new(format!(
            "{} entry names but {} stat lines",
            names.len(),
            stats.len()
        )));
    }
    let mut entries = Vec::with_capacity(names.len());
    for (name, stat) in names.into_iter().zip(stats) {
        let (kind, _, size) = parse_stat_line(stat)?;
        entries.push((name, kind, size));
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let values = entries
        .into_iter()
        .map(|(name, kind, size)| {
            record([
                ("name", str_value(name)),
                ("kind", kind.value()),
                ("size", Value::Int(size)),
            ])
        })
        .collect();
    Ok(Value::List(Arc::new(values)))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The `FileKind` enum of facts.infra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
    Other,
}

impl Kind {
    fn from_mode(raw: i64) -> Kind {
        match raw & 0o170000 {
            0o100000 => Kind::File,
            0o040000 => Kind::Dir,
            0o120000 => Kind::Link,
            _ => Kind::Other,
        }
    }

    fn value(self) -> Value {
        let variant = match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Link => "link",
            Kind::Other => "other",
        };
        Value::Enum {
            ty: Arc::from("FileKind"),
            variant: Arc::from(variant),
        }
    }
}

/// `MODEHEX SIZE` → kind, permission bits, size.
fn parse_stat_line(line: &str) -> Result<(Kind, i64, i64), ParseError> {
    let Some((hex, size)) = line.split_once(' ') else {
        return Err(ParseError::at_line("expected `MODE SIZE` from stat", line));
    };
    let raw = i64::from_str_radix(hex, 16).map_err(|_| {
        ParseError::at_line(format!("the raw mode is not hexadecimal: {hex:?}"), line)
    })?;
    let size = parse_int("size", size, line)?;
    Ok((Kind::from_mode(raw), raw & 0o7777, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;
    use expect_test::expect;

    fn field(v: &ParseResult, name: &str) -> Value {
        match v {
            Ok(Value::Record(r)) => r.get(name).cloned().unwrap_or(Value::None),
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn regular_file() {
        // Captured on Debian 12: stat of an empty file, then sha256sum.
        let v = parse_file(&ok(
            "81a4 5\nroot\nroot\n2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  -\n",
        ));
        expect![[r#"
            Ok(
                Record(
                    {
                        "group": Str(
                            "root",
                        ),
                        "kind": Enum {
                            ty: "FileKind",
                            variant: "file",
                        },
                        "mode": Int(
                            420,
                        ),
                        "owner": Str(
                            "root",
                        ),
                        "sha256": Str(
                            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                        ),
                        "size": Int(
                            5,
                        ),
                        "target": None,
                    },
                ),
            )
        "#]]
        .assert_debug_eq(&v);
    }

    #[test]
    fn link_directory_device_and_missing() {
        let link = parse_file(&ok("a1ff 9\nroot\nroot\n/tmp/x\ny\n"));
        assert_eq!(field(&link, "target"), str_value("/tmp/x\ny"));
        assert_eq!(field(&link, "kind"), Kind::Link.value());
        let dir = parse_file(&ok("41ed 4096\nroot\nstaff\n"));
        assert_eq!(field(&dir, "mode"), Value::Int(0o755));
        assert_eq!(field(&dir, "sha256"), Value::None);
        assert_eq!(
            field(&parse_file(&ok("21b6 0\nroot\nroot\n")), "kind"),
            Kind::Other.value()
        );
        assert_eq!(
            field(&parse_file(&ok("81a4 5\nu\ng\n-\n")), "sha256"),
            Value::None
        );
        assert_eq!(parse_file(&ok("")), Ok(Value::None));
    }

    #[test]
    fn garbage_file_output_is_an_error() {
        let err = |out: &str| {
            parse_file(&ok(out))
                .map_err(|e| e.to_string())
                .err()
                .unwrap_or_default()
        };
        assert_eq!(
            err("zz 1\nu\ng\n"),
            "the raw mode is not hexadecimal: \"zz\" (offending line: \"zz 1\")"
        );
        assert_eq!(
            err("81a4 big\nu\ng\n"),
            "size is not an integer: \"big\" (offending line: \"81a4 big\")"
        );
        assert!(err("81a4 1\n").starts_with("expected mode, size, owner and group"));
        assert!(err("81a4 1\nu\ng\nnot a hash\n").starts_with("expected a SHA-256 line"));
    }

    #[test]
    fn directory_listing_sorted_with_odd_names() {
        let out = "dir\nzeta\0a b\nc\0.hidden\0\n81a4 3\n41ed 4096\na1ff 1\n";
        let v = parse_dir(&ok(out));
        let Ok(Value::List(items)) = &v else {
            panic!("{v:?}")
        };
        let names: Vec<Value> = items
            .iter()
            .map(|e| field(&Ok(e.clone()), "name"))
            .collect();
        assert_eq!(
            names,
            vec![str_value(".hidden"), str_value("a b\nc"), str_value("zeta")]
        );
        assert_eq!(field(&Ok(items[1].clone()), "kind"), Kind::Dir.value());
    }

    #[test]
    fn empty_missing_and_broken_directory_output() {
        assert_eq!(
            parse_dir(&ok("dir\n")),
            Ok(Value::List(Arc::new(Vec::new())))
        );
        assert_eq!(parse_dir(&ok("")), Ok(Value::None));
        assert!(parse_dir(&ok("dir\na\0b\0\n81a4 1\n")).is_err());
        assert!(parse_dir(&ok("nonsense\n")).is_err());
        assert!(parse_dir(&ok("dir\nno terminator")).is_err());
    }
}
