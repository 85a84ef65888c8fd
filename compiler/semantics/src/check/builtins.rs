//! Built-in functions and methods (docs/language.md §6) and the host
//! constructors of groups (§2.5).

use infrac_bytecode::ParamDefault;
use infrac_bytecode::builtins::{self as table, Allowed, Function, Recv};

use crate::db::Db;
use crate::sigs::{ParamSig, prelude_type};
use crate::ty::Ty;

/// A built-in function, as the table describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Builtin(&'static Function);

/// The names of the built-ins, for suggestions.
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    table::FUNCTIONS.iter().map(|f| f.name)
}

/// A type as the table writes it. `t`: what `T` stands for (a list's
/// element, a map's value, a group's data type); `host`: what `Host` is.
fn table_type(db: &dyn Db, text: &str, t: &Ty, host: &Ty) -> Ty {
    if let Some(inner) = text.strip_suffix('?') {
        return Ty::optional(table_type(db, inner, t, host));
    }
    if let Some(inner) = text.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
        return Ty::list(table_type(db, inner, t, host));
    }
    if let Some(inner) = text
        .strip_prefix("map<str, ")
        .and_then(|r| r.strip_suffix('>'))
    {
        return Ty::Map(Box::new(table_type(db, inner, t, host)));
    }
    match text {
        "int" => Ty::Int,
        "float" => Ty::Float,
        "bool" => Ty::Bool,
        "str" => Ty::Str,
        "secret" => Ty::Secret,
        "cmd" => Ty::Cmd,
        "T" => t.clone(),
        "Host" => host.clone(),
        "CommandResult" => prelude_type(db, "CommandResult"),
        // Untyped (`len(x)`, checked by hand) or no value (`raw`).
        _ => Ty::Unknown,
    }
}

impl Builtin {
    pub(super) fn lookup(name: &str) -> Option<Builtin> {
        table::function(name).map(Builtin)
    }

    /// The name, as a thin reference into the table (for [`crate::def::Def`]).
    pub(super) fn name_ref(self) -> &'static &'static str {
        &self.0.name
    }

    /// Whether it is the runtime built-in `b`.
    pub(super) fn is(self, b: infrac_bytecode::Builtin) -> bool {
        self.0.builtin == Some(b)
    }

    pub(super) fn allowed(self) -> Allowed {
        self.0.allowed
    }

    pub(super) fn is_host_constructor(self) -> bool {
        self.0.allowed == Allowed::Groups
    }

    /// Parameters; `data` is the group's data type for host constructors
    /// (`None`: the group has none, so hosts take no `data:`).
    pub(super) fn params(
        self,
        db: &dyn Db,
        data: Option<&Ty>,
        data_required: bool,
    ) -> Vec<ParamSig> {
        let mut params = Vec::new();
        for param in self.0.params {
            let has_default = param.default != ParamDefault::Required;
            if param.name == "data" {
                // Typed by the group; only when it has a data type.
                if let Some(data) = data {
                    params.push(p(param.name, data.clone(), !data_required));
                }
                continue;
            }
            let ty = table_type(db, param.ty, &Ty::Unknown, &Ty::Unknown);
            params.push(p(param.name, ty, has_default));
        }
        params
    }

    pub(super) fn ret(self, db: &dyn Db, data: Option<&Ty>) -> Ty {
        let host = Ty::Host(Box::new(data.cloned().unwrap_or(Ty::Unit)));
        table_type(db, self.0.ret, &Ty::Unknown, &host)
    }
}

fn p(name: &str, ty: Ty, has_default: bool) -> ParamSig {
    ParamSig {
        name: name.to_string(),
        ty,
        has_default,
    }
}

/// The kind of a method's receiver, and what `T` is for it.
fn receiver(recv: &Ty) -> Option<(Recv, Ty)> {
    Some(match recv {
        Ty::Str => (Recv::Str, Ty::Unknown),
        Ty::List(elem) => (Recv::List, (**elem).clone()),
        Ty::Map(value) => (Recv::Map, (**value).clone()),
        Ty::Int => (Recv::Int, Ty::Unknown),
        Ty::Float => (Recv::Float, Ty::Unknown),
        _ => return None,
    })
}

/// The method `name` of values of type `recv`.
pub(super) fn method_spec(recv: &Ty, name: &str) -> Option<&'static table::Method> {
    let (kind, t) = receiver(recv)?;
    let spec = table::method(kind, name)?;
    let fits = matches!(t, Ty::Never | Ty::Unknown)
        || match spec.elem {
            Some("str") => t == Ty::Str,
            Some("bool") => t == Ty::Bool,
            Some("number") => t.is_numeric(),
            Some("ordered") => t.is_numeric() || t == Ty::Str,
            Some("list") => matches!(t, Ty::List(_)),
            Some("record") => matches!(t, Ty::Record(_) | Ty::AnonRecord(_)),
            _ => true,
        };
    fits.then_some(spec)
}

/// The parameters and result of method `name` on a value of type `recv`.
pub(super) fn method(db: &dyn Db, recv: &Ty, name: &str) -> Option<(Vec<ParamSig>, Ty)> {
    let spec = method_spec(recv, name)?;
    let (_, t) = receiver(recv)?;
    let params = spec
        .params
        .iter()
        .map(|param| {
            p(
                param.name,
                table_type(db, param.ty, &t, &Ty::Unknown),
                param.default != ParamDefault::Required,
            )
        })
        .collect();
    Some((params, table_type(db, spec.ret, &t, &Ty::Unknown)))
}

/// Method names of a type, for suggestions.
pub(super) fn method_names(recv: &Ty) -> Vec<&'static str> {
    method_entries(recv).into_iter().map(|m| m.name).collect()
}

/// The result of built-in function `name` (for tools); `Some(None)` for
/// the host constructors, whose result depends on the data type of the
/// group they stand in.
pub fn builtin_result(db: &dyn Db, name: &str) -> Option<Option<Ty>> {
    let builtin = Builtin::lookup(name)?;
    Some((!builtin.is_host_constructor()).then(|| builtin.ret(db, None)))
}

/// The table's methods of values of type `recv` (for tools).
pub fn method_entries(recv: &Ty) -> Vec<&'static table::Method> {
    receiver(recv).map_or_else(Vec::new, |(kind, _)| table::methods(kind).collect())
}

/// How the built-in function or name `name` reads, and its documentation
/// (for tools).
pub fn builtin_entry(name: &str) -> Option<(String, &'static str)> {
    if let Some(f) = table::function(name) {
        return Some((f.signature(), f.doc));
    }
    let (_, text, doc) = table::NAMES
        .iter()
        .chain(table::CALL_NAMES)
        .find(|(n, ..)| *n == name)?;
    Some((text.to_string(), *doc))
}

/// How a built-in function or name reads, and its documentation (for
/// tools): every function of the table, then `host`, `facts`, `one`.
pub fn builtin_entries() -> Vec<(&'static str, String, &'static str)> {
    let functions = table::FUNCTIONS
        .iter()
        .map(|f| (f.name, f.signature(), f.doc));
    let names = table::NAMES
        .iter()
        .map(|(n, text, doc)| (*n, text.to_string(), *doc));
    functions.chain(names).collect()
}

/// The parameters every op call takes besides its own, named only.
pub fn op_sudo_params() -> Vec<ParamSig> {
    vec![p("sudo", Ty::Bool, true), p("sudo_user", Ty::Str, true)]
}

/// The named arguments of a retried call (op calls and `probe`), in
/// `table::RETRY_ARGS`' order.
pub fn retry_params() -> Vec<ParamSig> {
    let [retries, delay, until] = table::RETRY_ARGS;
    vec![
        p(retries, Ty::Int, true),
        p(delay, Ty::Int, true),
        p(until, Ty::Bool, true),
    ]
}
