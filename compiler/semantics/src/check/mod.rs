//! Checking of one item: its signature's types and its body.
//!
//! [`check_item`] is the per-item query: it reads the item's own tree
//! (item-relative spans) and the signatures of everything else, so an edit
//! inside one body re-runs this query for that item only.

mod builtins;
mod call;
mod decl;
mod expr;
mod files;
mod names;
mod stmt;

use infrac_syntax::ast::{Ident, Span};

use crate::db::{Db, SourceFile};
use crate::def::{Def, LocalKind, NameRef, Site};
use crate::diagnostic::Diag;
use crate::items::{ItemId, item_ast};
use crate::ty::Ty;

pub use builtins::{
    builtin_entries, builtin_entry, builtin_result, method_entries, op_sudo_params, retry_params,
};

/// What checking one item found; spans relative to the item's start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemCheck {
    pub diags: Vec<Diag>,
    /// The type of every expression and of every local binding's name, in
    /// checking order (for hovers and inlay hints).
    pub types: Vec<(Span, Ty)>,
    /// Every name written in the item and what it refers to, in checking
    /// order.
    pub names: Vec<NameRef>,
    /// Every string literal that names a controller file, with the path
    /// it resolves to (relative to the item's file, as the database names
    /// files).
    pub paths: Vec<(Span, String)>,
}

#[salsa::tracked(returns(ref))]
pub fn check_item(db: &dyn Db, id: ItemId) -> ItemCheck {
    let Some(item) = item_ast(db, id) else {
        return ItemCheck::default();
    };
    let mut checker = Checker::new(db, id);
    decl::check_decl(&mut checker, item);
    // Kept for the whole session, one per item: no spare capacity.
    checker.diags.shrink_to_fit();
    checker.types.shrink_to_fit();
    checker.names.shrink_to_fit();
    checker.paths.shrink_to_fit();
    ItemCheck {
        diags: checker.diags,
        types: checker.types,
        names: checker.names,
        paths: checker.paths,
    }
}

/// A check of `item` (item-relative spans), a different text of the item
/// `id` (completion checks the text with a placeholder at the cursor),
/// outside the database's memo: its names, and the locals in scope at
/// the first name at `capture` (relative).
pub(crate) fn check_text(
    db: &dyn Db,
    id: ItemId,
    item: &infrac_syntax::ast::Item,
    capture: u32,
) -> Speculation {
    let mut checker = Checker::new(db, id);
    checker.capture = Some(capture);
    decl::check_decl(&mut checker, item);
    Speculation {
        names: checker.names,
        scope: checker.captured.unwrap_or_default(),
        receiver: checker.captured_receiver,
    }
}

/// What [`check_text`] found.
pub(crate) struct Speculation {
    pub names: Vec<NameRef>,
    /// The locals in scope at the cursor, innermost last.
    pub scope: Vec<(String, Ty)>,
    /// The type of the value whose field or method is at the cursor.
    pub receiver: Option<Ty>,
}

/// The type the checker gave the expression (or binding name) spanning
/// exactly `span` (absolute) in `file`.
pub fn type_at(db: &dyn Db, file: SourceFile, span: Span) -> Option<Ty> {
    let tree = crate::items::item_tree(db, file);
    let syntax = crate::items::parse(db, file);
    tree.items.iter().find_map(|item| {
        // Only the item that holds `span` is looked into.
        let (origin, ast) = syntax.items.get(item.index as usize)?;
        let relative = Span::new(
            span.start.checked_sub(*origin)?,
            span.end.checked_sub(*origin)?,
        );
        if relative.end > ast.span.end {
            return None;
        }
        let types = &check_item(db, item.id).types;
        types
            .iter()
            .rev()
            .find(|(s, _)| *s == relative)
            .map(|(_, t)| t.clone())
    })
}

/// Where a body is, which decides what it may do (§2.7, §2.8, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    Op,
    Fact,
    Fn,
    /// A stage body; its position among the file's stages.
    Stage(u32),
    /// A group's host list.
    Group,
    /// A param's default: a constant expression that may read a secret
    /// source.
    Param,
    /// Record field defaults, a fn's or op's parameter defaults, stage
    /// options.
    Constant,
}

impl Context {
    fn describe(self) -> &'static str {
        match self {
            Context::Op => "an op",
            Context::Fact => "a fact",
            Context::Fn => "a fn",
            Context::Stage(_) => "a stage",
            Context::Group => "a group",
            Context::Param => "a param's default",
            Context::Constant => "a constant expression",
        }
    }
}

struct Local {
    name: String,
    ty: Ty,
    span: Span,
    kind: LocalKind,
    /// A parameter's position.
    param: Option<u32>,
    used: bool,
    /// Locals made by narrowing point at the local they narrow, so that a
    /// use marks the original as used.
    narrows: Option<(usize, usize)>,
}

pub(crate) struct Checker<'db> {
    db: &'db dyn Db,
    file: SourceFile,
    context: Context,
    /// The type `return` must produce (`None`: `return` not allowed).
    ret: Option<Ty>,
    /// Set inside a stage: the group data types of its targets disagree.
    host_data_conflict: bool,
    /// Inside a group's host list: the group's data type, if it has one.
    group_data: Option<Option<Ty>>,
    scopes: Vec<Vec<Local>>,
    diags: Vec<Diag>,
    types: Vec<(Span, Ty)>,
    names: Vec<NameRef>,
    /// See [`ItemCheck::paths`].
    paths: Vec<(Span, String)>,
    /// The item being checked.
    item: ItemId,
    /// For completion: the offset whose scope is wanted, and the locals in
    /// scope at the first name recorded there (innermost last).
    capture: Option<u32>,
    captured: Option<Vec<(String, Ty)>>,
    /// For completion: the type of the value whose field or method is at
    /// the cursor.
    captured_receiver: Option<Ty>,
    /// Set while checking an entry of an op's `changes` clause, whose
    /// argument may be a list of entries (taken by the entry's fact read).
    changes_entry: bool,
}

impl<'db> Checker<'db> {
    fn new(db: &'db dyn Db, item: ItemId) -> Self {
        Checker {
            db,
            file: item.file(db),
            context: Context::Constant,
            ret: None,
            host_data_conflict: false,
            group_data: None,
            scopes: vec![Vec::new()],
            diags: Vec::new(),
            types: Vec::new(),
            names: Vec::new(),
            paths: Vec::new(),
            item,
            capture: None,
            captured: None,
            captured_receiver: None,
            changes_entry: false,
        }
    }

    fn error(&mut self, diag: Diag) {
        self.diags.push(diag);
    }

    fn is_std(&self) -> bool {
        self.file.is_std(self.db)
    }

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Ends a scope, warning about locals never read.
    fn pop_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for local in scope {
            // A narrowed copy is never reported itself.
            let warn_unused =
                matches!(local.kind, LocalKind::Let | LocalKind::For) && local.narrows.is_none();
            if warn_unused && !local.used && !local.name.starts_with('_') {
                self.diags.push(
                    Diag::warning(
                        "W0101",
                        local.span,
                        format!("unused variable `{}`", local.name),
                    )
                    .with_help(format!(
                        "if this is intentional, prefix it with an underscore: `_{}`",
                        local.name
                    )),
                );
            }
        }
    }

    /// Records what the name at `span` refers to.
    fn resolved(&mut self, span: Span, site: Site, def: Option<Def>) {
        if let Some(at) = self.capture
            && self.captured.is_none()
            && span.start <= at
            && at <= span.end
        {
            let locals = self.scopes.iter().flatten();
            self.captured = Some(locals.map(|l| (l.name.clone(), l.ty.clone())).collect());
        }
        self.names.push(NameRef { span, site, def });
    }

    /// Records the field or method name at `span` of a value of type
    /// `recv`.
    fn field_name(&mut self, span: Span, recv: &Ty, def: Option<Def>) {
        if let Some(at) = self.capture
            && self.captured_receiver.is_none()
            && span.start <= at
            && at <= span.end
        {
            self.captured_receiver = Some(recv.clone());
        }
        self.resolved(span, Site::Field, def);
    }

    /// What a use of the local `local` refers to.
    fn local_def(&self, local: &Local) -> Def {
        match local.kind {
            LocalKind::Host => Def::Builtin(&"host"),
            LocalKind::Result => Def::Builtin(&"result"),
            LocalKind::Param => Def::Param {
                owner: self.item,
                index: local.param.unwrap_or(0),
            },
            LocalKind::Let | LocalKind::For => Def::Local {
                item: self.item,
                binding: local.span,
            },
        }
    }

    /// Declares a local in the innermost scope.
    fn declare(&mut self, name: &Ident, ty: Ty, kind: LocalKind) {
        self.declare_local(name, ty, kind, None);
    }

    /// Declares parameter `index` of the item being checked.
    fn declare_param(&mut self, name: &Ident, ty: Ty, index: u32) {
        self.declare_local(name, ty, LocalKind::Param, Some(index));
    }

    fn declare_local(&mut self, name: &Ident, ty: Ty, kind: LocalKind, param: Option<u32>) {
        self.types.push((name.span, ty.clone()));
        let local = Local {
            name: name.name.clone(),
            ty,
            span: name.span,
            kind,
            param,
            used: false,
            narrows: None,
        };
        if !matches!(kind, LocalKind::Host | LocalKind::Result) {
            let def = self.local_def(&local);
            self.resolved(name.span, Site::Decl, Some(def));
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(local);
        }
    }

    /// Finds the local `name` written at `at`, marking it used.
    fn use_local(&mut self, name: &str, at: Span) -> Option<Ty> {
        let (si, li) = self.find_local(name)?;
        let local = &mut self.scopes[si][li];
        local.used = true;
        let ty = local.ty.clone();
        if let Some((osi, oli)) = local.narrows
            && let Some(original) = self.scopes.get_mut(osi).and_then(|s| s.get_mut(oli))
        {
            original.used = true;
        }
        let def = self.local_def(&self.scopes[si][li]);
        self.resolved(at, Site::Value, Some(def));
        Some(ty)
    }

    fn find_local(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(si, scope)| {
                scope
                    .iter()
                    .rposition(|l| l.name == name)
                    .map(|li| (si, li))
            })
    }

    fn local_names(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().flatten().map(|l| l.name.as_str())
    }

    /// Narrows the optional locals `names` to their inner type in the
    /// innermost scope (which the caller pushed).
    fn narrow(&mut self, names: &[&Ident]) {
        for name in names {
            let Some((si, li)) = self.find_local(&name.name) else {
                continue;
            };
            let local = &self.scopes[si][li];
            let Ty::Optional(inner) = &local.ty else {
                continue;
            };
            let narrowed = Local {
                name: local.name.clone(),
                ty: (**inner).clone(),
                span: local.span,
                kind: local.kind,
                param: local.param,
                used: false,
                narrows: Some(local.narrows.unwrap_or((si, li))),
            };
            if let Some(scope) = self.scopes.last_mut() {
                scope.push(narrowed);
            }
        }
    }

    /// Reports `found` where `expected` is needed, unless it converts.
    fn expect_assignable(&mut self, found: &Ty, expected: &Ty, span: Span) {
        if crate::ty::assignable(found, expected) || found.has_unknown() || expected.has_unknown() {
            return;
        }
        if *found == Ty::Secret && matches!(expected.strip_optional(), Ty::Str) {
            self.error(
                Diag::error("E0220", span, "a `secret` cannot be used as a `str`")
                    .with_label("this is a secret")
                    .with_help("use `reveal(...)` to turn it into a `str` visibly, or interpolate it in `sh\"...\"`"),
            );
            return;
        }
        let mut diag = Diag::error(
            "E0201",
            span,
            format!("expected `{expected}`, found `{found}`"),
        )
        .with_label(format!("expected `{expected}`"));
        if let (Ty::Optional(inner), false) = (found, expected.is_optional())
            && crate::ty::assignable(inner, expected)
        {
            diag = diag.with_help("this value may be `none`: check it with `if x != none`, or give a default with `??`");
        }
        if matches!((found, expected), (Ty::Int, Ty::Float)) {
            diag = diag.with_help("convert it with `.to_float()`");
        }
        self.error(diag);
    }
}

/// `s` after a count other than one: `field{}`.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Names for a message: `` `a`, `b` ``.
fn code_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
