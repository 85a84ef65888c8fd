//! `facts.os`, `facts.hostname`, `facts.arch`, `facts.kernel`.

use super::parse::{
    ParseError, ParseResult, Section, record, require_success, single_line, str_list, str_value,
};

pub fn hostname_script(_: &[&str]) -> String {
    "uname -n".into()
}

pub fn arch_script(_: &[&str]) -> String {
    "uname -m".into()
}

pub fn kernel_script(_: &[&str]) -> String {
    "uname -r".into()
}

pub fn os_script(_: &[&str]) -> String {
    "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release".into()
}

/// `uname -x`: one line of text.
pub fn parse_line(section: &Section) -> ParseResult {
    require_success(section)?;
    Ok(str_value(single_line(&section.stdout)?))
}

/// `/etc/os-release`: `KEY=value` lines, values optionally quoted.
pub fn parse_os(section: &Section) -> ParseResult {
    require_success(section)?;
    let (mut id, mut version_id, mut pretty_name, mut id_like) = (None, None, None, None);
    for line in section.stdout.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            return Err(ParseError::at_line(
                "expected KEY=value in os-release",
                line,
            ));
        };
        let value = unquote(raw)
            .ok_or_else(|| ParseError::at_line("unterminated quote in os-release", line))?;
        match key {
            "ID" => id = Some(value),
            "VERSION_ID" => version_id = Some(value),
            "PRETTY_NAME" => pretty_name = Some(value),
            "ID_LIKE" => id_like = Some(value),
            _ => {}
        }
    }
    // Defaults from os-release(5).
    let id_like = id_like.unwrap_or_default();
    Ok(record([
        ("id", str_value(&id.unwrap_or_else(|| "linux".into()))),
        ("version_id", str_value(&version_id.unwrap_or_default())),
        (
            "pretty_name",
            str_value(&pretty_name.unwrap_or_else(|| "Linux".into())),
        ),
        ("id_like", str_list(id_like.split_whitespace())),
    ]))
}

/// An os-release value: bare, `"double"` (with `\` escapes) or `'single'`.
fn unquote(raw: &str) -> Option<String> {
    let mut chars = raw.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in chars.by_ref() {
                if escaped {
                    out.push(c);
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    return Some(out);
                } else {
                    out.push(c);
                }
            }
            None
        }
        _ => Some(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;
    use expect_test::expect;
    use infrac_vm::value::Value;

    #[test]
    fn debian_12_os_release() {
        // Captured on Debian 12.
        let out = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n";
        expect![[r#"
            Ok(
                Record(
                    {
                        "id": Str(
                            "debian",
                        ),
                        "id_like": List(
                            [],
                        ),
                        "pretty_name": Str(
                            "Debian GNU/Linux 12 (bookworm)",
                        ),
                        "version_id": Str(
                            "12",
                        ),
                    },
                ),
            )
        "#]]
        .assert_debug_eq(&parse_os(&ok(out)));
    }

    #[test]
    fn ubuntu_id_like_and_escapes() {
        let out = "ID=ubuntu\nID_LIKE='debian foo'\nPRETTY_NAME=\"Say \\\"hi\\\"\"\n";
        let v = parse_os(&ok(out)).map_err(|e| e.to_string());
        let Ok(Value::Record(r)) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.get("id_like"), Some(&str_list(["debian", "foo"])));
        assert_eq!(r.get("pretty_name"), Some(&str_value("Say \"hi\"")));
        assert_eq!(r.get("version_id"), Some(&str_value("")));
    }

    #[test]
    fn garbage_os_release_names_the_line() {
        let err = parse_os(&ok("ID=debian\nthis is not os-release\n")).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(
                "expected KEY=value in os-release (offending line: \"this is not os-release\")"
                    .into()
            )
        );
        assert!(parse_os(&ok("ID=\"debian\n")).is_err());
    }

    #[test]
    fn uname_line() {
        assert_eq!(parse_line(&ok("x86_64\n")), Ok(str_value("x86_64")));
        assert!(parse_line(&ok("")).is_err());
        assert!(
            parse_line(&Section {
                code: 127,
                stdout: String::new(),
                stderr: "uname: not found".into()
            })
            .is_err()
        );
    }
}
