//! `sh"..."` commands: every interpolation is shell-quoted, so a value can
//! never become code; secrets are quoted in the script and `***` in the
//! display text.

use std::sync::Arc;

use crate::value::{Command, Value};

/// Quotes `text` as one POSIX shell word: bare when it only has characters
/// no shell treats specially, else in single quotes (a `'` becomes `'\''`).
pub fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A command fragment for `{value}` in a command literal: quoted. A list
/// gives one quoted word per element; a command is quoted as one word (so
/// that it can be passed to `sh -c`).
pub fn quoted_fragment(value: &Value) -> Command {
    match value {
        Value::Secret(s) => Command {
            script: quote(s),
            display: "***".into(),
        },
        Value::Cmd(c) => Command {
            script: quote(&c.script),
            display: quote(&c.display),
        },
        Value::List(items) => {
            let parts: Vec<Command> = items.iter().map(quoted_fragment).collect();
            join(&parts, " ")
        }
        other => {
            let text = other.to_string();
            Command {
                display: quote(&text),
                script: quote(&text),
            }
        }
    }
}

/// A command fragment for `{raw(value)}`: the text, unquoted.
pub fn raw_fragment(value: &Value) -> Command {
    match value {
        Value::Secret(s) => Command {
            script: s.to_string(),
            display: "***".into(),
        },
        Value::Cmd(c) => Command::clone(c),
        other => {
            let text = other.to_string();
            Command {
                display: text.clone(),
                script: text,
            }
        }
    }
}

fn join(parts: &[Command], sep: &str) -> Command {
    let script: Vec<&str> = parts.iter().map(|p| p.script.as_str()).collect();
    let display: Vec<&str> = parts.iter().map(|p| p.display.as_str()).collect();
    Command {
        script: script.join(sep),
        display: display.join(sep),
    }
}

/// Assembles a command from literal text (strings) and fragments.
pub fn build(parts: &[Value]) -> Result<Value, String> {
    let mut cmd = Command {
        script: String::new(),
        display: String::new(),
    };
    for part in parts {
        match part {
            Value::Str(text) => {
                cmd.script.push_str(text);
                cmd.display.push_str(text);
            }
            Value::Cmd(frag) => {
                cmd.script.push_str(&frag.script);
                cmd.display.push_str(&frag.display);
            }
            other => {
                return Err(format!(
                    "internal: a {} in a command literal",
                    crate::format::kind_name(other)
                ));
            }
        }
    }
    Ok(Value::Cmd(Arc::new(cmd)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_words() {
        assert_eq!(quote("abc-1.2/x"), "abc-1.2/x");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn secrets_are_redacted_in_display_only() {
        let cmd = build(&[
            Value::Str("echo ".into()),
            Value::Cmd(Arc::new(quoted_fragment(&Value::Secret("p w".into())))),
        ]);
        let Ok(Value::Cmd(cmd)) = cmd else {
            panic!("not a command")
        };
        assert_eq!(cmd.script, "echo 'p w'");
        assert_eq!(cmd.display, "echo ***");
    }

    #[test]
    fn lists_become_several_words() {
        let list = Value::List(Arc::new(vec![
            Value::Str("a b".into()),
            Value::Str("c".into()),
        ]));
        assert_eq!(quoted_fragment(&list).script, "'a b' c");
    }
}
