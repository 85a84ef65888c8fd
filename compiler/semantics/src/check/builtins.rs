//! Built-in functions and methods (docs/language.md §6) and the host
//! constructors of groups (§2.5).

use infrac_bytecode::ParamDefault;

use crate::db::Db;
use crate::sigs::{ParamSig, prelude_type};
use crate::ty::Ty;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    Probe,
    Run,
    Upload,
    Raw,
    Reveal,
    Env,
    ReadFile,
    Len,
    Local,
    Ssh,
    Docker,
    Inventory,
}

/// Every built-in by the name a program calls it.
const BY_NAME: &[(&str, Builtin)] = &[
    ("probe", Builtin::Probe),
    ("run", Builtin::Run),
    ("upload", Builtin::Upload),
    ("raw", Builtin::Raw),
    ("reveal", Builtin::Reveal),
    ("env", Builtin::Env),
    ("read_file", Builtin::ReadFile),
    ("len", Builtin::Len),
    ("local", Builtin::Local),
    ("ssh", Builtin::Ssh),
    ("docker", Builtin::Docker),
    ("inventory", Builtin::Inventory),
];

/// The names of the built-ins, for suggestions.
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    BY_NAME.iter().map(|(name, _)| *name)
}

/// The type of a built-in's parameter (before `?` for those defaulting to
/// `none`), by its name: the names are chosen so that one name has one type.
fn param_type(name: &str) -> Ty {
    match name {
        "cmd" => Ty::Cmd,
        "check" | "sudo" => Ty::Bool,
        "mode" | "port" => Ty::Int,
        "secret" => Ty::Secret,
        "x" => Ty::Unknown,
        _ => Ty::Str,
    }
}

impl Builtin {
    pub(super) fn lookup(name: &str) -> Option<Builtin> {
        BY_NAME.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    /// The name a program calls it by.
    pub(super) fn name(self) -> &'static str {
        BY_NAME
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("", |(n, _)| *n)
    }

    /// The same built-in as the bytecode knows it (`raw` has none).
    fn runtime(self) -> Option<infrac_bytecode::Builtin> {
        infrac_bytecode::Builtin::from_name(self.name())
    }

    pub(super) fn is_host_constructor(self) -> bool {
        matches!(
            self,
            Builtin::Local | Builtin::Ssh | Builtin::Docker | Builtin::Inventory
        )
    }

    /// Parameters; `data` is the group's data type for host constructors
    /// (`None`: the group has none, so hosts take no `data:`).
    pub(super) fn params(self, data: Option<&Ty>, data_required: bool) -> Vec<ParamSig> {
        let mut params = match self.runtime() {
            // `raw(...)` only exists inside `sh"..."`; the runtime never sees it.
            None => vec![p("text", Ty::Str, false)],
            // `data` is added below, typed by the group.
            Some(builtin) => builtin
                .params()
                .iter()
                .filter(|&&(name, _)| name != "data")
                .map(|&(name, default)| {
                    let base = param_type(name);
                    let ty = if default == ParamDefault::None {
                        Ty::optional(base)
                    } else {
                        base
                    };
                    p(name, ty, default != ParamDefault::Required)
                })
                .collect(),
        };
        if let (Some(data), Builtin::Local | Builtin::Ssh | Builtin::Docker) = (data, self) {
            params.push(p("data", data.clone(), !data_required));
        }
        params
    }

    pub(super) fn ret(self, db: &dyn Db, data: Option<&Ty>) -> Ty {
        let host = || Ty::Host(Box::new(data.cloned().unwrap_or(Ty::Unit)));
        match self {
            Builtin::Probe | Builtin::Run | Builtin::Upload => prelude_type(db, "CommandResult"),
            // Only valid inside `sh"..."`, where it is handled as text.
            Builtin::Raw => Ty::Unknown,
            Builtin::Reveal | Builtin::ReadFile => Ty::Str,
            Builtin::Env => Ty::optional(Ty::Str),
            Builtin::Len => Ty::Int,
            Builtin::Local | Builtin::Ssh | Builtin::Docker => host(),
            Builtin::Inventory => Ty::list(host()),
        }
    }
}

fn p(name: &str, ty: Ty, has_default: bool) -> ParamSig {
    ParamSig {
        name: name.to_string(),
        ty,
        has_default,
    }
}

/// The parameters and result of method `name` on a value of type `recv`.
pub(super) fn method(recv: &Ty, name: &str) -> Option<(Vec<ParamSig>, Ty)> {
    let none = Vec::new;
    let one = |n: &str, t: Ty| vec![p(n, t, false)];
    Some(match (recv, name) {
        (Ty::Str, "len") => (none(), Ty::Int),
        (Ty::Str, "trim" | "trim_start" | "trim_end" | "upper" | "lower") => (none(), Ty::Str),
        (Ty::Str, "lines") => (none(), Ty::list(Ty::Str)),
        (Ty::Str, "split") => (one("sep", Ty::Str), Ty::list(Ty::Str)),
        (Ty::Str, "starts_with" | "ends_with" | "contains") => (one("text", Ty::Str), Ty::Bool),
        (Ty::Str, "replace") => (
            vec![p("from", Ty::Str, false), p("to", Ty::Str, false)],
            Ty::Str,
        ),
        (Ty::Str, "to_int") => (none(), Ty::optional(Ty::Int)),
        (Ty::Str, "to_float") => (none(), Ty::optional(Ty::Float)),
        (Ty::List(_), "len") | (Ty::Map(_), "len") => (none(), Ty::Int),
        (Ty::List(elem), "first" | "last") => (none(), Ty::optional((**elem).clone())),
        (Ty::List(elem), "contains") => (one("value", (**elem).clone()), Ty::Bool),
        (Ty::List(elem), "join") if matches!(**elem, Ty::Str | Ty::Never | Ty::Unknown) => {
            (one("sep", Ty::Str), Ty::Str)
        }
        (Ty::List(_), "reverse") => (none(), recv.clone()),
        (Ty::Map(value), "get") => (one("key", Ty::Str), Ty::optional((**value).clone())),
        (Ty::Map(_), "keys") => (none(), Ty::list(Ty::Str)),
        (Ty::Map(value), "values") => (none(), Ty::list((**value).clone())),
        (Ty::Map(_), "contains") => (one("key", Ty::Str), Ty::Bool),
        (Ty::Int, "to_str") | (Ty::Float, "to_str") => (none(), Ty::Str),
        (Ty::Int, "to_float") => (none(), Ty::Float),
        (Ty::Float, "round") => (none(), Ty::Int),
        _ => return None,
    })
}

/// The parameters and result of method `name` on `recv` (for tools).
pub fn method_signature(recv: &Ty, name: &str) -> Option<(Vec<ParamSig>, Ty)> {
    method(recv, name)
}

/// The parameters and result of built-in function `name` (for tools); the
/// result is `None` for the host constructors, whose result depends on
/// the data type of the group they stand in.
pub fn builtin_signature(db: &dyn Db, name: &str) -> Option<(Vec<ParamSig>, Option<Ty>)> {
    let builtin = Builtin::lookup(name)?;
    let ret = (!builtin.is_host_constructor()).then(|| builtin.ret(db, None));
    Some((builtin.params(None, false), ret))
}

/// The parameters every op call takes besides its own, named only.
pub fn op_sudo_params() -> Vec<ParamSig> {
    vec![p("sudo", Ty::Bool, true), p("sudo_user", Ty::Str, true)]
}

/// Method names of a type, for suggestions.
pub(super) fn method_names(recv: &Ty) -> &'static [&'static str] {
    match recv {
        Ty::Str => &[
            "len",
            "trim",
            "trim_start",
            "trim_end",
            "lines",
            "split",
            "starts_with",
            "ends_with",
            "contains",
            "replace",
            "upper",
            "lower",
            "to_int",
            "to_float",
        ],
        Ty::List(_) => &["len", "first", "last", "contains", "join", "reverse"],
        Ty::Map(_) => &["len", "get", "keys", "values", "contains"],
        Ty::Int => &["to_str", "to_float"],
        Ty::Float => &["to_str", "round"],
        _ => &[],
    }
}
