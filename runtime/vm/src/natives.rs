//! Native functions: the bodyless `fn`s of the standard library, by
//! qualified name. They run on the controller.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::format::kind_name;
use crate::value::Value;

pub fn call(name: &str, args: &[Value], base_dir: &Path) -> Result<Value, String> {
    match (name, args) {
        ("local.render_template", [Value::Str(path), vars]) => {
            render_template(base_dir, path, vars)
        }
        ("local.read_file", [Value::Str(path)]) => read_file(base_dir, path),
        ("local.sha256_file", [Value::Str(path)]) => {
            let bytes = read_bytes(base_dir, path)?;
            Ok(Value::Str(hex_sha256(&bytes).into()))
        }
        ("local.sha256", [Value::Str(text) | Value::Secret(text)]) => {
            Ok(Value::Str(hex_sha256(text.as_bytes()).into()))
        }
        ("local.env", [Value::Str(var)]) => Ok(env(var)),
        ("local.parents", [Value::Str(path)]) => Ok(Value::List(Arc::new(
            parents(path)
                .into_iter()
                .map(|p| Value::Str(p.into()))
                .collect(),
        ))),
        _ => Err(format!(
            "no native function `{name}` taking these {} arguments",
            args.len()
        )),
    }
}

/// The controller environment variable `name`, or `none`.
pub fn env(name: &str) -> Value {
    std::env::var(name).map_or(Value::None, |v| Value::Str(v.into()))
}

/// Every directory above `path`, nearest first: `/srv/app/conf` ->
/// `/srv/app`, `/srv`, `/`; `app/conf` -> `app`, `.`. Lexical: repeated
/// and trailing `/` and `.` components are dropped first, `..` is kept as
/// written, nothing is read from a disk. `/` and `.` have none.
pub(crate) fn parents(path: &str) -> Vec<String> {
    let components: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let absolute = path.starts_with('/');
    (0..components.len())
        .rev()
        .map(|n| join_path(absolute, &components[..n]))
        .collect()
}

/// `components` as a path; none is `/` (absolute) or `.` (relative).
fn join_path(absolute: bool, components: &[&str]) -> String {
    match (absolute, components) {
        (true, _) => format!("/{}", components.join("/")),
        (false, []) => ".".to_string(),
        (false, _) => components.join("/"),
    }
}

fn read_bytes(base_dir: &Path, path: &str) -> Result<Vec<u8>, String> {
    crate::local_files::read_regular(&base_dir.join(path), crate::local_files::MAX_PROGRAM_FILE)
}

pub fn read_file(base_dir: &Path, path: &str) -> Result<Value, String> {
    let bytes = read_bytes(base_dir, path)?;
    String::from_utf8(bytes)
        .map(|s| Value::Str(s.into()))
        .map_err(|_| format!("{} is not UTF-8 text", base_dir.join(path).display()))
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn render_template(base_dir: &Path, path: &str, vars: &Value) -> Result<Value, String> {
    let source = match read_file(base_dir, path)? {
        Value::Str(s) => s,
        _ => return Err(format!("cannot read {path}")),
    };
    let mut env = minijinja::Environment::new();
    // Jinja2 keeps a final newline only when asked; templates of config
    // files expect it kept.
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Rendering runs on the controller: a template's loops must end, and
    // its output fit in memory (and `--host-timeout` cannot stop it).
    env.set_fuel(Some(TEMPLATE_FUEL));
    // `{e}`, not `{e:#}`: minijinja's detailed form lists the variables
    // the template referenced, with their values — secrets included.
    let template = env
        .template_from_str(&source)
        .map_err(|e| format!("template {path}: {e}"))?;
    let context = match vars {
        Value::Record(_) | Value::Map(_) => to_jinja(vars),
        other => {
            return Err(format!(
                "template variables must be a record or a map, found a {}",
                kind_name(other)
            ));
        }
    };
    let mut out = Bounded(Vec::new());
    template.render_captured_to(context, &mut out).map_err(|e| {
        if out.0.len() > TEMPLATE_OUTPUT {
            format!("template {path}: its output is larger than {TEMPLATE_OUTPUT} bytes")
        } else if e.kind() == minijinja::ErrorKind::OutOfFuel {
            format!("template {path}: rendering took more than {TEMPLATE_FUEL} steps (a loop that does not end?)")
        } else {
            format!("template {path}: {e}")
        }
    })?;
    String::from_utf8(out.0)
        .map(|s| Value::Str(s.into()))
        .map_err(|_| format!("template {path}: its output is not UTF-8 text"))
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

/// Converts a value for minijinja. Secrets are revealed (see local.infra).
fn to_jinja(v: &Value) -> minijinja::Value {
    use minijinja::Value as J;
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
        Value::Host(h) => J::from_iter([
            ("name".to_string(), J::from(h.name.as_str())),
            ("data".to_string(), to_jinja(&h.data)),
        ]),
        // Plan mode stops before a native sees an unknown argument.
        Value::Unknown(_) => J::from(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn renders_templates_and_hashes() {
        let dir = std::env::temp_dir().join(format!("infrac-vm-natives-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("t.j2"),
            "port={{ port }}{% for t in tags %} {{ t }}{% endfor %}\n",
        )
        .unwrap();
        let vars = Value::Record(Arc::new(
            [
                (Arc::from("port"), Value::Int(80)),
                (
                    Arc::from("tags"),
                    Value::List(Arc::new(vec![
                        Value::Str("a".into()),
                        Value::Str("b".into()),
                    ])),
                ),
            ]
            .into_iter()
            .collect(),
        ));
        let out = call(
            "local.render_template",
            &[Value::Str("t.j2".into()), vars],
            &dir,
        );
        assert_eq!(out, Ok(Value::Str("port=80 a b\n".into())));
        let missing = call(
            "local.render_template",
            &[Value::Str("t.j2".into()), Value::Record(Arc::default())],
            &dir,
        );
        assert!(missing.is_err(), "an undefined variable is an error");
        // The error never shows the values the template was given.
        std::fs::write(dir.join("s.j2"), "pw={{ pw }} {{ nope }}\n").unwrap();
        let secret = Value::Record(Arc::new(
            [(Arc::from("pw"), Value::Secret("TOPSECRET".into()))]
                .into_iter()
                .collect(),
        ));
        let failed = call(
            "local.render_template",
            &[Value::Str("s.j2".into()), secret],
            &dir,
        );
        let message = failed.expect_err("an undefined variable is an error");
        assert!(!message.contains("TOPSECRET"), "{message}");
        assert!(message.contains("undefined"), "{message}");
        assert_eq!(
            call("local.sha256", &[Value::Str("abc".into())], &dir),
            Ok(Value::Str(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
            ))
        );
        assert!(call("local.read_file", &[Value::Str("nope".into())], &dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parents_are_lexical_and_nearest_first() {
        let cases: [(&str, &[&str]); 10] = [
            ("/srv/app/conf", &["/srv/app", "/srv", "/"]),
            ("/srv/app/conf/", &["/srv/app", "/srv", "/"]),
            ("//srv//./app", &["/srv", "/"]),
            ("/srv", &["/"]),
            ("/", &[]),
            ("app/conf", &["app", "."]),
            ("./app", &["."]),
            ("../x", &["..", "."]),
            (".", &[]),
            ("", &[]),
        ];
        for (path, want) in cases {
            assert_eq!(parents(path), want, "parents of {path:?}");
        }
        let dir = Path::new(".");
        let list = |items: &[&str]| {
            Value::List(Arc::new(
                items.iter().map(|s| Value::Str((*s).into())).collect(),
            ))
        };
        assert_eq!(
            call("local.parents", &[Value::Str("/a/b".into())], dir),
            Ok(list(&["/a", "/"]))
        );
    }
}
