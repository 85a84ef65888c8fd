//! Native functions: the bodyless `fn`s of the standard library, by
//! qualified name. They run on the controller.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::template::Scope;
use crate::value::Value;

/// Calls the native `name`; templates see `scope` besides their `vars`.
pub fn call(
    name: &str,
    args: &[Value],
    base_dir: &Path,
    scope: &Scope<'_>,
) -> Result<Value, String> {
    match (name, args) {
        ("local.render_template", [Value::Str(path), vars, facts]) => {
            crate::template::render(base_dir, path, vars, facts, scope)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// No host, no params.
    const NOWHERE: Scope<'static> = Scope {
        host: None,
        params: Vec::new(),
        groups: Vec::new(),
        stages: Vec::new(),
    };

    #[test]
    fn hashes_and_reads() {
        let dir = Path::new(".");
        assert_eq!(
            call("local.sha256", &[Value::Str("abc".into())], dir, &NOWHERE),
            Ok(Value::Str(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
            ))
        );
        assert!(
            call(
                "local.read_file",
                &[Value::Str("nope".into())],
                dir,
                &NOWHERE
            )
            .is_err()
        );
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
            call("local.parents", &[Value::Str("/a/b".into())], dir, &NOWHERE),
            Ok(list(&["/a", "/"]))
        );
    }
}
