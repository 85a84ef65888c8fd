//! `facts.user(name)` and `facts.group(name)`, from the passwd and group
//! databases (`getent`, so LDAP/NSS accounts count too).

use infrac_shell::quote as shell_quote;
use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, fields, lines, parse_int, record, require_success, str_list,
    str_value,
};

/// The passwd line, then the user's groups (`id -Gn`), then the primary
/// group's name (`id -gn`); nothing when the user does not exist.
pub fn user_script(args: &[&str]) -> String {
    let name = shell_quote(args.first().copied().unwrap_or_default());
    format!("getent passwd {name} || exit 0\nid -Gn {name} && id -gn {name}")
}

pub fn group_script(args: &[&str]) -> String {
    let name = shell_quote(args.first().copied().unwrap_or_default());
    format!("getent group {name} || exit 0")
}

pub fn parse_user(section: &Section) -> ParseResult {
    require_success(section)?;
    let lines = lines(&section.stdout);
    let Some(passwd) = lines.first() else {
        return Ok(Value::None);
    };
    let [all_groups, primary] = lines.get(1..).unwrap_or_default() else {
        return Err(ParseError::at_line(
            "expected the passwd line, then `id -Gn` and `id -gn`",
            passwd,
        ));
    };
    let [name, _, uid, gid, _, home, shell] = fields(passwd, ':', "a passwd entry")?;
    let groups = all_groups.split_whitespace().filter(|g| g != primary);
    Ok(record([
        ("name", str_value(name)),
        ("uid", Value::Int(parse_int("uid", uid, passwd)?)),
        ("gid", Value::Int(parse_int("gid", gid, passwd)?)),
        ("home", str_value(home)),
        ("shell", str_value(shell)),
        ("groups", str_list(groups)),
    ]))
}

pub fn parse_group(section: &Section) -> ParseResult {
    require_success(section)?;
    let lines = lines(&section.stdout);
    let line = match lines.as_slice() {
        [] => return Ok(Value::None),
        [line] => *line,
        [_, extra, ..] => return Err(ParseError::at_line("expected one group entry", extra)),
    };
    let [name, _, gid, members] = fields(line, ':', "a group entry")?;
    let members = members.split(',').filter(|m| !m.is_empty());
    Ok(record([
        ("name", str_value(name)),
        ("gid", Value::Int(parse_int("gid", gid, line)?)),
        ("members", str_list(members)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn user_with_supplementary_groups() {
        // passwd line captured on Debian 12; groups as `id` prints them.
        let v = parse_user(&ok(
            "deploy:x:1000:1000:Deploy,,,:/home/deploy:/bin/bash\ndeploy sudo docker\ndeploy\n",
        ));
        assert_eq!(
            v,
            Ok(record([
                ("name", str_value("deploy")),
                ("uid", Value::Int(1000)),
                ("gid", Value::Int(1000)),
                ("home", str_value("/home/deploy")),
                ("shell", str_value("/bin/bash")),
                ("groups", str_list(["sudo", "docker"])),
            ]))
        );
    }

    #[test]
    fn missing_and_garbage_users() {
        assert_eq!(parse_user(&ok("")), Ok(Value::None));
        assert!(parse_user(&ok("root:x:0:0:root:/root:/bin/bash\n")).is_err());
        assert!(
            parse_user(&ok("root:x:zero:0:root:/root:/bin/bash\nroot\nroot\n"))
                .is_err_and(|e| e.message.contains("uid"))
        );
        assert!(parse_user(&ok("root:x:0\nroot\nroot\n")).is_err());
    }

    #[test]
    fn groups() {
        assert_eq!(
            parse_group(&ok("root:x:0:\n")),
            Ok(record([
                ("name", str_value("root")),
                ("gid", Value::Int(0)),
                ("members", str_list(Vec::<&str>::new()))
            ]))
        );
        let sudo = parse_group(&ok("sudo:x:27:alice,bob\n"));
        assert!(
            matches!(sudo, Ok(Value::Record(r)) if r.get("members") == Some(&str_list(["alice", "bob"])))
        );
        assert_eq!(parse_group(&ok("")), Ok(Value::None));
        assert!(parse_group(&ok("a:x:1:\nb:x:2:\n")).is_err());
        assert!(parse_group(&ok("sudo:x:27\n")).is_err());
    }
}
