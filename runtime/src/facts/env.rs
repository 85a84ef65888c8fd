//! `facts.env(name)` (in a login shell) and `facts.which(name)`.

use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, lines, require_success, single_line, str_list, str_value,
};
use super::quote::shell_quote;

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

/// `facts.crontab(user)`: `crontab -l` (with `-u` only for another user,
/// which needs root); a user without a crontab has no lines.
pub fn crontab_script(args: &[&str]) -> String {
    let user = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "command -v crontab >/dev/null 2>&1 || {{ echo 'crontab not found on this host' >&2; exit 127; }}\n\
         if [ \"$(id -un)\" = {user} ]; then crontab -l; else crontab -l -u {user}; fi"
    )
}

pub fn parse_crontab(section: &Section) -> ParseResult {
    if section.code != 0 && section.stderr.contains("no crontab for") {
        return Ok(str_list(Vec::<&str>::new()));
    }
    require_success(section)?;
    Ok(str_list(lines(&section.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stdout: &str) -> Section {
        Section {
            code: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

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

    #[test]
    fn crontab_lines_missing_and_errors() {
        assert_eq!(
            parse_crontab(&ok("# m h\n0 * * * * true\n")),
            Ok(str_list(["# m h", "0 * * * * true"]))
        );
        let none = Section {
            code: 1,
            stdout: String::new(),
            stderr: "no crontab for alice\n".into(),
        };
        assert_eq!(parse_crontab(&none), Ok(str_list(Vec::<&str>::new())));
        let denied = Section {
            code: 1,
            stdout: String::new(),
            stderr: "must be privileged to use -u\n".into(),
        };
        assert!(parse_crontab(&denied).is_err());
    }
}
