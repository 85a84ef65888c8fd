//! Semantic types.

use std::fmt;

use crate::db::{Db, SourceFile};
use crate::items::ItemId;

/// A declared record or enum: its file and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeRef {
    pub file: SourceFile,
    /// Shared: every expression's recorded type holds one.
    pub name: std::sync::Arc<str>,
}

impl TypeRef {
    /// The type the `type` or `enum` item `id` declares.
    pub(crate) fn of_item(db: &dyn Db, id: ItemId) -> TypeRef {
        TypeRef {
            file: id.file(db),
            name: id.name(db).as_str().into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Secret,
    /// A command built by `sh"..."`.
    Cmd,
    /// No value: `()`, statements, `if` without `else`.
    Unit,
    /// The type of `fail` and `return`: converts to anything.
    Never,
    /// Only in stdlib signatures: accepts any value.
    Any,
    /// After an error: compatible with everything, never reported again.
    Unknown,
    List(Box<Ty>),
    Map(Box<Ty>),
    Optional(Box<Ty>),
    Record(TypeRef),
    Enum(TypeRef),
    /// A record literal without an expected type.
    AnonRecord(Vec<(String, Ty)>),
    /// `Host<T>`; `Host` alone is `Host<()>` (no data).
    Host(Box<Ty>),
}

impl Ty {
    pub fn optional(inner: Ty) -> Ty {
        match inner {
            Ty::Optional(_) | Ty::Unknown => inner,
            other => Ty::Optional(Box::new(other)),
        }
    }

    /// The type of the `none` literal.
    pub fn none() -> Ty {
        Ty::Optional(Box::new(Ty::Never))
    }

    pub fn list(inner: Ty) -> Ty {
        Ty::List(Box::new(inner))
    }

    pub fn map(inner: Ty) -> Ty {
        Ty::Map(Box::new(inner))
    }

    /// `T` for `T?`, else itself.
    pub fn strip_optional(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }

    /// Unknown and Never are silent: an error about them was (or will be)
    /// reported elsewhere, or the code does not continue.
    pub fn is_silent(&self) -> bool {
        matches!(self, Ty::Unknown | Ty::Never)
    }

    /// Whether an error already made part of this type unknown (then a
    /// mismatch involving it is not reported again).
    pub fn has_unknown(&self) -> bool {
        match self {
            Ty::Unknown => true,
            Ty::List(t) | Ty::Map(t) | Ty::Optional(t) | Ty::Host(t) => t.has_unknown(),
            Ty::AnonRecord(fields) => fields.iter().any(|(_, t)| t.has_unknown()),
            _ => false,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
}

/// Whether a value of type `found` can be used where `expected` is wanted
/// (identity, `T` → `T?`, `none` → `T?`, `never` → anything, `any`, and
/// `str` → `secret`: keeping a plain string redacted loses nothing, the
/// other way would show a secret).
pub fn assignable(found: &Ty, expected: &Ty) -> bool {
    if found == expected || found.is_silent() || matches!(expected, Ty::Unknown | Ty::Any) {
        return true;
    }
    match (found, expected) {
        (Ty::Str, Ty::Secret) => true,
        (Ty::Optional(f), Ty::Optional(e)) => assignable(f, e),
        (f, Ty::Optional(e)) => assignable(f, e),
        (Ty::List(f), Ty::List(e)) | (Ty::Map(f), Ty::Map(e)) => assignable(f, e),
        (Ty::Host(f), Ty::Host(e)) => assignable(f, e),
        (Ty::AnonRecord(f), Ty::AnonRecord(e)) => {
            f.len() == e.len()
                && f.iter()
                    .zip(e)
                    .all(|((fn_, ft), (en, et))| fn_ == en && assignable(ft, et))
        }
        _ => false,
    }
}

/// The common type of two branches (`if`/`else`, `match` arms, list
/// elements), or `None` when they do not agree.
pub fn join(a: &Ty, b: &Ty) -> Option<Ty> {
    if assignable(a, b) && !matches!(b, Ty::Never) {
        return Some(if a.is_optional() && !b.is_optional() {
            a.clone()
        } else {
            b.clone()
        });
    }
    if assignable(b, a) {
        return Some(a.clone());
    }
    match (a, b) {
        (Ty::Optional(x), y) | (y, Ty::Optional(x)) => join(x, y).map(Ty::optional),
        _ => None,
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::Str => f.write_str("str"),
            Ty::Secret => f.write_str("secret"),
            Ty::Cmd => f.write_str("cmd"),
            Ty::Unit => f.write_str("()"),
            Ty::Never => f.write_str("never"),
            Ty::Any => f.write_str("any"),
            Ty::Unknown => f.write_str("{unknown}"),
            Ty::List(t) => write!(f, "list<{t}>"),
            Ty::Map(t) => write!(f, "map<str, {t}>"),
            Ty::Optional(t) if **t == Ty::Never => f.write_str("none"),
            Ty::Optional(t) => write!(f, "{t}?"),
            Ty::Record(r) | Ty::Enum(r) => f.write_str(&r.name),
            Ty::AnonRecord(fields) => {
                f.write_str("{ ")?;
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {ty}")?;
                }
                f.write_str(" }")
            }
            Ty::Host(t) if **t == Ty::Unit => f.write_str("Host"),
            Ty::Host(t) => write!(f, "Host<{t}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coercions() {
        assert!(assignable(&Ty::Int, &Ty::optional(Ty::Int)));
        assert!(assignable(&Ty::none(), &Ty::optional(Ty::Str)));
        assert!(assignable(&Ty::Never, &Ty::Str));
        assert!(!assignable(&Ty::optional(Ty::Int), &Ty::Int));
        assert!(!assignable(&Ty::Int, &Ty::Float));
        assert!(!assignable(&Ty::Secret, &Ty::Str));
        assert!(assignable(&Ty::list(Ty::Never), &Ty::list(Ty::Str)));
    }

    #[test]
    fn joins() {
        assert_eq!(join(&Ty::Int, &Ty::none()), Some(Ty::optional(Ty::Int)));
        assert_eq!(join(&Ty::none(), &Ty::Str), Some(Ty::optional(Ty::Str)));
        assert_eq!(join(&Ty::Never, &Ty::Str), Some(Ty::Str));
        assert_eq!(join(&Ty::Str, &Ty::Never), Some(Ty::Str));
        assert_eq!(join(&Ty::Int, &Ty::Str), None);
    }

    #[test]
    fn display() {
        assert_eq!(
            Ty::optional(Ty::map(Ty::list(Ty::Str))).to_string(),
            "map<str, list<str>>?"
        );
        assert_eq!(Ty::none().to_string(), "none");
    }
}
