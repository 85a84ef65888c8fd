//! `facts.git(path)`: the state of the git checkout at `path`.

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, lines, optional, record, require_success, str_value,
};

/// Four lines: `checkout`, the commit (empty before the first commit), the
/// branch (empty when detached) and `dirty`/`clean` (tracked files only);
/// `none` when `path` holds no `.git`. `safe.directory` is set for this
/// read only, so that a checkout of another user can be read (as root).
pub fn script(args: &[&str]) -> String {
    let path = shell_quote(args.first().copied().unwrap_or_default());
    format!(
        "if [ ! -e {path}/.git ]; then echo none; exit 0; fi\n\
         command -v git >/dev/null 2>&1 || {{ echo 'git not found on this host' >&2; exit 127; }}\n\
         g() {{ git -c safe.directory='*' -C {path} \"$@\"; }}\n\
         echo checkout\n\
         g rev-parse -q --verify 'HEAD^{{commit}}' || echo\n\
         g symbolic-ref -q --short HEAD || echo\n\
         s=$(g status --porcelain --untracked-files=no) || exit\n\
         if [ -n \"$s\" ]; then echo dirty; else echo clean; fi"
    )
}

pub fn parse(section: &Section) -> ParseResult {
    require_success(section)?;
    let out = lines(&section.stdout);
    match out.as_slice() {
        ["none"] => Ok(Value::None),
        ["checkout", commit, branch, state] => {
            let hex = |s: &str| s.len() >= 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
            if !commit.is_empty() && !hex(commit) {
                return Err(ParseError::at_line("not a commit hash", commit));
            }
            let dirty = match *state {
                "dirty" => true,
                "clean" => false,
                other => return Err(ParseError::at_line("expected dirty or clean", other)),
            };
            let some = |s: &str| optional((!s.is_empty()).then(|| str_value(s)));
            Ok(record([
                ("commit", some(commit)),
                ("branch", some(branch)),
                ("dirty", Value::Bool(dirty)),
            ]))
        }
        _ => Err(ParseError::new(format!(
            "expected `none` or four lines from the git reader, got {} line(s)",
            out.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    const C: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn checkout_states() {
        assert_eq!(parse(&ok("none\n")), Ok(Value::None));
        assert_eq!(
            parse(&ok(&format!("checkout\n{C}\nmain\nclean\n"))),
            Ok(record([
                ("commit", str_value(C)),
                ("branch", str_value("main")),
                ("dirty", Value::Bool(false)),
            ]))
        );
        assert_eq!(
            parse(&ok(&format!("checkout\n{C}\n\ndirty\n"))),
            Ok(record([
                ("commit", str_value(C)),
                ("branch", Value::None),
                ("dirty", Value::Bool(true)),
            ]))
        );
        assert!(parse(&ok("checkout\nzz\nmain\nclean\n")).is_err());
        assert!(parse(&ok(&format!("checkout\n{C}\nmain\nmaybe\n"))).is_err());
        assert!(parse(&ok("checkout\n")).is_err());
    }
}
