//! `sh"..."` commands: every interpolation is shell-quoted, so a value can
//! never become code; secrets stay apart in the script (they reach the
//! host on the command's stdin, never on a command line) and are `***` in
//! the display text.

use std::sync::Arc;

use crate::value::{Command, Value};

pub use infrac_shell::quote;

/// A part of a command's shell text.
#[derive(Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// A secret interpolated as one word, inside `depth` levels of quoting
    /// (a command quoted as a word of another command), where the text
    /// around it left the shell in `quotes`.
    Secret {
        value: Arc<str>,
        depth: u32,
        quotes: Quotes,
    },
}

/// The quoting the shell is in at some place of a command's text.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub(crate) enum Quotes {
    #[default]
    None,
    /// Inside `'...'`: a secret there is refused.
    Single,
    /// Inside `"..."`.
    Double,
}

/// How the shell reads a command's text up to some place: a stack of the
/// quotes, `$(...)` and backquotes it is in, and whether it is in a
/// comment. Enough to tell how a secret's reference must be written where
/// the program put it.
#[derive(Clone, Default)]
struct Scan {
    stack: Vec<Context>,
    escaped: bool,
    comment: bool,
    dollar: bool,
    /// The last character ended a word (a `#` here starts a comment).
    after_word: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Single,
    Double,
    Paren,
    Backquote,
}

impl Scan {
    fn new() -> Scan {
        Scan {
            after_word: true,
            ..Scan::default()
        }
    }

    fn feed(&mut self, text: &str) {
        text.chars().for_each(|c| self.step(c));
    }

    fn step(&mut self, c: char) {
        if self.comment {
            self.comment = c != '\n';
            self.after_word = true;
            return;
        }
        if std::mem::take(&mut self.escaped) {
            self.after_word = false;
            return;
        }
        let dollar = std::mem::take(&mut self.dollar);
        let top = self.stack.last().copied();
        match (top, c) {
            (Some(Context::Single), '\'') => {
                self.stack.pop();
            }
            (Some(Context::Single), _) => {}
            (_, '\\') => self.escaped = true,
            (_, '$') => self.dollar = true,
            (Some(Context::Double), '"') => {
                self.stack.pop();
            }
            (Some(Context::Double), '(') if dollar => self.stack.push(Context::Paren),
            (Some(Context::Double), '`') => self.stack.push(Context::Backquote),
            (Some(Context::Double), _) => {}
            // Code: the top level, inside `$(...)` or backquotes.
            (_, '\'') => self.stack.push(Context::Single),
            (_, '"') => self.stack.push(Context::Double),
            (Some(Context::Backquote), '`') => {
                self.stack.pop();
            }
            (_, '`') => self.stack.push(Context::Backquote),
            (_, '(') => self.stack.push(Context::Paren),
            (Some(Context::Paren), ')') => {
                self.stack.pop();
            }
            (_, '#') if self.after_word => self.comment = true,
            _ => {}
        }
        self.after_word = matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')');
    }

    fn quotes(&self) -> Quotes {
        match self.stack.last() {
            Some(Context::Single) => Quotes::Single,
            Some(Context::Double) => Quotes::Double,
            _ => Quotes::None,
        }
    }
}

/// Why a command with a secret inside `'...'` is refused.
pub const SECRET_IN_SINGLE_QUOTES: &str = "a secret is inside '...' in this command, where the shell would not read its value: put it outside the quotes (`'pw='{pw}`, not `'pw={pw}'`), or pass a command to a nested shell as one word (`sh -c {inner}`)";

/// A command's text for the host ([`Command::script_for_host`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HostScript {
    pub script: String,
    /// The values of `infrac_s0`, `infrac_s1`, ...
    pub secrets: Vec<Arc<str>>,
    /// A secret is inside a command quoted as a word (`sh -c {inner}`): the
    /// variables must be exported for the inner shell to see them.
    pub nested: bool,
}

/// `word` escaped for `depth` levels of single quotes.
fn escaped(word: String, depth: u32) -> String {
    (0..depth).fold(word, |w, _| w.replace('\'', r"'\''"))
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Text(text) => write!(f, "Text({text:?})"),
            Piece::Secret { depth, quotes, .. } => write!(f, "Secret(***, {depth}, {quotes:?})"),
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
    /// A reference fits the quoting around it (in `'...'` it closes and
    /// reopens the quotes), and fails the command loudly where the variable
    /// did not arrive (a nested `su -` or `env -i`).
    pub fn script_for_host(&self) -> Result<HostScript, String> {
        let mut secrets: Vec<Arc<str>> = Vec::new();
        let mut script = String::new();
        let mut nested = false;
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => script.push_str(text),
                Piece::Secret {
                    value,
                    depth,
                    quotes,
                } => {
                    let n = match secrets.iter().position(|s| s == value) {
                        Some(n) => n,
                        None => {
                            secrets.push(Arc::clone(value));
                            secrets.len() - 1
                        }
                    };
                    nested |= *depth > 0;
                    let var = format!("${{infrac_s{n}?infrac: a secret did not reach this shell}}");
                    let word = match quotes {
                        Quotes::None => format!("\"{var}\""),
                        Quotes::Double => var,
                        // Text for the command (`sed 's/x/{pw}/'`) or code
                        // for a shell it starts (`sh -c '... {pw}'`): no
                        // way to tell, no way that is right for both.
                        Quotes::Single => return Err(SECRET_IN_SINGLE_QUOTES.into()),
                    };
                    script.push_str(&escaped(word, *depth));
                }
            }
        }
        Ok(HostScript {
            script,
            secrets,
            nested,
        })
    }

    /// The shell text with each secret quoted in place (for a template,
    /// which sees secrets revealed).
    pub fn inline_script(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Secret {
                    value,
                    depth,
                    quotes,
                } => {
                    let word = match quotes {
                        Quotes::None => quote(value),
                        Quotes::Single => value.replace('\'', r"'\''"),
                        Quotes::Double => value
                            .chars()
                            .flat_map(|c| match c {
                                '"' | '\\' | '$' | '`' => vec!['\\', c],
                                c => vec![c],
                            })
                            .collect(),
                    };
                    escaped(word, *depth)
                }
            })
            .collect()
    }

    pub(crate) fn holds_secrets(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Secret { .. }))
    }

    /// How the shell reads the end of the text so far.
    fn scan(&self) -> Scan {
        let mut scan = Scan::new();
        for piece in &self.pieces {
            if let Piece::Text(text) = piece {
                scan.feed(text);
            }
        }
        scan
    }

    fn push(&mut self, piece: Piece) {
        match (self.pieces.last_mut(), piece) {
            (Some(Piece::Text(last)), Piece::Text(text)) => last.push_str(&text),
            (_, piece) => self.pieces.push(piece),
        }
    }

    /// `other` spliced in as code: its secrets at this level take the
    /// quoting they land in.
    fn append(&mut self, other: &Command) {
        let places_secrets = other
            .pieces
            .iter()
            .any(|p| matches!(p, Piece::Secret { depth: 0, .. }));
        if !places_secrets {
            // Nothing here depends on the quoting: no scan of the text so
            // far (every command is built by appending its fragments).
            other.pieces.iter().for_each(|p| self.push(p.clone()));
            self.display.push_str(&other.display);
            return;
        }
        let mut scan = self.scan();
        for piece in &other.pieces {
            let piece = match piece {
                Piece::Secret {
                    value, depth: 0, ..
                } => Piece::Secret {
                    value: Arc::clone(value),
                    depth: 0,
                    quotes: scan.quotes(),
                },
                Piece::Text(text) => {
                    scan.feed(text);
                    piece.clone()
                }
                other => other.clone(),
            };
            self.push(piece);
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
                quotes: Quotes::None,
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
                    Piece::Secret {
                        value,
                        depth,
                        quotes,
                    } => Piece::Secret {
                        value: Arc::clone(value),
                        depth: depth + 1,
                        quotes: *quotes,
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

/// `cmd` run with the variables of `env` (a map, or `none`) exported: an
/// `export NAME=VALUE` line for each before it, each value quoted (a
/// secret as a reference to its variable, so that it reaches the host on
/// stdin like any secret of a command). Shown as `NAME=*** command`.
pub fn with_env(cmd: &Value, env: &Value) -> Result<Value, String> {
    let (Value::Cmd(cmd), Value::Map(vars)) = (cmd, env) else {
        return Ok(cmd.clone());
    };
    let mut out = Command::text(String::new(), String::new());
    for (name, value) in vars.iter() {
        let valid = name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        if !valid || name.is_empty() || name.starts_with("infrac_") {
            return Err(format!(
                "`env:` {name:?} is not a variable name a command can be given (letters, digits and `_`, not starting with a digit nor with `infrac_`)"
            ));
        }
        let shown = std::mem::take(&mut out.display);
        let word = quoted_fragment(value);
        out.push(Piece::Text(format!("export {name}=")));
        out.append(&word);
        out.push(Piece::Text("\n".into()));
        out.display = format!("{shown}{name}={} ", word.display);
    }
    out.append(cmd);
    Ok(Value::Cmd(Arc::new(out)))
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
        let host = c.script_for_host().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(host.script, format!(r#"echo "{VAR}""#));
        assert_eq!(host.secrets, [Arc::from("p w")]);
        assert!(!host.nested);
    }

    const VAR: &str = "${infrac_s0?infrac: a secret did not reach this shell}";

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
        let host = outer.script_for_host().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            host.script,
            format!(r#"sh -c 'printf %s "{VAR}" > '\''a b'\''' "{VAR}""#)
        );
        assert_eq!(host.secrets, [Arc::from("it's")]);
        assert!(host.nested);
    }

    #[test]
    fn a_secrets_reference_fits_the_programs_quotes_or_is_refused() {
        let secret = Value::Secret("p w".into());
        let host = |before: &str, after: &str| {
            let Value::Cmd(c) = cmd(&[
                Value::Str(before.into()),
                frag(&secret),
                Value::Str(after.into()),
            ]) else {
                panic!("not a command")
            };
            c.script_for_host().map(|h| h.script)
        };
        let cases = [
            ("echo \"pw=", "\"", format!(r#"echo "pw={VAR}""#)),
            (r"echo \' ", "", format!(r#"echo \' "{VAR}""#)),
            // A comment's apostrophe opens no quotes.
            (
                "# don't log it\necho ",
                "",
                format!("# don't log it\necho \"{VAR}\""),
            ),
            // Inside "$(...)" the shell reads code again.
            (
                "h=\"$(printf %s ",
                ")\"",
                format!(r#"h="$(printf %s "{VAR}")""#),
            ),
            (
                "h=\"`printf %s ",
                "`\"",
                format!(r#"h="`printf %s "{VAR}"`""#),
            ),
        ];
        for (before, after, script) in cases {
            assert_eq!(host(before, after), Ok(script), "{before}");
        }
        for (before, after) in [
            ("sed -i 's/^pw=.*/pw=", "/' f"),
            ("sh -c 'printf %s ", " > out'"),
        ] {
            assert_eq!(
                host(before, after),
                Err(SECRET_IN_SINGLE_QUOTES.to_string()),
                "{before}"
            );
        }
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
