//! `facts.env(name)` (in a login shell) and `facts.which(name)`.

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{ParseError, ParseResult, Section, require_success, single_line, str_value};

/// Printed by the login shell right before the value, so that whatever the
/// profile scripts print is skipped.
const ENV_MARKER: &str = "--infrac-env-value--";

pub fn env_script(args: &[&str]) -> String {
    let name = shell_quote(args.first().copied().unwrap_or_default());
    format!("sh -lc 'echo {ENV_MARKER}; printenv -- \"$1\" || true' sh {name} </dev/null")
}

/// Everything after the last marker line: nothing when the variable is
/// unset, else its value and the newline `printenv` adds.
pub fn parse_env(section: &Section) -> ParseResult {
    require_success(section)?;
    let marker_line = format!("{ENV_MARKER}\n");
    let Some(at) = section.stdout.rfind(&marker_line) else {
        return Err(ParseError::new(
            "the login shell did not print the value marker",
        ));
    };
    let value = &section.stdout[at + marker_line.len()..];
    if value.is_empty() {
        return Ok(Value::None);
    }
    Ok(str_value(value.strip_suffix('\n').unwrap_or(value)))
}

/// Searches the PATH for an executable regular file (not a builtin or an
/// alias, as `command -v` would report).
pub fn which_script(args: &[&str]) -> String {
    let name = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "n={name}\n\
         case $n in */*) [ -f \"$n\" ] && [ -x \"$n\" ] && printf '%s\\n' \"$n\"; exit 0;; esac\n\
         set -f; IFS=:\n\
         for d in $PATH; do\n\
         [ -n \"$d\" ] || d=.\n\
         if [ -f \"$d/$n\" ] && [ -x \"$d/$n\" ]; then printf '%s\\n' \"$d/$n\"; exit 0; fi\n\
         done"
    )
}

pub fn parse_which(section: &Section) -> ParseResult {
    require_success(section)?;
    if section.stdout.is_empty() {
        return Ok(Value::None);
    }
    Ok(str_value(single_line(&section.stdout)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn env_skips_profile_noise() {
        let out = format!("Welcome!\n{ENV_MARKER}\n/usr/bin:/bin\n");
        assert_eq!(parse_env(&ok(&out)), Ok(str_value("/usr/bin:/bin")));
        assert_eq!(parse_env(&ok(&format!("{ENV_MARKER}\n"))), Ok(Value::None));
        assert_eq!(
            parse_env(&ok(&format!("{ENV_MARKER}\n\n"))),
            Ok(str_value(""))
        );
        assert!(parse_env(&ok("no marker\n")).is_err());
    }

    #[test]
    fn which_paths() {
        assert_eq!(
            parse_which(&ok("/usr/bin/sh\n")),
            Ok(str_value("/usr/bin/sh"))
        );
        assert_eq!(parse_which(&ok("")), Ok(Value::None));
        assert!(parse_which(&ok("/a\n/b\n")).is_err());
    }
}
