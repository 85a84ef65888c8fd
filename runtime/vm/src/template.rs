//! Templates (`local.render_template`, `files.template`): the Jinja2
//! dialect (docs/language.md §5.8, Ansible's defaults where users notice:
//! `trim_blocks`, the final newline kept, its daily filters) and the names
//! a template sees besides its `vars`: `host`, `params`, `groups` and
//! `stages`.

use std::path::Path;
use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value as J};

use crate::format::kind_name;
use crate::value::{HostValue, Value};

/// What a template sees besides its `vars` (the names are
/// `infrac_bytecode::builtins::TEMPLATE_CONTEXT`).
pub struct Scope<'a> {
    /// `None` outside a host (a param's default).
    pub host: Option<&'a HostValue>,
    /// The program's params, by name.
    pub params: Vec<(&'a str, &'a Value)>,
    /// Every group's hosts, by group name.
    pub groups: Vec<(&'a str, &'a [Arc<HostValue>])>,
    /// The values of the stages that ran before (those that have one), by
    /// stage name.
    pub stages: Vec<(&'a str, &'a Value)>,
}

/// Renders the template file `path` (relative to `base_dir`) with `vars`
/// and `facts` (records or maps) and `scope`.
pub fn render(
    base_dir: &Path,
    path: &str,
    vars: &Value,
    facts: &Value,
    scope: &Scope<'_>,
) -> Result<Value, String> {
    let source = crate::local_files::read_regular_text(
        &base_dir.join(path),
        crate::local_files::MAX_PROGRAM_FILE,
    )?;
    let mut env = environment();
    // `{% include %}`, `{% import %}` and `{% extends %}` name files
    // relative to the directory of the template given to the call.
    let dir = base_dir
        .join(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    env.set_loader(move |name| {
        crate::local_files::read_regular_text(&dir.join(name), crate::local_files::MAX_PROGRAM_FILE)
            .map(Some)
            .map_err(|message| Error::new(ErrorKind::TemplateNotFound, message))
    });
    let template = env
        .template_from_named_str(path, &source)
        .map_err(|e| describe(path, &e))?;
    let mut context = fields("variables", vars)?;
    context.push(("facts".into(), J::from_iter(fields("facts", facts)?)));
    if let Some(host) = scope.host {
        context.push(("host".into(), host_value(host)));
    }
    let params = scope
        .params
        .iter()
        .map(|(name, v)| ((*name).to_string(), to_jinja(v)));
    context.push(("params".into(), J::from_iter(params)));
    let groups = scope.groups.iter().map(|(name, hosts)| {
        let hosts: Vec<J> = hosts.iter().map(|h| host_value(h)).collect();
        ((*name).to_string(), J::from(hosts))
    });
    context.push(("groups".into(), J::from_iter(groups)));
    let stages = scope
        .stages
        .iter()
        .map(|(name, v)| ((*name).to_string(), to_jinja(v)));
    context.push(("stages".into(), J::from_iter(stages)));
    let mut out = Bounded(Vec::new());
    template
        .render_captured_to(J::from_iter(context), &mut out)
        .map_err(|e| {
            if out.0.len() > TEMPLATE_OUTPUT {
                format!("template {path}: its output is larger than {TEMPLATE_OUTPUT} bytes")
            } else if e.kind() == ErrorKind::OutOfFuel {
                format!("template {path}: rendering took more than {TEMPLATE_FUEL} steps (a loop that does not end?)")
            } else {
                describe(path, &e)
            }
        })?;
    String::from_utf8(out.0)
        .map(|s| Value::Str(s.into()))
        .map_err(|_| format!("template {path}: its output is not UTF-8 text"))
}

/// The fields of `value`, a record or a map (`what` it holds, for the
/// message otherwise).
fn fields(what: &str, value: &Value) -> Result<Vec<(String, J)>, String> {
    match value {
        Value::Record(m) | Value::Map(m) => Ok(m
            .iter()
            .map(|(k, v)| (k.to_string(), to_jinja(v)))
            .collect()),
        other => Err(format!(
            "template {what} must be a record or a map, found a {}",
            kind_name(other)
        )),
    }
}

/// `template PATH:LINE: what went wrong (`the expression`)`. Never
/// minijinja's detailed form (`{e:#}`), which lists the values the
/// template was given, secrets included.
fn describe(path: &str, e: &Error) -> String {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let what = e
        .detail()
        .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    let at = match (e.template_source(), e.range()) {
        (Some(source), Some(range)) => source
            .get(range)
            .map(|text| format!(" (`{text}`)"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("template {path}{line}: {what}{at}")
}

/// The dialect: Jinja2 as Ansible configures it, with strict undefined
/// values (a name the template uses and nobody gave is an error).
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Ansible's defaults: a block tag's own line break is dropped, and the
    // file's final newline is kept (config files expect it).
    env.set_trim_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Rendering runs on the controller: a template's loops must end, and
    // its output fit in memory (and `--host-timeout` cannot stop it).
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.add_filter("to_json", to_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("b64encode", b64encode);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("bool", to_bool);
    env.add_filter("int", to_int);
    env
}

/// How many steps of minijinja's machine a template may take: far more
/// than any config file needs, and a few seconds at most.
const TEMPLATE_FUEL: u64 = 10_000_000;

/// The largest output of a template.
const TEMPLATE_OUTPUT: usize = 64 << 20;

/// A writer that refuses to grow past [`TEMPLATE_OUTPUT`].
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > TEMPLATE_OUTPUT {
            // Marks the overflow for the message above.
            self.0.resize(TEMPLATE_OUTPUT + 1, 0);
            return Err(std::io::Error::other("template output too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn host_value(host: &HostValue) -> J {
    J::from_iter([
        ("name".to_string(), J::from(host.name.as_str())),
        ("data".to_string(), to_jinja(&host.data)),
    ])
}

/// Converts a value for minijinja. Secrets are revealed (see local.infra).
fn to_jinja(v: &Value) -> J {
    match v {
        Value::None => J::from(()),
        Value::Bool(b) => J::from(*b),
        Value::Int(n) => J::from(*n),
        Value::Float(x) => J::from(*x),
        Value::Str(s) | Value::Secret(s) => J::from(&**s),
        Value::Cmd(c) => J::from(c.inline_script()),
        Value::List(items) => J::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Map(m) | Value::Record(m) => {
            J::from_iter(m.iter().map(|(k, v)| (k.to_string(), to_jinja(v))))
        }
        Value::Enum { variant, .. } => J::from(&**variant),
        Value::Host(h) => host_value(h),
        // Plan mode stops before a native sees an unknown argument.
        Value::Unknown(_) => J::from(()),
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// `to_json`: Python's `json.dumps` as Ansible calls it: `", "` and
/// `": "` between items, non-ASCII kept; a map's keys come sorted (the
/// order every map of a template has).
fn to_json(value: &J) -> Result<String, Error> {
    let mut out = String::new();
    json(value, &mut out)?;
    Ok(out)
}

fn json(value: &J, out: &mut String) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => out.push_str(&value.to_string()),
        ValueKind::String => out.push_str(&quoted(value.as_str().unwrap_or(""))),
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (i, item) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json(&item, out)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            for (i, key) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quoted(&key.to_string()));
                out.push_str(": ");
                json(&value.get_item(&key)?, out)?;
            }
            out.push('}');
        }
        _ => {
            return Err(invalid(format!(
                "cannot convert a {} to JSON",
                value.kind()
            )));
        }
    }
    Ok(())
}

/// A JSON string literal.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `to_yaml`: block style, as Ansible's (PyYAML's `dump`, keys sorted): mappings as
/// `key: value` lines, lists as `- item` lines, strings plain when YAML
/// reads them back as the same string (else double-quoted); ends with a
/// line break.
fn to_yaml(value: &J) -> Result<String, Error> {
    let mut out = String::new();
    yaml(value, 0, &mut out)?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

fn yaml(value: &J, indent: usize, out: &mut String) -> Result<(), Error> {
    let pad = " ".repeat(indent);
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<J> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]\n");
            }
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                yaml_nested(&item, indent + 2, out)?;
            }
        }
        ValueKind::Map => {
            let keys: Vec<J> = value.try_iter()?.collect();
            if keys.is_empty() {
                out.push_str("{}\n");
            }
            for key in keys {
                out.push_str(&pad);
                out.push_str(&yaml_scalar_text(&key.to_string()));
                out.push(':');
                let item = value.get_item(&key)?;
                if is_nonempty_collection(&item) {
                    out.push('\n');
                    let deeper = if item.kind() == ValueKind::Map {
                        indent + 2
                    } else {
                        indent
                    };
                    yaml(&item, deeper, out)?;
                } else {
                    out.push(' ');
                    yaml(&item, indent + 2, out)?;
                }
            }
        }
        _ => {
            out.push_str(&yaml_scalar(value)?);
            out.push('\n');
        }
    }
    Ok(())
}

/// An item of a list: a map's first key goes on the `- ` line.
fn yaml_nested(value: &J, indent: usize, out: &mut String) -> Result<(), Error> {
    if is_nonempty_collection(value) {
        let mut inner = String::new();
        yaml(value, indent, &mut inner)?;
        out.push_str(inner.trim_start());
        Ok(())
    } else {
        yaml(value, indent, out)
    }
}

fn is_nonempty_collection(value: &J) -> bool {
    matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    ) && value.len().is_some_and(|n| n > 0)
}

fn yaml_scalar(value: &J) -> Result<String, Error> {
    Ok(match value.kind() {
        ValueKind::Undefined | ValueKind::None => "null".to_string(),
        ValueKind::Bool => (if value.is_true() { "true" } else { "false" }).to_string(),
        ValueKind::Number => value.to_string(),
        ValueKind::String => yaml_scalar_text(value.as_str().unwrap_or("")),
        other => return Err(invalid(format!("cannot convert a {other} to YAML"))),
    })
}

/// A string as YAML: plain when a reader gets the same string back,
/// else a double-quoted (JSON) string.
fn yaml_scalar_text(s: &str) -> String {
    let reserved = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ];
    let special_start = s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]);
    let number = s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o");
    let plain = !reserved.contains(&s)
        && !special_start
        && !number
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s.chars().all(|c| !c.is_control());
    if plain { s.to_string() } else { quoted(s) }
}

/// `b64encode`: the standard Base64 alphabet, with `=` padding, of the
/// string's UTF-8 bytes.
fn b64encode(s: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(s.len().div_ceil(3) * 4);
    for chunk in s.as_bytes().chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `regex_replace(pattern, replacement = "", ignorecase = false,
/// multiline = false)`: Python's `re.sub`, every match replaced;
/// `\1`...`\9` and `\g<name>` in the replacement are groups.
fn regex_replace(
    value: &str,
    pattern: &str,
    replacement: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    kwargs.assert_all_used()?;
    let re = regex::RegexBuilder::new(pattern)
        .case_insensitive(ignorecase.unwrap_or(false))
        .multi_line(multiline.unwrap_or(false))
        .build()
        .map_err(|e| invalid(format!("regex_replace: bad pattern: {e}")))?;
    let replacement = python_replacement(replacement.unwrap_or(""));
    Ok(re.replace_all(value, replacement.as_str()).into_owned())
}

/// A Python replacement string in the regex crate's syntax: `\1` and
/// `\g<name>` become `${1}` and `${name}`, `$` is literal, `\\` is `\`.
fn python_replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut group = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        group.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('g') => {
                    chars.next();
                    let mut name = String::new();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        for d in chars.by_ref() {
                            if d == '>' {
                                break;
                            }
                            name.push(d);
                        }
                    }
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            other => out.push(other),
        }
    }
    out
}

/// `bool`: Ansible's: a bool is itself; the strings `yes`, `on`, `1`,
/// `true` (any case, surrounding spaces ignored) and the number 1 are
/// true; everything else is false.
fn to_bool(value: &J) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::String => matches!(
            value.as_str().unwrap_or("").trim().to_lowercase().as_str(),
            "yes" | "on" | "1" | "true"
        ),
        ValueKind::Number => value.as_i64() == Some(1) || value.to_string() == "1.0",
        _ => false,
    }
}

/// `int(default = 0, base = 10)`: Jinja2's: a number is truncated, a bool
/// is 0 or 1, a string is parsed in `base` (`0x`, `0o`, `0b` prefixes
/// allowed for their base), or as a decimal number and truncated; anything
/// else is `default`.
fn to_int(
    value: &J,
    default: Option<i64>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    let default = kwargs
        .get::<Option<i64>>("default")?
        .or(default)
        .unwrap_or(0);
    let base = kwargs.get::<Option<u32>>("base")?.or(base).unwrap_or(10);
    kwargs.assert_all_used()?;
    if !(2..=36).contains(&base) {
        return Err(invalid(format!("int: base {base} is not between 2 and 36")));
    }
    Ok(match value.kind() {
        ValueKind::Bool => i64::from(value.is_true()),
        ValueKind::Number => value
            .as_i64()
            .or_else(|| {
                value
                    .to_string()
                    .parse::<f64>()
                    .ok()
                    .map(|f| f.trunc() as i64)
            })
            .unwrap_or(default),
        ValueKind::String => parse_int(value.as_str().unwrap_or(""), base).unwrap_or(default),
        _ => default,
    })
}

fn parse_int(text: &str, base: u32) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let prefix = match base {
        16 => ["0x", "0X"],
        8 => ["0o", "0O"],
        2 => ["0b", "0B"],
        _ => ["", ""],
    };
    let digits = prefix
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| digits.strip_prefix(p))
        .unwrap_or(digits)
        .replace('_', "");
    let parsed = i64::from_str_radix(&digits, base).ok().or_else(|| {
        (base == 10)
            .then(|| digits.parse::<f64>().ok().map(|f| f.trunc() as i64))
            .flatten()
    })?;
    Some(if negative { -parsed } else { parsed })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `source` rendered in the dialect with `ctx`.
    fn render_str(source: &str, ctx: J) -> Result<String, String> {
        environment()
            .render_str(source, ctx)
            .map_err(|e| describe("t.j2", &e))
    }

    fn ok(source: &str) -> String {
        render_str(source, J::from(())).unwrap()
    }

    #[test]
    fn blocks_trim_their_line_break_and_the_final_newline_stays() {
        assert_eq!(ok("{% if true %}\nyes\n{% endif %}\nend\n"), "yes\nend\n");
        assert_eq!(ok("a\n\n"), "a\n\n");
    }

    #[test]
    fn default_join_upper_lower_indent() {
        assert_eq!(ok("{{ nope | default('x') }}"), "x");
        assert_eq!(ok("{{ '' | default('x', true) }}"), "x");
        assert_eq!(ok("{{ [1, 2] | join(', ') }}"), "1, 2");
        assert_eq!(ok("{{ 'aB' | upper }} {{ 'aB' | lower }}"), "AB ab");
        assert_eq!(ok("{{ 'a\nb' | indent(2) }}"), "a\n  b");
        assert_eq!(ok("{{ 'a\nb' | indent(2, true) }}"), "  a\n  b");
    }

    #[test]
    fn to_json_is_pythons_dumps() {
        assert_eq!(
            ok(r#"{{ {"b": [1, "é", none, true], "a": {}} | to_json }}"#),
            r#"{"a": {}, "b": [1, "é", null, true]}"#
        );
    }

    #[test]
    fn to_yaml_is_block_style() {
        assert_eq!(
            ok(
                r#"{{ {"name": "web", "ports": [80, 443], "tls": {"on": true}, "empty": [], "note": "yes"} | to_yaml }}"#
            ),
            "empty: []\nname: web\nnote: \"yes\"\nports:\n- 80\n- 443\ntls:\n  \"on\": true\n"
        );
        assert_eq!(
            ok(r#"{{ [{"a": 1, "b": 2}, "x: y"] | to_yaml }}"#),
            "- a: 1\n  b: 2\n- \"x: y\"\n"
        );
    }

    #[test]
    fn b64encode_pads() {
        assert_eq!(
            ok(
                "{{ 'a' | b64encode }} {{ 'ab' | b64encode }} {{ 'abc' | b64encode }} {{ 'user:pässword' | b64encode }}"
            ),
            "YQ== YWI= YWJj dXNlcjpww6Rzc3dvcmQ="
        );
    }

    #[test]
    fn regex_replace_takes_python_groups() {
        assert_eq!(
            ok(
                r#"{{ 'host-01.example' | regex_replace('^(\\w+)-(?P<n>\\d+)', '\\g<n>-\\1 $x') }}"#
            ),
            "01-host $x.example"
        );
        assert_eq!(ok("{{ 'aAa' | regex_replace('a', '') }}"), "A");
        assert_eq!(
            ok("{{ 'aAa' | regex_replace('a', 'b', ignorecase=true) }}"),
            "bbb"
        );
        assert_eq!(
            ok("{{ 'x\ny' | regex_replace('^', '# ', multiline=true) }}"),
            "# x\n# y"
        );
        assert!(render_str("{{ 'a' | regex_replace('(') }}", J::from(())).is_err());
    }

    #[test]
    fn bool_is_ansibles() {
        assert_eq!(
            ok(
                "{{ 'yes' | bool }} {{ ' On ' | bool }} {{ '1' | bool }} {{ 1 | bool }} {{ 'no' | bool }} {{ 'x' | bool }} {{ 2 | bool }} {{ none | bool }} {{ false | bool }}"
            ),
            "True True True True False False False False False"
        );
    }

    #[test]
    fn int_is_jinjas() {
        assert_eq!(
            ok(
                "{{ '42' | int }} {{ ' 3.9 ' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1f' | int(base=16) }} {{ 'ff' | int(0, 16) }} {{ 2.7 | int }} {{ true | int }} {{ '-5' | int }}"
            ),
            "42 3 0 7 31 255 2 1 -5"
        );
    }

    #[test]
    fn templates_see_host_and_params_and_reveal_secrets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.j2"),
            "{{ host.name }} {{ host.data.port }} {{ params.release }} {{ pw }}\n{% for h in groups.web %}{{ h.name }}={{ h.data.port }}{% endfor %} {{ stages.token }} {{ facts.arch }}\n",
        )
        .unwrap();
        let host = HostValue {
            name: "web-1".into(),
            spec: crate::value::HostSpec::Local,
            data: Value::Record(Arc::new(
                [(Arc::from("port"), Value::Int(80))].into_iter().collect(),
            )),
            sudo: false,
            sudo_password: None,
        };
        let release = Value::Str("2.4".into());
        let hosts = [Arc::new(host.clone())];
        let token = Value::Str("t0k".into());
        let scope = Scope {
            host: Some(&host),
            params: vec![("release", &release)],
            groups: vec![("web", &hosts)],
            stages: vec![("token", &token)],
        };
        let vars = Value::Record(Arc::new(
            [(Arc::from("pw"), Value::Secret("TOPSECRET".into()))]
                .into_iter()
                .collect(),
        ));
        let facts = Value::Record(Arc::new(
            [(Arc::from("arch"), Value::Str("x86".into()))]
                .into_iter()
                .collect(),
        ));
        assert_eq!(
            render(dir.path(), "t.j2", &vars, &facts, &scope),
            Ok(Value::Str(
                "web-1 80 2.4 TOPSECRET\nweb-1=80 t0k x86\n".into()
            ))
        );
    }

    /// The checker leaves out the names the VM gives
    /// (`TEMPLATE_CONTEXT`): each must be defined in every template.
    #[test]
    fn the_context_the_checker_knows_is_the_one_given() {
        let dir = tempfile::tempdir().unwrap();
        let names = infrac_bytecode::builtins::TEMPLATE_CONTEXT;
        let source: String = names
            .iter()
            .map(|n| format!("{{{{ {n} is defined }}}} "))
            .collect();
        std::fs::write(dir.path().join("c.j2"), &source).unwrap();
        let host = HostValue {
            name: "h".into(),
            spec: crate::value::HostSpec::Local,
            data: Value::None,
            sudo: false,
            sudo_password: None,
        };
        let scope = Scope {
            host: Some(&host),
            params: Vec::new(),
            groups: Vec::new(),
            stages: Vec::new(),
        };
        let none = Value::Record(Arc::default());
        let out = render(dir.path(), "c.j2", &none, &none, &scope);
        assert_eq!(out, Ok(Value::Str("True ".repeat(names.len()).into())));
    }

    #[test]
    fn includes_are_relative_to_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("t/parts")).unwrap();
        std::fs::write(
            dir.path().join("t/main.j2"),
            "{% include 'parts/head.j2' %}body {{ n }}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("t/parts/head.j2"), "head {{ n }}\n").unwrap();
        std::fs::write(dir.path().join("t/bad.j2"), "{% include 'gone.j2' %}\n").unwrap();
        let vars = Value::Record(Arc::new(
            [(Arc::from("n"), Value::Int(1))].into_iter().collect(),
        ));
        let none = Value::Record(Arc::default());
        let scope = Scope {
            host: None,
            params: Vec::new(),
            groups: Vec::new(),
            stages: Vec::new(),
        };
        assert_eq!(
            render(dir.path(), "t/main.j2", &vars, &none, &scope),
            Ok(Value::Str("head 1\nbody 1\n".into()))
        );
        let message = render(dir.path(), "t/bad.j2", &vars, &none, &scope).unwrap_err();
        assert!(
            message.starts_with("template t/bad.j2:1: template not found")
                && message.contains("\"gone.j2\""),
            "{message}"
        );
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_expression_never_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.j2"), "pw={{ pw }}\n{{ nope.port }}\n").unwrap();
        let vars = Value::Record(Arc::new(
            [(Arc::from("pw"), Value::Secret("TOPSECRET".into()))]
                .into_iter()
                .collect(),
        ));
        let scope = Scope {
            host: None,
            params: Vec::new(),
            groups: Vec::new(),
            stages: Vec::new(),
        };
        let none = Value::Record(Arc::default());
        let message = render(dir.path(), "s.j2", &vars, &none, &scope).unwrap_err();
        assert_eq!(message, "template s.j2:2: undefined value (`nope.port`)");
        std::fs::write(dir.path().join("bad.j2"), "{% if %}\n").unwrap();
        let message = render(dir.path(), "bad.j2", &vars, &none, &scope).unwrap_err();
        assert!(
            message.starts_with("template bad.j2:1: syntax error"),
            "{message}"
        );
        assert!(render(dir.path(), "gone.j2", &vars, &none, &scope).is_err());
    }
}
