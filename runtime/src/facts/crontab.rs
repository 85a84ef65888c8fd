//! `facts.crontab(user)`: the lines of a user's crontab.

use infrac_shell::quote as shell_quote;

use super::parse::{ParseResult, Section, lines, require_success, str_list};

/// `facts.crontab(user)`: `crontab -l` (with `-u` only for another user,
/// which needs root); a user without a crontab has no lines.
pub fn script(args: &[&str]) -> String {
    let user = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "command -v crontab >/dev/null 2>&1 || {{ echo 'crontab not found on this host' >&2; exit 127; }}\n\
         if [ \"$(id -un)\" = {user} ]; then crontab -l; else crontab -l -u {user}; fi"
    )
}

pub fn parse(section: &Section) -> ParseResult {
    if section.code != 0 && section.stderr.contains("no crontab for") {
        return Ok(str_list(Vec::<&str>::new()));
    }
    require_success(section)?;
    Ok(str_list(lines(&section.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn crontab_lines_missing_and_errors() {
        assert_eq!(
            parse(&ok("# m h\n0 * * * * true\n")),
            Ok(str_list(["# m h", "0 * * * * true"]))
        );
        let none = Section {
            code: 1,
            stdout: String::new(),
            stderr: "no crontab for alice\n".into(),
        };
        assert_eq!(parse(&none), Ok(str_list(Vec::<&str>::new())));
        let denied = Section {
            code: 1,
            stdout: String::new(),
            stderr: "must be privileged to use -u\n".into(),
        };
        assert!(parse(&denied).is_err());
    }
}
