//! `sh"..."` commands: every interpolation is shell-quoted, so a value can
//! never become code; secrets stay apart in the script (they reach the
//! host on the command's stdin, never on a command line) and are `***` in
//! the display text.

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

/// A part of a command's shell text.
#[derive(Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// A secret interpolated as one quoted word, inside `depth` levels of
    /// quoting (a command quoted as a word of another command).
    Secret {
        value: Arc<str>,
        depth: u32,
    },
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Text(text) => write!(f, "Text({text:?})"),
            Piece::Secret { depth, .. } => write!(f, "Secret(***, {depth})"),
        }
    }
}

impl Command {
    fn text(script: String, display: String) -> Command {
        Command {
            pieces: vec![Piece::Text(script)],
            display,
        }
    }

    /// The shell text for the host: each secret as a reference to the
    /// variable `infrac_sN` that the command's prelude sets from its stdin
    /// (`N`: the secret's index in the returned list), so that no secret
    /// is ever on a command line (`ps`, sudo's log, `docker exec`'s argv).
    pub fn script_for_host(&self) -> (String, Vec<Arc<str>>) {
        let mut secrets: Vec<Arc<str>> = Vec::new();
        let mut script = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => script.push_str(text),
                Piece::Secret { value, .. } => {
                    let n = match secrets.iter().position(|s| s == value) {
                        Some(n) => n,
                        None => {
                            secrets.push(Arc::clone(value));
                            secrets.len() - 1
                        }
                    };
                    // No `'` in it: the same text at every quoting depth.
                    script.push_str(&format!("\"$infrac_s{n}\""));
                }
            }
        }
        (script, secrets)
    }

    /// The shell text with each secret quoted in place (for a template,
    /// which sees secrets revealed).
    pub fn inline_script(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Secret { value, depth } => {
                    (0..*depth).fold(quote(value), |word, _| word.replace('\'', r"'\''"))
                }
            })
            .collect()
    }

    pub(crate) fn holds_secrets(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Secret { .. }))
    }

    fn push(&mut self, piece: Piece) {
        match (self.pieces.last_mut(), piece) {
            (Some(Piece::Text(last)), Piece::Text(text)) => last.push_str(&text),
            (_, piece) => self.pieces.push(piece),
        }
    }

    fn append(&mut self, other: &Command) {
        for piece in &other.pieces {
            self.push(piece.clone());
        }
        self.display.push_str(&other.display);
    }
}

/// A command fragment for `{value}` in a command literal: quoted. A list
/// gives one quoted word per element; a command is quoted as one word (so
/// that it can be passed to `sh -c`).
pub fn quoted_fragment(value: &Value) -> Command {
    match value {
        Value::Secret(s) => Command {
            pieces: vec![Piece::Secret {
                value: Arc::clone(s),
                depth: 0,
            }],
            display: "***".into(),
        },
        Value::Cmd(c) if c.holds_secrets() => {
            // One single-quoted word: its text escaped, its secrets one
            // level deeper.
            let mut word = Command::text("'".into(), quote(&c.display));
            for piece in &c.pieces {
                word.push(match piece {
                    Piece::Text(text) => Piece::Text(text.replace('\'', r"'\''")),
                    Piece::Secret { value, depth } => Piece::Secret {
                        value: Arc::clone(value),
                        depth: depth + 1,
                    },
                });
            }
            word.push(Piece::Text("'".into()));
            word
        }
        Value::Cmd(c) => Command::text(quote(&c.inline_script()), quote(&c.display)),
        Value::List(items) => {
            let parts: Vec<Command> = items.iter().map(quoted_fragment).collect();
            join(&parts, " ")
        }
        other => {
            let text = other.to_string();
            Command::text(quote(&text), quote(&text))
        }
    }
}

/// A command fragment for `{raw(value)}`: the text, unquoted (the checker
/// refuses `raw` of a secret; a command keeps its secrets apart).
pub fn raw_fragment(value: &Value) -> Command {
    match value {
        Value::Cmd(c) => Command::clone(c),
        Value::Secret(_) => quoted_fragment(value),
        other => {
            let text = other.to_string();
            Command::text(text.clone(), text)
        }
    }
}

fn join(parts: &[Command], sep: &str) -> Command {
    let mut out = Command::text(String::new(), String::new());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(Piece::Text(sep.into()));
            out.display.push_str(sep);
        }
        out.append(part);
    }
    out
}

/// Assembles a command from literal text (strings) and fragments.
pub fn build(parts: &[Value]) -> Result<Value, String> {
    let mut cmd = Command::text(String::new(), String::new());
    for part in parts {
        match part {
            Value::Str(text) => {
                cmd.push(Piece::Text(text.to_string()));
                cmd.display.push_str(text);
            }
            Value::Cmd(frag) => cmd.append(frag),
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

    fn cmd(parts: &[Value]) -> Value {
        build(parts).unwrap_or(Value::None)
    }

    fn frag(v: &Value) -> Value {
        Value::Cmd(Arc::new(quoted_fragment(v)))
    }

    #[test]
    fn secrets_stay_apart_and_are_redacted_in_display() {
        let Value::Cmd(c) = cmd(&[
            Value::Str("echo ".into()),
            frag(&Value::Secret("p w".into())),
        ]) else {
            panic!("not a command")
        };
        assert_eq!(c.inline_script(), "echo 'p w'");
        assert_eq!(c.display, "echo ***");
        let (script, secrets) = c.script_for_host();
        assert_eq!(script, r#"echo "$infrac_s0""#);
        assert_eq!(secrets, [Arc::from("p w")]);
    }

    #[test]
    fn a_secret_in_a_command_quoted_as_a_word_stays_apart() {
        let secret = Value::Secret("it's".into());
        let inner = cmd(&[
            Value::Str("printf %s ".into()),
            frag(&secret),
            Value::Str(" > 'a b'".into()),
        ]);
        let Value::Cmd(outer) = cmd(&[
            Value::Str("sh -c ".into()),
            frag(&inner),
            Value::Str(" ".into()),
            frag(&secret),
        ]) else {
            panic!("not a command")
        };
        // The same text the secret's value would have given, quoted in
        // place (what a shell needs to read it back as `it's`).
        let inline = outer.inline_script();
        assert_eq!(
            inline,
            quote_shell_c(&format!("printf %s {} > 'a b'", quote("it's"))) + " " + &quote("it's")
        );
        assert_eq!(outer.display, r#"sh -c 'printf %s *** > '\''a b'\''' ***"#);
        let (script, secrets) = outer.script_for_host();
        assert_eq!(
            script,
            r#"sh -c 'printf %s "$infrac_s0" > '\''a b'\''' "$infrac_s0""#
        );
        assert_eq!(secrets, [Arc::from("it's")]);
    }

    fn quote_shell_c(inner: &str) -> String {
        format!("sh -c {}", quote(inner))
    }

    #[test]
    fn lists_become_several_words() {
        let list = Value::List(Arc::new(vec![
            Value::Str("a b".into()),
            Value::Str("c".into()),
        ]));
        assert_eq!(quoted_fragment(&list).inline_script(), "'a b' c");
    }
}
