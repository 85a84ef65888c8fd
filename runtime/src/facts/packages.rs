//! `facts.packages`: installed Debian packages, from `dpkg-query`.

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_vm::value::Value;

use super::parse::{ParseError, ParseResult, Section, fields, lines, require_success, str_value};

pub fn script(_: &[&str]) -> String {
    "command -v dpkg-query >/dev/null 2>&1 || { echo 'dpkg-query not found: facts.packages needs a Debian-based host' >&2; exit 127; }\n\
     dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'"
        .into()
}

/// `NAME\tVERSION\tSTATUS` lines; only packages whose status is installed
/// (second status letter `i`) are kept.
pub fn parse(section: &Section) -> ParseResult {
    require_success(section)?;
    let mut packages = BTreeMap::new();
    for line in lines(&section.stdout) {
        let [name, version, status] = fields(line, '\t', "a dpkg-query line")?;
        if name.is_empty() {
            return Err(ParseError::at_line("empty package name", line));
        }
        if status.as_bytes().get(1) == Some(&b'i') {
            packages.insert(Arc::from(name), str_value(version));
        }
    }
    Ok(Value::Map(Arc::new(packages)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_packages_only() {
        // Captured on Debian 12, plus a removed package (`rc`).
        let out = "adduser\t3.134\tii \nadwaita-icon-theme\t43-1\tii \nold\t1.0\trc \n";
        let v = parse(&Section {
            code: 0,
            stdout: out.into(),
            stderr: String::new(),
        });
        let Ok(Value::Map(m)) = v else {
            panic!("{v:?}")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("adduser"), Some(&str_value("3.134")));
        assert!(!m.contains_key("old"));
    }

    #[test]
    fn garbage_and_missing_dpkg() {
        let bad = Section {
            code: 0,
            stdout: "adduser 3.134 ii\n".into(),
            stderr: String::new(),
        };
        assert!(parse(&bad).is_err());
        let missing = Section {
            code: 127,
            stdout: String::new(),
            stderr: "dpkg-query not found".into(),
        };
        assert!(
            parse(&missing)
                .map_err(|e| e.to_string())
                .is_err_and(|e| e.contains("dpkg-query not found"))
        );
    }
}
