//! `facts.os`, `facts.hostname`, `facts.arch`, `facts.kernel`.

use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, optional, record, require_success, single_line, str_list,
    str_value,
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
    let (mut codename, mut ubuntu_codename) = (None, None);
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
            "VERSION_CODENAME" => codename = Some(value),
            "UBUNTU_CODENAME" => ubuntu_codename = Some(value),
            _ => {}
        }
    }
    // Defaults from os-release(5).
    let id = id.unwrap_or_else(|| "linux".into());
    let id_like = id_like.unwrap_or_default();
    let version_id = version_id.unwrap_or_default();
    let major = version_id
        .split('.')
        .next()
        .and_then(|m| m.parse::<i64>().ok())
        .map(Value::Int);
    let codename = codename.or(ubuntu_codename).unwrap_or_default();
    Ok(record([
        ("family", str_value(family(&id, &id_like))),
        ("codename", str_value(&codename)),
        ("major", optional(major)),
        ("id", str_value(&id)),
        ("version_id", str_value(&version_id)),
        (
            "pretty_name",
            str_value(&pretty_name.unwrap_or_else(|| "Linux".into())),
        ),
        ("id_like", str_list(id_like.split_whitespace())),
    ]))
}

/// The family of the distribution `id` (like `id_like`): the first of
/// them that one of the families knows, else `id` itself.
fn family<'a>(id: &'a str, id_like: &'a str) -> &'a str {
    const FAMILIES: &[(&str, &[&str])] = &[
        ("debian", &["debian", "ubuntu", "raspbian", "linuxmint"]),
        (
            "rhel",
            &[
                "rhel",
                "fedora",
                "centos",
                "rocky",
                "almalinux",
                "ol",
                "amzn",
            ],
        ),
        ("arch", &["arch", "archarm", "manjaro"]),
        (
            "suse",
            &[
                "suse",
                "opensuse",
                "sles",
                "opensuse-leap",
                "opensuse-tumbleweed",
            ],
        ),
        ("alpine", &["alpine"]),
    ];
    std::iter::once(id)
        .chain(id_like.split_whitespace())
        .find_map(|name| {
            FAMILIES
                .iter()
                .find(|(_, members)| members.contains(&name))
                .map(|(family, _)| *family)
        })
        .unwrap_or(id)
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

    #[test]
    fn debian_12_os_release() {
        // Captured on Debian 12.
        let out = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n";
        expect![[r#"
            Ok(
                Record(
                    {
                        "codename": Str(
                            "bookworm",
                        ),
                        "family": Str(
                            "debian",
                        ),
                        "id": Str(
                            "debian",
                        ),
                        "id_like": List(
                            [],
                        ),
                        "major": Int(
                            12,
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
        assert_eq!(r.get("family"), Some(&str_value("debian")));
        assert_eq!(r.get("major"), Some(&Value::None));
    }

    #[test]
    fn families_codenames_and_majors() {
        let os = |text: &str, field: &str| match parse_os(&ok(text)) {
            Ok(Value::Record(r)) => r.get(field).cloned(),
            other => panic!("{other:?}"),
        };
        for (text, family) in [
            ("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n", "rhel"),
            ("ID=fedora\n", "rhel"),
            ("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n", "suse"),
            ("ID=alpine\n", "alpine"),
            ("ID=arch\n", "arch"),
            ("ID=pop\nID_LIKE=\"ubuntu debian\"\n", "debian"),
            ("ID=nixos\n", "nixos"),
        ] {
            assert_eq!(os(text, "family"), Some(str_value(family)), "{text}");
        }
        let ubuntu = "ID=ubuntu\nVERSION_ID=\"22.04\"\nUBUNTU_CODENAME=jammy\n";
        assert_eq!(os(ubuntu, "codename"), Some(str_value("jammy")));
        assert_eq!(os(ubuntu, "major"), Some(Value::Int(22)));
        let alpine = "ID=alpine\nVERSION_ID=3.19.1\n";
        assert_eq!(os(alpine, "major"), Some(Value::Int(3)));
        assert_eq!(os(alpine, "codename"), Some(str_value("")));
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
