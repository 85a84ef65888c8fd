//! Types of expressions for the editor (hover, inlay hints, completion
//! after `.`).
//!
//! The checker records the type of every expression and binding it
//! checked ([`check::type_at`]); that answer comes first. Code being typed
//! often does not parse the way the checker saw it (completion parses the
//! text with a placeholder at the cursor), so when the checker has no type
//! for a span, a shallow inference from signatures, annotations and
//! locals follows. It never reports anything, and gives up
//! (`Ty::Unknown`) on what it does not follow (`if` branches, record
//! literals without annotation).

use infrac_compiler::check;
use infrac_compiler::items::{ItemTag, parse};
use infrac_compiler::scope::{find_callable, find_fact, find_module, module_scope};
use infrac_compiler::sigs::{callable_sig, fact_sig, record_fields, resolve_type, signatures};
use infrac_compiler::ty::Ty;
use infrac_compiler::{Database, SourceFile};
use infrac_syntax::Span;
use infrac_syntax::ast::{
    self, BinaryOp, Expr, ExprKind, Item, ItemKind, StageTarget, StmtKind, TypeExpr, UnaryOp,
};

use super::occurrences::locals_at;
use super::visit::{Node, item_at, walk_item};

/// Deep enough for any sensible chain of `let`s; stops cycles on broken code.
const MAX_DEPTH: u32 = 64;

pub struct Typer<'a> {
    db: &'a Database,
    file: SourceFile,
    ast: &'a ast::SourceFile,
}

impl<'a> Typer<'a> {
    /// A typer over the file's parse in the database.
    pub fn new(db: &'a Database, file: SourceFile) -> Self {
        Typer {
            db,
            file,
            ast: &parse(db, file).file,
        }
    }

    /// A typer over another parse of the file's text (completion parses
    /// the text with a placeholder name at the cursor).
    pub fn with_ast(db: &'a Database, file: SourceFile, ast: &'a ast::SourceFile) -> Self {
        Typer { db, file, ast }
    }

    /// The type of the expression spanning exactly `span`.
    pub fn type_at(&self, span: Span) -> Option<Ty> {
        if let Some(ty) = check::type_at(self.db, self.file, span) {
            return Some(ty);
        }
        let (_, item) = item_at(self.ast, span.start)?;
        let mut found = None;
        walk_item(item, &mut |n| {
            if let Node::Expr(e) = n
                && e.span == span
                && found.is_none()
            {
                found = Some(e);
            }
        });
        Some(self.expr(item, found?, 0))
    }

    /// The type of the local bound at `name_span` (a `let`, a `for`
    /// variable or a parameter).
    pub fn binding_type(&self, name_span: Span) -> Option<Ty> {
        let (_, item) = item_at(self.ast, name_span.start)?;
        Some(self.binding(item, name_span, 0))
    }

    fn annotation(&self, t: &TypeExpr) -> Ty {
        resolve_type(self.db, self.file, t, &mut Vec::new())
    }

    fn binding(&self, item: &Item, name_span: Span, depth: u32) -> Ty {
        if let Some(ty) = check::type_at(self.db, self.file, name_span) {
            return ty;
        }
        let mut found = None;
        walk_item(item, &mut |n| {
            let hit = match n {
                Node::Let { name, .. } | Node::For { first: name, .. } => name.span == name_span,
                Node::Param(p) => p.name.span == name_span,
                Node::Expr(_) => false,
            } || matches!(n, Node::For { second: Some(s), .. } if s.span == name_span);
            if hit && found.is_none() {
                found = Some(n);
            }
        });
        match found {
            Some(Node::Let { ty: Some(t), .. }) => self.annotation(t),
            Some(Node::Let { value, .. }) => self.expr(item, value, depth + 1),
            Some(Node::Param(p)) => self.annotation(&p.ty),
            Some(Node::For {
                first,
                second,
                iter,
            }) => match self.expr(item, iter, depth + 1) {
                Ty::List(t) => (*t).clone(),
                Ty::Map(t) if second.is_some() && first.span != name_span => (*t).clone(),
                Ty::Map(_) => Ty::Str,
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    /// A name that is not a local.
    fn global(&self, item: &Item, name: &str) -> Ty {
        if name == "host" {
            return self.host_type(item);
        }
        let sigs = signatures(self.db, self.file);
        match module_scope(self.db, self.file)
            .values
            .get(name)
            .map(|id| id.tag(self.db))
        {
            Some(ItemTag::Param) => sigs.params.get(name).cloned().unwrap_or(Ty::Unknown),
            Some(ItemTag::Group) => {
                let data = sigs.groups.get(name).cloned().flatten().unwrap_or(Ty::Unit);
                Ty::list(Ty::Host(Box::new(data)))
            }
            Some(ItemTag::Stage) => match sigs
                .stages
                .get(name)
                .and_then(|s| Some((s.ret.clone()?, s.one)))
            {
                Some((ret, true)) => ret,
                Some((ret, false)) => Ty::map(ret),
                None => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    /// `Host<T>` inside a stage whose target groups share data type `T`.
    fn host_type(&self, item: &Item) -> Ty {
        let ItemKind::Stage(stage) = &item.kind else {
            return Ty::Unknown;
        };
        let sigs = signatures(self.db, self.file);
        let mut data = stage.targets.iter().map(|t| match t {
            StageTarget::Group(g) | StageTarget::One(g, _) => {
                sigs.groups.get(&g.name).cloned().flatten()
            }
        });
        let first = data.next().flatten();
        let shared = data.all(|d| d == first);
        Ty::Host(Box::new(if shared {
            first.unwrap_or(Ty::Unit)
        } else {
            Ty::Unknown
        }))
    }

    fn is_local(&self, name: &ast::Ident) -> Option<Span> {
        locals_at(self.ast, name.span.start)
            .into_iter()
            .rev()
            .find(|(n, ..)| *n == name.name)
            .map(|(_, s, _)| s)
    }

    pub fn expr(&self, item: &Item, e: &Expr, depth: u32) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        let db = self.db;
        match &e.kind {
            ExprKind::Int(_) => Ty::Int,
            ExprKind::Float(_) => Ty::Float,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => Ty::none(),
            ExprKind::Str(_) => Ty::Str,
            ExprKind::Sh(_) => Ty::Cmd,
            ExprKind::Name(n) => match self.is_local(n) {
                Some(def) => self.binding(item, def, depth + 1),
                None => self.global(item, &n.name),
            },
            ExprKind::List(items) => Ty::list(
                items
                    .first()
                    .map_or(Ty::Never, |first| self.expr(item, first, depth + 1)),
            ),
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                if let ExprKind::Name(b) = &base.kind
                    && b.name == "facts"
                    && self.is_local(b).is_none()
                {
                    let fact = find_fact(db, self.file, &name.name);
                    return fact
                        .and_then(|id| fact_sig(db, id))
                        .map_or(Ty::Unknown, |s| s.ret.clone());
                }
                let base_ty = self.expr(item, base, depth + 1);
                match (&base_ty, optional) {
                    (Ty::Optional(inner), true) => Ty::optional(self.field(inner, &name.name)),
                    _ => self.field(&base_ty, &name.name),
                }
            }
            ExprKind::Call { callee, .. } => self.call(item, callee, depth),
            ExprKind::Index { base, .. } => match self.expr(item, base, depth + 1) {
                Ty::List(t) => *t,
                Ty::Map(t) => Ty::optional(*t),
                _ => Ty::Unknown,
            },
            ExprKind::Unary {
                op: UnaryOp::Not, ..
            } => Ty::Bool,
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => self.expr(item, operand, depth + 1),
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinaryOp::Coalesce => {
                    let l = self.expr(item, lhs, depth + 1);
                    match l {
                        Ty::Optional(inner) if *inner != Ty::Never => *inner,
                        _ => self.expr(item, rhs, depth + 1),
                    }
                }
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                    self.expr(item, lhs, depth + 1)
                }
                _ => Ty::Bool,
            },
            ExprKind::Block(b) => match b.stmts.last().map(|s| &s.kind) {
                Some(StmtKind::Expr(last)) => self.expr(item, last, depth + 1),
                _ => Ty::Unit,
            },
            ExprKind::Fail(_) | ExprKind::Return(_) => Ty::Never,
            ExprKind::Record(_)
            | ExprKind::Map(_)
            | ExprKind::If { .. }
            | ExprKind::Match { .. }
            | ExprKind::Error => Ty::Unknown,
        }
    }

    fn call(&self, item: &Item, callee: &Expr, depth: u32) -> Ty {
        let db = self.db;
        match &callee.kind {
            ExprKind::Name(n) if self.is_local(n).is_none() => {
                match find_callable(db, self.file, &n.name) {
                    Some(id) => callable_sig(db, id).map_or(Ty::Unknown, |s| s.ret.clone()),
                    None => check::function_result(db, &n.name).unwrap_or(Ty::Unknown),
                }
            }
            ExprKind::Field { base, name, .. } => {
                if let ExprKind::Name(b) = &base.kind
                    && self.is_local(b).is_none()
                {
                    if b.name == "facts" {
                        let fact = find_fact(db, self.file, &name.name);
                        return fact
                            .and_then(|id| fact_sig(db, id))
                            .map_or(Ty::Unknown, |s| s.ret.clone());
                    }
                    if let Some(Some(module)) = find_module(db, self.file, &b.name) {
                        let callee = module_scope(db, module).values.get(&name.name).copied();
                        return callee
                            .and_then(|id| callable_sig(db, id))
                            .map_or(Ty::Unknown, |s| s.ret.clone());
                    }
                }
                let recv = self.expr(item, base, depth + 1);
                check::method_result(&recv, &name.name).unwrap_or(Ty::Unknown)
            }
            _ => Ty::Unknown,
        }
    }

    /// The type of field `name` of a value of type `ty`.
    pub fn field(&self, ty: &Ty, name: &str) -> Ty {
        match ty {
            Ty::Record(r) => record_fields(self.db, r)
                .and_then(|fields| fields.iter().find(|f| f.name == name))
                .map_or(Ty::Unknown, |f| f.ty.clone()),
            Ty::AnonRecord(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Ty::Unknown, |(_, t)| t.clone()),
            Ty::Host(data) => match name {
                "name" => Ty::Str,
                "data" => (**data).clone(),
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }
}
