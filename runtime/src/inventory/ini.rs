//! Ansible's INI inventory format.
//!
//! ```ini
//! mail.example.com                 # hosts before any section: "ungrouped"
//! [web]
//! web[01:03].example.com ansible_user=deploy port=8080
//! db.example.com:2222              # host:port
//! [web:vars]
//! ntp_server=ntp.example.com
//! [prod:children]
//! web
//! ```
//!
//! Inline host variables are typed (`8080` is a number, `true` a boolean,
//! `'["a", "b"]'` and `'{"a": 1}'` JSON); other quoted values stay strings
//! (Ansible would read `"8080"` as a number). Values in `[group:vars]` are
//! strings, as in Ansible.

use serde_json::{Map, Value};

use super::pattern::expand;
use super::{LineError, Raw, line_error};

enum Section {
    Hosts(Option<String>),
    Vars(String),
    Children(String),
}

pub(super) fn parse(text: &str) -> Result<Raw, LineError> {
    let mut raw = Raw::default();
    let mut section = Section::Hosts(None);
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = section_header(line).map_err(|m| line_error(number, m))?;
            if let Section::Hosts(Some(name)) | Section::Vars(name) | Section::Children(name) =
                &section
            {
                raw.group(name, number);
            }
            continue;
        }
        match &section {
            Section::Hosts(group) => host_line(&mut raw, group.as_deref(), line, number)?,
            Section::Vars(group) => {
                let (key, value) = line.split_once('=').ok_or_else(|| {
                    line_error(
                        number,
                        format!("expected `name=value` in [{group}:vars], found `{line}`"),
                    )
                })?;
                let key = variable_name(key.trim()).map_err(|m| line_error(number, m))?;
                let value = Value::String(unquote(value.trim()).to_owned());
                raw.group(group, number).vars.insert(key, value);
            }
            Section::Children(group) => {
                let child = group_name(line).map_err(|m| line_error(number, m))?;
                raw.add_child(group, child, number);
            }
        }
    }
    Ok(raw)
}

fn section_header(line: &str) -> Result<Section, String> {
    let inner = strip_comment(line)
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .ok_or_else(|| format!("malformed section header `{line}`"))?;
    let (name, kind) = match inner.split_once(':') {
        Some((name, kind)) => (name, Some(kind)),
        None => (inner, None),
    };
    let name = group_name(name)?.to_owned();
    match kind {
        None | Some("hosts") => Ok(Section::Hosts(Some(name))),
        Some("vars") => Ok(Section::Vars(name)),
        Some("children") => Ok(Section::Children(name)),
        Some(other) => Err(format!(
            "unknown section kind `:{other}` (expected :vars or :children)"
        )),
    }
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) => line[..i].trim_end(),
        None => line,
    }
}

fn group_name(name: &str) -> Result<&str, String> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if valid {
        Ok(name)
    } else {
        Err(format!("invalid group name `{name}`"))
    }
}

fn variable_name(name: &str) -> Result<String, String> {
    let mut bytes = name.bytes();
    let valid = matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(format!("invalid variable name `{name}`"))
    }
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// `pattern[:port] [name=value ...] [# comment]`
fn host_line(
    raw: &mut Raw,
    group: Option<&str>,
    line: &str,
    number: usize,
) -> Result<(), LineError> {
    let words = split_words(line).map_err(|m| line_error(number, m))?;
    let Some((first, rest)) = words.split_first() else {
        return Ok(());
    };
    let mut vars = Map::new();
    for word in rest {
        let (key, value) = word.text.split_once('=').ok_or_else(|| {
            line_error(
                number,
                format!(
                    "expected `name=value` after the host, found `{}`",
                    word.text
                ),
            )
        })?;
        let key = variable_name(key).map_err(|m| line_error(number, m))?;
        let value = typed(value, word.quoted);
        vars.insert(key, value);
    }
    let (pattern, port) = split_port(&first.text);
    if let Some(port) = port {
        let port: u16 = port
            .parse()
            .map_err(|_| line_error(number, format!("invalid port `{port}`")))?;
        vars.insert("ansible_port".into(), Value::from(port));
    }
    for host in expand(pattern).map_err(|m| line_error(number, m))? {
        raw.add_host(group, &host, number, vars.clone());
    }
    Ok(())
}

/// `host:22`: the one colon outside host ranges (an IPv6 address has
/// several, `web[1:3]` has its colon inside brackets).
fn split_port(word: &str) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    let mut colons = word.char_indices().filter(|&(_, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        c == ':' && depth == 0
    });
    match (colons.next(), colons.next()) {
        (Some((i, _)), None) if i > 0 => (&word[..i], Some(&word[i + 1..])),
        _ => (word, None),
    }
}

/// A typed value of an inline host variable. A quoted value stays a
/// string, unless it is a JSON list or object (which needs quotes to keep
/// its own quotes: `tags='["a", "b"]'`).
fn typed(text: &str, quoted: bool) -> Value {
    if text.starts_with(['[', '{'])
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        return v;
    }
    if quoted {
        return Value::String(text.to_owned());
    }
    match text {
        "true" | "True" => return Value::Bool(true),
        "false" | "False" => return Value::Bool(false),
        "null" | "None" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::from(n);
    }
    match text
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(n) => Value::Number(n),
        None => Value::String(text.to_owned()),
    }
}

struct Word {
    text: String,
    /// Some part was quoted: the value is a string, whatever it looks like.
    quoted: bool,
}

/// Splits like a shell: whitespace separates words, quotes group, `\` in
/// double quotes escapes, and a word starting with `#` starts a comment.
fn split_words(line: &str) -> Result<Vec<Word>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => {}
        }
        let mut word = Word {
            text: String::new(),
            quoted: false,
        };
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            match c {
                '\'' => {
                    word.quoted = true;
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(c) => word.text.push(c),
                            None => return Err("unterminated ' quote".into()),
                        }
                    }
                }
                '"' => {
                    word.quoted = true;
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(c) => word.text.push(c),
                                None => return Err("unterminated \" quote".into()),
                            },
                            Some(c) => word.text.push(c),
                            None => return Err("unterminated \" quote".into()),
                        }
                    }
                }
                c => word.text.push(c),
            }
        }
        words.push(word);
    }
}
