//! Helpers shared by the fact parsers: the output of one fact command, a
//! parse error that names the offending line, and `Value` builders.

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_vm::value::Value;

/// What one fact command produced on the host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Why a fact's output could not become a value. Rendered by the caller,
/// which adds the fact's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// The offending output line, when there is one.
    pub line: Option<String>,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            line: None,
        }
    }

    pub fn at_line(message: impl Into<String>, line: &str) -> Self {
        ParseError {
            message: message.into(),
            line: Some(line.to_string()),
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(line) = &self.line {
            write!(f, " (offending line: {line:?})")?;
        }
        Ok(())
    }
}

pub type ParseResult = Result<Value, ParseError>;

/// Fails unless the command exited 0; the error carries its standard error.
pub fn require_success(section: &Section) -> Result<(), ParseError> {
    if section.code == 0 {
        return Ok(());
    }
    let stderr = section.stderr.trim();
    let detail = if stderr.is_empty() {
        "no error output".to_string()
    } else {
        stderr.to_string()
    };
    Err(ParseError::new(format!(
        "the command exited with status {}: {detail}",
        section.code
    )))
}

/// The single line a command printed (`uname -n`...), without its newline.
pub fn single_line(stdout: &str) -> Result<&str, ParseError> {
    let text = stdout.strip_suffix('\n').unwrap_or(stdout);
    if text.is_empty() {
        return Err(ParseError::new("the command printed nothing"));
    }
    if text.contains('\n') {
        return Err(ParseError::at_line(
            "expected exactly one line of output",
            text,
        ));
    }
    Ok(text)
}

/// Output lines without the final newline's empty tail.
pub fn lines(stdout: &str) -> Vec<&str> {
    let text = stdout.strip_suffix('\n').unwrap_or(stdout);
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    }
}

pub fn parse_int(field: &str, text: &str, line: &str) -> Result<i64, ParseError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| ParseError::at_line(format!("{field} is not an integer: {text:?}"), line))
}

/// Splits `line` at `sep` into exactly `N` fields (the last one keeps any
/// further separators).
pub fn fields<'a, const N: usize>(
    line: &'a str,
    sep: char,
    what: &str,
) -> Result<[&'a str; N], ParseError> {
    let parts: Vec<&str> = line.splitn(N, sep).collect();
    parts.try_into().map_err(|_| {
        ParseError::at_line(
            format!("expected {N} {sep:?}-separated fields of {what}"),
            line,
        )
    })
}

pub fn str_value(text: &str) -> Value {
    Value::Str(Arc::from(text))
}

pub fn str_list(items: impl IntoIterator<Item = impl AsRef<str>>) -> Value {
    Value::List(Arc::new(
        items.into_iter().map(|s| str_value(s.as_ref())).collect(),
    ))
}

pub fn record<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let map: BTreeMap<Arc<str>, Value> =
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)).collect();
    Value::Record(Arc::new(map))
}

pub fn optional(value: Option<Value>) -> Value {
    value.unwrap_or(Value::None)
}

/// A successful section with this output (for the parsers' tests).
#[cfg(test)]
pub fn ok(stdout: &str) -> Section {
    Section {
        code: 0,
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_rejects_empty_and_multiline() {
        assert_eq!(single_line("x86_64\n"), Ok("x86_64"));
        assert!(single_line("").is_err());
        assert!(single_line("a\nb\n").is_err());
    }

    #[test]
    fn lines_drops_only_the_final_newline() {
        assert_eq!(lines("a\n\nb\n"), vec!["a", "", "b"]);
        assert!(lines("").is_empty());
    }

    #[test]
    fn failure_reports_status_and_stderr() {
        let s = Section {
            code: 2,
            stdout: String::new(),
            stderr: "boom\n".into(),
        };
        assert_eq!(
            require_success(&s).map_err(|e| e.to_string()),
            Err("the command exited with status 2: boom".into())
        );
    }
}
