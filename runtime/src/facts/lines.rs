//! `facts.has_line(path, line)` and `facts.has_line_matching(path, regex)`:
//! whether a text file has a line, answered on the host by `grep` (the file
//! itself never travels).

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{ParseError, ParseResult, Section, require_success, single_line};

/// A line equal to `line` (`grep -x -F`).
pub fn has_line_script(args: &[&str]) -> String {
    grep_script(args, "-qxF")
}

/// A line matching the POSIX extended regular expression (`grep -E`).
pub fn has_line_matching_script(args: &[&str]) -> String {
    grep_script(args, "-qE")
}

/// Prints `yes` or `no`; `no` when nothing is at the path. grep's status 2
/// (unreadable file, bad expression) fails the read with its message.
fn grep_script(args: &[&str], flags: &str) -> String {
    let path = shell_quote(args.first().copied().unwrap_or_default());
    let pattern = shell_quote(args.get(1).copied().unwrap_or_default());
    format!(
        "p={path}\n\
         if [ ! -e \"$p\" ]; then echo no; exit 0; fi\n\
         grep {flags} -e {pattern} -- \"$p\"\n\
         case $? in 0) echo yes ;; 1) echo no ;; *) exit 1 ;; esac"
    )
}

pub fn parse(section: &Section) -> ParseResult {
    require_success(section)?;
    match single_line(&section.stdout)? {
        "yes" => Ok(Value::Bool(true)),
        "no" => Ok(Value::Bool(false)),
        other => Err(ParseError::new(format!(
            "expected yes or no, got {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn read(script: &str) -> ParseResult {
        let out = Command::new("sh").arg("-c").arg(script).output();
        let Ok(out) = out else {
            panic!("cannot run sh")
        };
        parse(&Section {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        })
    }

    #[test]
    fn answers_from_the_file_on_the_host() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("conf");
        std::fs::write(&path, "a = 1\n-x it's\n").unwrap_or_else(|e| panic!("{e}"));
        let p = path.to_str().unwrap_or_default();
        assert_eq!(read(&has_line_script(&[p, "a = 1"])), Ok(Value::Bool(true)));
        assert_eq!(read(&has_line_script(&[p, "a ="])), Ok(Value::Bool(false)));
        assert_eq!(
            read(&has_line_script(&[p, "-x it's"])),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(&has_line_matching_script(&[p, "^a *="])),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            read(&has_line_matching_script(&[p, "^b"])),
            Ok(Value::Bool(false))
        );
        let missing = dir.path().join("none");
        let m = missing.to_str().unwrap_or_default();
        assert_eq!(
            read(&has_line_script(&[m, "a = 1"])),
            Ok(Value::Bool(false))
        );
        // A bad expression is an error, not a "no".
        assert!(read(&has_line_matching_script(&[p, "(("])).is_err());
    }
}
