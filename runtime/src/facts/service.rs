//! `facts.service(name)`: `systemctl show` of one unit.

use std::collections::HashMap;

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{ParseError, ParseResult, Section, lines, record, require_success, str_value};

pub fn script(args: &[&str]) -> String {
    let unit = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "if ! command -v systemctl >/dev/null 2>&1 || [ ! -d /run/systemd/system ]; then\n\
         echo 'systemd is not running on this host: facts.service needs systemd' >&2; exit 3\n\
         fi\n\
         systemctl show --property=LoadState,ActiveState,UnitFileState -- {unit}"
    )
}

/// `KEY=value` lines in any order; `LoadState=not-found` is `none`.
pub fn parse(section: &Section) -> ParseResult {
    require_success(section)?;
    let mut props = HashMap::new();
    for line in lines(&section.stdout) {
        let Some((key, value)) = line.split_once('=') else {
            return Err(ParseError::at_line(
                "expected KEY=value from systemctl show",
                line,
            ));
        };
        props.insert(key, value);
    }
    let get = |key: &str| {
        props
            .get(key)
            .copied()
            .ok_or_else(|| ParseError::new(format!("systemctl show printed no {key}")))
    };
    if get("LoadState")? == "not-found" {
        return Ok(Value::None);
    }
    let state = get("ActiveState")?;
    Ok(record([
        ("active", Value::Bool(state == "active")),
        ("enabled", Value::Bool(get("UnitFileState")? == "enabled")),
        ("state", str_value(state)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn loaded_unit() {
        let v = parse(&ok(
            "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n",
        ));
        assert_eq!(
            v,
            Ok(record([
                ("active", Value::Bool(true)),
                ("enabled", Value::Bool(true)),
                ("state", str_value("active")),
            ]))
        );
        let failed = parse(&ok(
            "ActiveState=failed\nLoadState=loaded\nUnitFileState=disabled\n",
        ));
        assert_eq!(
            failed,
            Ok(record([
                ("active", Value::Bool(false)),
                ("enabled", Value::Bool(false)),
                ("state", str_value("failed")),
            ]))
        );
    }

    #[test]
    fn missing_unit_garbage_and_no_systemd() {
        assert_eq!(
            parse(&ok(
                "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n"
            )),
            Ok(Value::None)
        );
        assert!(parse(&ok("LoadState=loaded\n")).is_err());
        assert!(parse(&ok("garbage\n")).is_err());
        let no_systemd = Section {
            code: 3,
            stdout: String::new(),
            stderr: "systemd is not running".into(),
        };
        assert!(parse(&no_systemd).is_err_and(|e| e.message.contains("systemd is not running")));
    }
}
