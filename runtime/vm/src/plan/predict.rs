//! The exact effects of the standard library's file ops on `facts.file`,
//! so that a plan stays exact after them (`files.directory(p, mode: 0o755)`
//! makes `p` a directory with mode 0o755).
//!
//! An op's arguments are read by parameter name (`OpDef::params`, see
//! `stdlib/files.infra`); [`PREDICTED`] lists the names read of each op,
//! and a test holds them to the standard library. A prediction is a value
//! in which what the op
//! does not determine is unknown; `None` means no prediction (the fact is
//! then unknown after the op). A prediction describes the state after a
//! successful call whether or not the call changed anything (the ops
//! converge), so it also holds after a call whose decision the plan could
//! not make.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::request::{FactArg, FactKey};
use crate::value::Value;

/// The ops whose effect on `facts.file` is predicted, with the names of
/// the parameters [`predict`] reads of each.
pub const PREDICTED: [(&str, &[&str]); 8] = [
    (
        "files.directory",
        &["path", "mode", "owner", "group", "recursive"],
    ),
    (
        "files.file",
        &["path", "content", "mode", "owner", "group", "present"],
    ),
    (
        "files.write",
        &["path", "sha", "content", "mode", "owner", "group"],
    ),
    ("files.attrs", &["path", "mode", "owner", "group"]),
    ("files.absent", &["path"]),
    ("files.link", &["path", "target", "present"]),
    ("files.make_parents", &["path"]),
    ("files.fetch", &["path", "sha256"]),
];

/// An op call's arguments, by parameter name.
pub struct OpArgs<'a> {
    params: &'a [String],
    values: &'a [Value],
}

impl<'a> OpArgs<'a> {
    /// `values` are the arguments of the parameters `params`, in order.
    pub fn new(params: &'a [String], values: &'a [Value]) -> OpArgs<'a> {
        OpArgs { params, values }
    }

    /// The argument of parameter `name` (`None`: no such parameter).
    fn get(&self, name: &str) -> Option<&'a Value> {
        let at = self.params.iter().position(|p| p == name)?;
        self.values.get(at)
    }

    fn str(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::Str(s)) => Some(normalize(s)),
            _ => None,
        }
    }
}

/// `facts.KEY` after the op `op` called with `args` changed something,
/// given its value `before`. `unknown(field)` makes an unknown value for a
/// field the op leaves undetermined.
pub fn predict(
    op: &str,
    args: &OpArgs<'_>,
    key: &FactKey,
    before: &Value,
    unknown: &dyn Fn(&str) -> Value,
) -> Option<Value> {
    let [FactArg::Str(at)] = key.args.as_slice() else {
        return None;
    };
    if key.name != "file" || !PREDICTED.iter().any(|(name, _)| *name == op) {
        return None;
    }
    let at = normalize(at);
    let path = args.str("path")?;
    let relation = Relation::of(&at, &path);
    let file = FileArgs { before, unknown };
    match (op, relation) {
        (_, Relation::Other) => Some(before.clone()),
        ("files.directory", Relation::Same) => Some(file.entry(
            "dir",
            &attrs(args),
            &[("sha256", Value::None), ("target", Value::None)],
        )),
        // `mkdir -p` creates missing parents (with unknown attributes).
        ("files.directory" | "files.make_parents", Relation::Ancestor) => Some(match before {
            Value::None => file.entry(
                "dir",
                &[],
                &[("sha256", Value::None), ("target", Value::None)],
            ),
            other => other.clone(),
        }),
        // An entry made or removed in a directory leaves it a directory
        // (its size may change).
        ("files.file" | "files.write" | "files.link" | "files.fetch", Relation::Ancestor) => {
            match before {
                Value::Record(fields) if is_kind(fields, "dir") => {
                    let mut fields = (**fields).clone();
                    fields.insert("size".into(), unknown("size"));
                    Some(Value::Record(Arc::new(fields)))
                }
                _ => None,
            }
        }
        ("files.make_parents", _) => Some(before.clone()),
        ("files.directory", Relation::Inside) => {
            let recursive = args.get("recursive") == Some(&Value::Bool(true));
            if recursive {
                file.with_attrs(&attrs(args))
            } else {
                Some(before.clone())
            }
        }
        ("files.file", Relation::Same) => {
            if args.get("present") == Some(&Value::Bool(false)) {
                return Some(Value::None);
            }
            let content = match (args.get("content"), before) {
                (Some(Value::Str(text)), _) => Some(text.to_string()),
                // `touch` creates an empty file.
                (_, Value::None) => Some(String::new()),
                _ => None,
            };
            Some(file.regular(content.as_deref(), &attrs(args)))
        }
        ("files.write", Relation::Same) => {
            let content = match args.get("content") {
                Some(Value::Str(text)) => Some(text.to_string()),
                _ => None,
            };
            // The digest the op compared: exact even for an uploaded file.
            Some(with_sha(
                file.regular(content.as_deref(), &attrs(args)),
                args.get("sha"),
            ))
        }
        // The digest the download was checked against (`files.download`
        // gives it in lowercase); the mode and owners of a file it
        // replaced are kept.
        ("files.fetch", Relation::Same) => {
            Some(with_sha(file.regular(None, &[]), args.get("sha256")))
        }
        ("files.attrs", Relation::Same) => file.with_attrs(&attrs(args)),
        ("files.absent", Relation::Same | Relation::Inside) => Some(Value::None),
        ("files.link", Relation::Same) => {
            if args.get("present") == Some(&Value::Bool(false)) {
                return Some(Value::None);
            }
            let target = args
                .str("target")
                .map(|_| args.get("target").cloned().unwrap_or(Value::None))?;
            let size = match &target {
                Value::Str(t) => Value::Int(t.len() as i64),
                _ => unknown("size"),
            };
            Some(file.entry(
                "link",
                &[],
                &[("sha256", Value::None), ("target", target), ("size", size)],
            ))
        }
        _ => None,
    }
}

/// The regular file `value` with the SHA-256 `sha`, when it is a string.
fn with_sha(mut value: Value, sha: Option<&Value>) -> Value {
    if let (Value::Record(fields), Some(sha @ Value::Str(_))) = (&mut value, sha) {
        Arc::make_mut(fields).insert("sha256".into(), sha.clone());
    }
    value
}

/// The `mode`, `owner` and `group` arguments.
fn attrs<'a>(args: &OpArgs<'a>) -> [(&'static str, Option<&'a Value>); 3] {
    ["mode", "owner", "group"].map(|name| (name, args.get(name)))
}

/// Where a fact's path is relative to the op's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Same,
    /// The fact's path is a parent directory of the op's.
    Ancestor,
    /// The fact's path is under the op's.
    Inside,
    Other,
}

impl Relation {
    fn of(at: &str, path: &str) -> Relation {
        let under = |child: &str, parent: &str| {
            parent == "/" && child != "/" && child.starts_with('/')
                || child
                    .strip_prefix(parent)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if at == path {
            Relation::Same
        } else if under(path, at) {
            Relation::Ancestor
        } else if under(at, path) {
            Relation::Inside
        } else {
            Relation::Other
        }
    }
}

/// `/a/b/` and `/a//b` are `/a/b`.
fn normalize(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

struct FileArgs<'a> {
    before: &'a Value,
    unknown: &'a dyn Fn(&str) -> Value,
}

const ATTRS: [&str; 7] = ["kind", "mode", "owner", "group", "size", "sha256", "target"];

impl FileArgs<'_> {
    /// The entry after the op: of kind `kind`; `attrs` given as arguments
    /// (`none`: kept when the entry was already of that kind, else
    /// unknown); `fixed` fields as given; the rest kept or unknown.
    fn entry(
        &self,
        kind: &str,
        attrs: &[(&str, Option<&Value>)],
        fixed: &[(&str, Value)],
    ) -> Value {
        let kept = match self.before {
            Value::Record(fields) if is_kind(fields, kind) => Some(fields),
            _ => None,
        };
        let mut fields: BTreeMap<Arc<str>, Value> = ATTRS
            .iter()
            .map(|&name| {
                let value = kept
                    .and_then(|f| f.get(name).cloned())
                    .unwrap_or_else(|| (self.unknown)(name));
                (Arc::from(name), value)
            })
            .collect();
        fields.insert(
            "kind".into(),
            Value::Enum {
                ty: "FileKind".into(),
                variant: kind.into(),
            },
        );
        for (name, value) in attrs {
            if let Some(v @ (Value::Int(_) | Value::Str(_))) = value {
                fields.insert(Arc::from(*name), (*v).clone());
            }
        }
        for (name, value) in fixed {
            fields.insert(Arc::from(*name), value.clone());
        }
        Value::Record(Arc::new(fields))
    }

    /// A regular file with `content` (unknown content when `None`).
    fn regular(&self, content: Option<&str>, attrs: &[(&str, Option<&Value>)]) -> Value {
        let mut fixed = vec![("target", Value::None)];
        if let Some(text) = content {
            fixed.push(("size", Value::Int(text.len() as i64)));
            fixed.push((
                "sha256",
                Value::Str(crate::natives::hex_sha256(text.as_bytes()).into()),
            ));
        } else {
            fixed.push(("size", (self.unknown)("size")));
            fixed.push(("sha256", (self.unknown)("sha256")));
        }
        self.entry("file", attrs, &fixed)
    }

    /// The existing entry with the attributes given (`None` when there is
    /// no entry to change: unknown).
    fn with_attrs(&self, attrs: &[(&str, Option<&Value>)]) -> Option<Value> {
        let Value::Record(fields) = self.before else {
            return None;
        };
        let mut fields = (**fields).clone();
        for (name, value) in attrs {
            if let Some(v @ (Value::Int(_) | Value::Str(_))) = value {
                fields.insert(Arc::from(*name), (*v).clone());
            }
        }
        Some(Value::Record(Arc::new(fields)))
    }
}

fn is_kind(fields: &BTreeMap<Arc<str>, Value>, kind: &str) -> bool {
    matches!(fields.get("kind"), Some(Value::Enum { variant, .. }) if &**variant == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> FactKey {
        FactKey {
            name: "file".into(),
            args: vec![FactArg::Str(path.into())],
        }
    }

    fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    fn show(v: Option<Value>) -> String {
        match v {
            Some(v) => v.to_string(),
            None => "no prediction".into(),
        }
    }

    fn unknown(field: &str) -> Value {
        Value::Str(format!("?{field}").into())
    }

    /// `facts.file(path)` predicted after `op` called with `args` by name.
    /// A predicted op is given only names `PREDICTED` lists for it: what
    /// `predict` reads beyond them would be missing here.
    fn call(op: &str, args: &[(&str, Value)], path: &str, before: &Value) -> Option<Value> {
        if let Some((_, read)) = PREDICTED.iter().find(|(name, _)| *name == op) {
            for (name, _) in args {
                assert!(read.contains(name), "PREDICTED lists no `{name}` for {op}");
            }
        }
        let params: Vec<String> = args.iter().map(|(n, _)| n.to_string()).collect();
        let values: Vec<Value> = args.iter().map(|(_, v)| v.clone()).collect();
        predict(
            op,
            &OpArgs::new(&params, &values),
            &key(path),
            before,
            &unknown,
        )
    }

    #[test]
    fn directory_created_with_mode() {
        let args = [
            ("path", s("/srv/app/")),
            ("mode", Value::Int(0o755)),
            ("owner", Value::None),
            ("group", Value::None),
            ("recursive", Value::Bool(false)),
        ];
        let after = call("files.directory", &args, "/srv/app", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: dir, mode: 493, owner: "?owner", sha256: none, size: "?size", target: none}"#]]
            .assert_eq(&show(after));
        let parent = call("files.directory", &args, "/srv", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: dir, mode: "?mode", owner: "?owner", sha256: none, size: "?size", target: none}"#]]
            .assert_eq(&show(parent));
        let other = call("files.directory", &args, "/srv/application", &Value::Int(1));
        assert_eq!(other, Some(Value::Int(1)));
    }

    #[test]
    fn file_with_content_and_removed() {
        let args = [
            ("path", s("/etc/motd")),
            ("content", s("hi\n")),
            ("mode", Value::Int(0o644)),
            ("owner", Value::None),
            ("group", Value::None),
            ("present", Value::Bool(true)),
        ];
        let after = call("files.file", &args, "/etc/motd", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: file, mode: 420, owner: "?owner", sha256: "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4", size: 3, target: none}"#]]
            .assert_eq(&show(after));
        let gone = [("path", s("/etc/motd")), ("present", Value::Bool(false))];
        assert_eq!(
            call("files.file", &gone, "/etc/motd", &Value::Int(1)),
            Some(Value::None)
        );
    }

    #[test]
    fn a_fetch_is_a_file_with_the_digest_it_was_checked_against() {
        let sha = "ab".repeat(32);
        let args = [("path", s("/opt/tool.tgz")), ("sha256", s(&sha))];
        let after = call("files.fetch", &args, "/opt/tool.tgz", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: file, mode: "?mode", owner: "?owner", sha256: "abababababababababababababababababababababababababababababababab", size: "?size", target: none}"#]]
            .assert_eq(&show(after));
        let unchecked = [("path", s("/opt/tool.tgz")), ("sha256", Value::None)];
        let after = call("files.fetch", &unchecked, "/opt/tool.tgz", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: file, mode: "?mode", owner: "?owner", sha256: "?sha256", size: "?size", target: none}"#]]
            .assert_eq(&show(after));
    }

    #[test]
    fn link_and_unknown_ops() {
        let args = [
            ("path", s("/opt/current")),
            ("target", s("/opt/v2")),
            ("present", Value::Bool(true)),
        ];
        let after = call("files.link", &args, "/opt/current", &Value::None);
        expect_test::expect![[r#"{group: "?group", kind: link, mode: "?mode", owner: "?owner", sha256: none, size: 7, target: "/opt/v2"}"#]]
            .assert_eq(&show(after));
        // What a path under a link is depends on the link's target.
        assert_eq!(
            call("files.link", &args, "/opt/current/x", &Value::None),
            None
        );
        assert_eq!(
            call("apt.packages", &args, "/opt/current", &Value::None),
            None
        );
        // An op without predictions says nothing of any path, even one
        // that looks unrelated to its arguments.
        let shell = [("command", s("printf x > /srv/f"))];
        assert_eq!(call("server.shell", &shell, "/srv/f", &Value::None), None);
    }

    #[test]
    fn parents_made_for_a_file_are_directories_after_it() {
        let dir = call(
            "files.make_parents",
            &[("path", s("/srv/app/conf/app.toml"))],
            "/srv/app",
            &Value::None,
        );
        expect_test::expect![[r#"{group: "?group", kind: dir, mode: "?mode", owner: "?owner", sha256: none, size: "?size", target: none}"#]]
            .assert_eq(&show(dir.clone()));
        let file = [("path", s("/srv/app/conf/app.toml")), ("content", s("x"))];
        let after = call(
            "files.write",
            &file,
            "/srv/app",
            &dir.clone().unwrap_or(Value::None),
        );
        assert_eq!(after, dir, "still a directory");
        let inside = call(
            "files.make_parents",
            &[("path", s("/srv/app/conf"))],
            "/srv/app/conf",
            &Value::Int(1),
        );
        assert_eq!(inside, Some(Value::Int(1)), "the path itself is left alone");
        assert_eq!(call("files.write", &file, "/srv", &Value::None), None);
    }

    #[test]
    fn a_missing_parameter_gives_no_prediction() {
        let params = ["where".to_string(), "mode".to_string()];
        let values = [s("/srv/app"), Value::Int(0o755)];
        let args = OpArgs::new(&params, &values);
        let after = predict(
            "files.directory",
            &args,
            &key("/srv/app"),
            &Value::None,
            &unknown,
        );
        assert_eq!(after, None);
    }
}
