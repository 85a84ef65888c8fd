//! A pre-order walk over the expressions and bindings of an item, for the
//! features that look for one node (by span or by kind).

use infrac_syntax::ast::*;

/// A node met by [`walk_item`].
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    Expr(&'a Expr),
    Let {
        name: &'a Ident,
        ty: Option<&'a TypeExpr>,
        value: &'a Expr,
    },
    For {
        first: &'a Ident,
        second: Option<&'a Ident>,
        iter: &'a Expr,
    },
    Param(&'a Param),
}

pub fn walk_item<'a>(item: &'a Item, f: &mut impl FnMut(Node<'a>)) {
    let params = |ps: &'a [Param], f: &mut dyn FnMut(Node<'a>)| {
        for p in ps {
            f(Node::Param(p));
            if let Some(d) = &p.default {
                walk_expr(d, &mut |n| f(n));
            }
        }
    };
    match &item.kind {
        ItemKind::Param(p) => {
            if let Some(d) = &p.default {
                walk_expr(d, f);
            }
        }
        ItemKind::Group(g) => walk_expr(&g.hosts, f),
        ItemKind::Stage(s) => {
            for o in &s.options {
                walk_expr(&o.value, f);
            }
            walk_block(&s.body, f);
        }
        ItemKind::Fact(d) => {
            if let Some(ps) = &d.params {
                params(ps, &mut |n| f(n));
            }
            if let Some(b) = &d.body {
                walk_block(b, f);
            }
        }
        ItemKind::Op(d) => {
            params(&d.params, &mut |n| f(n));
            if let Some(Changes::Facts(facts)) = &d.changes {
                for e in facts {
                    walk_expr(e, f);
                }
            }
            walk_block(&d.body, f);
        }
        ItemKind::Fn(d) => {
            params(&d.params, &mut |n| f(n));
            if let Some(b) = &d.body {
                walk_block(b, f);
            }
        }
        ItemKind::Type(_) | ItemKind::Enum(_) | ItemKind::Use(_) | ItemKind::Error => {}
    }
}

pub fn walk_block<'a>(block: &'a Block, f: &mut impl FnMut(Node<'a>)) {
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Let { name, ty, value } => {
                f(Node::Let {
                    name,
                    ty: ty.as_ref(),
                    value,
                });
                walk_expr(value, f);
            }
            StmtKind::For {
                first,
                second,
                iter,
                body,
            } => {
                f(Node::For {
                    first,
                    second: second.as_ref(),
                    iter,
                });
                walk_expr(iter, f);
                walk_block(body, f);
            }
            StmtKind::Expr(e) => walk_expr(e, f),
            StmtKind::Error => {}
        }
    }
}

pub fn walk_expr<'a>(e: &'a Expr, f: &mut impl FnMut(Node<'a>)) {
    f(Node::Expr(e));
    match &e.kind {
        ExprKind::Str(parts) | ExprKind::Sh(parts) => {
            for part in parts {
                if let StrPart::Interp { expr, .. } = part {
                    walk_expr(expr, f);
                }
            }
        }
        ExprKind::List(items) => items.iter().for_each(|i| walk_expr(i, f)),
        ExprKind::Record(fields) => fields.iter().for_each(|r| walk_expr(&r.value, f)),
        ExprKind::Map(entries) => {
            for entry in entries {
                walk_expr(&entry.key, f);
                walk_expr(&entry.value, f);
            }
        }
        ExprKind::Field { base, .. } => walk_expr(base, f),
        ExprKind::Index { base, index } => {
            walk_expr(base, f);
            walk_expr(index, f);
        }
        ExprKind::Call { callee, args } => {
            walk_expr(callee, f);
            args.iter().for_each(|a| walk_expr(&a.value, f));
        }
        ExprKind::Unary { operand, .. } => walk_expr(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        ExprKind::If { cond, then, else_ } => {
            walk_expr(cond, f);
            walk_block(then, f);
            if let Some(e) = else_ {
                walk_expr(e, f);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            walk_expr(scrutinee, f);
            arms.iter().for_each(|a| walk_expr(&a.body, f));
        }
        ExprKind::Block(b) => walk_block(b, f),
        ExprKind::Fail(e) => walk_expr(e, f),
        ExprKind::Return(Some(e)) => walk_expr(e, f),
        ExprKind::Return(None)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::Error => {}
    }
}

/// The item of `file` that contains `offset`.
pub fn item_at(file: &SourceFile, offset: u32) -> Option<(usize, &Item)> {
    file.items
        .iter()
        .enumerate()
        .find(|(_, it)| it.span.start <= offset && offset <= it.span.end)
}
