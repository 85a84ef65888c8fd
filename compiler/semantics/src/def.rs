//! What the names of a program refer to, as the checker resolved them.
//!
//! While it checks an item, the checker records one [`NameRef`] for every
//! name written in it (a use or a declaration), with the [`Site`] it was
//! written in and the [`Def`] it resolved to (`None`: it did not resolve;
//! the checker reported that). Spans are item-relative, like everything
//! `check::check_item` returns; [`crate::semantics`] makes them
//! absolute. The language server and the lowering read these instead of
//! resolving names again.

use infrac_syntax::ast::Span;

use infrac_bytecode::builtins::Method;

use crate::db::SourceFile;
use crate::items::ItemId;

/// The thing a name refers to. Small and `Copy`: the checker records one
/// per name written in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Def {
    /// A top-level item: type, enum, param, group, stage, fact, op or fn.
    Item(ItemId),
    /// A local of an item (`let`, `for`): the span of the name where it is
    /// bound. Item-relative in [`NameRef`]s, absolute in what
    /// [`crate::semantics`] returns.
    Local {
        item: ItemId,
        binding: Span,
    },
    /// Parameter `index` of an op, fn or fact (also a named argument of a
    /// call of it).
    Param {
        owner: ItemId,
        index: u32,
    },
    Module(SourceFile),
    /// Field `index` of the record type `record`.
    Field {
        record: ItemId,
        index: u32,
    },
    /// Variant `index` of the enum `enum_`.
    Variant {
        enum_: ItemId,
        index: u32,
    },
    /// A built-in function or name (`probe`, `host`, `facts`...). A thin
    /// reference, so that a `Def` stays two words.
    Builtin(&'static &'static str),
    /// A field of a host (`host.name`, `host.data`).
    HostField(&'static &'static str),
    /// A built-in method, as the table of built-ins describes it.
    Method(&'static Method),
}

/// Where a name is written: what the checker looked it up as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The name of something declared here: an item, a field, a variant,
    /// a parameter, a local.
    Decl,
    /// A name used as a value, or called.
    Value,
    /// `NAME` in `facts.NAME`.
    Fact,
    /// `NAME` in `module.NAME`.
    Member(SourceFile),
    /// `variant` in `Enum.variant`, of this enum.
    Variant(ItemId),
    /// `NAME` in `value.NAME`: a field or a method.
    Field,
    /// `NAME` in `callee(NAME: ...)`.
    NamedArg,
    /// A type name; the module for `module.Type`.
    Type(Option<SourceFile>),
    /// A group named in a stage's targets.
    Group,
    /// A module named in a `use` (its name or its alias).
    Use,
    /// An op named in `notify:` (a handler; `module.NAME` is a `Member`).
    Handler,
}

/// One name written in an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRef {
    pub span: Span,
    pub site: Site,
    pub def: Option<Def>,
}

/// What kind of local binding a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    Param,
    Let,
    For,
    /// A stage's `host`.
    Host,
    /// `result` in `until:` (the retried call's result).
    Result,
}
