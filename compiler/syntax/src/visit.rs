//! A read-only traversal of the syntax tree, in the style of `syn::visit`:
//! a [`Visitor`] overrides the `visit_*` methods for the nodes it cares
//! about and calls the matching `walk_*` function to go on into the
//! children. Every traversal of the tree (the lowering's fact prefetch,
//! the editor features) goes through here, so a new node kind is walked
//! in one place.
//!
//! Children are visited in source order. Names that bind a local (`let`,
//! `for`) are reported to [`Visitor::visit_binding`] with what binds them,
//! after the expression that gives their value; parameters to
//! [`Visitor::visit_param`].

use crate::ast::*;

/// What binds a local name.
#[derive(Debug, Clone, Copy)]
pub enum Binding<'a> {
    /// `let name: ty = value`.
    Let {
        ty: Option<&'a TypeExpr>,
        value: &'a Expr,
    },
    /// A `for` variable of `for a, b in iter`: `a` (a list's element or a
    /// map's key, `second: false`) or `b` (a map's value).
    For { iter: &'a Expr, second: bool },
}

pub trait Visitor<'a> {
    fn visit_item(&mut self, item: &'a Item) {
        walk_item(self, item);
    }
    fn visit_param(&mut self, param: &'a Param) {
        walk_param(self, param);
    }
    fn visit_block(&mut self, block: &'a Block) {
        walk_block(self, block);
    }
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt(self, stmt);
    }
    fn visit_binding(&mut self, _name: &'a Ident, _binding: Binding<'a>) {}
    fn visit_expr(&mut self, expr: &'a Expr) {
        walk_expr(self, expr);
    }
    fn visit_type(&mut self, ty: &'a TypeExpr) {
        walk_type(self, ty);
    }
    fn visit_pattern(&mut self, _pattern: &'a Pattern) {}
}

pub fn walk_file<'a, V: Visitor<'a> + ?Sized>(v: &mut V, file: &'a SourceFile) {
    for item in &file.items {
        v.visit_item(item);
    }
}

pub fn walk_item<'a, V: Visitor<'a> + ?Sized>(v: &mut V, item: &'a Item) {
    match &item.kind {
        ItemKind::Type(d) => match &d.body {
            TypeDeclBody::Record(fields) => walk_fields(v, fields),
            TypeDeclBody::Alias(ty) => v.visit_type(ty),
        },
        ItemKind::Param(p) => {
            v.visit_type(&p.ty);
            if let Some(d) = &p.default {
                v.visit_expr(d);
            }
        }
        ItemKind::Group(g) => {
            if let Some(t) = &g.data_ty {
                v.visit_type(t);
            }
            v.visit_expr(&g.hosts);
        }
        ItemKind::Stage(s) => {
            for o in &s.options {
                v.visit_expr(&o.value);
            }
            if let Some(t) = &s.ret {
                v.visit_type(t);
            }
            v.visit_block(&s.body);
        }
        ItemKind::Fact(d) => {
            for p in d.params.iter().flatten() {
                v.visit_param(p);
            }
            v.visit_type(&d.ret);
            if let Some(b) = &d.body {
                v.visit_block(b);
            }
        }
        ItemKind::Op(d) => {
            for p in &d.params {
                v.visit_param(p);
            }
            if let Some(Changes::Facts(facts)) = &d.changes {
                for e in facts {
                    v.visit_expr(e);
                }
            }
            v.visit_block(&d.body);
        }
        ItemKind::Fn(d) => {
            for p in &d.params {
                v.visit_param(p);
            }
            if let Some(t) = &d.ret {
                v.visit_type(t);
            }
            if let Some(b) = &d.body {
                v.visit_block(b);
            }
        }
        ItemKind::Enum(_) | ItemKind::Use(_) | ItemKind::Error => {}
    }
}

fn walk_fields<'a, V: Visitor<'a> + ?Sized>(v: &mut V, fields: &'a [FieldDecl]) {
    for f in fields {
        v.visit_type(&f.ty);
        if let Some(d) = &f.default {
            v.visit_expr(d);
        }
    }
}

pub fn walk_param<'a, V: Visitor<'a> + ?Sized>(v: &mut V, param: &'a Param) {
    v.visit_type(&param.ty);
    if let Some(d) = &param.default {
        v.visit_expr(d);
    }
}

pub fn walk_block<'a, V: Visitor<'a> + ?Sized>(v: &mut V, block: &'a Block) {
    for stmt in &block.stmts {
        v.visit_stmt(stmt);
    }
}

pub fn walk_stmt<'a, V: Visitor<'a> + ?Sized>(v: &mut V, stmt: &'a Stmt) {
    match &stmt.kind {
        StmtKind::Let { name, ty, value } => {
            if let Some(t) = ty {
                v.visit_type(t);
            }
            v.visit_expr(value);
            v.visit_binding(
                name,
                Binding::Let {
                    ty: ty.as_ref(),
                    value,
                },
            );
        }
        StmtKind::For {
            first,
            second,
            iter,
            body,
        } => {
            v.visit_expr(iter);
            v.visit_binding(
                first,
                Binding::For {
                    iter,
                    second: false,
                },
            );
            if let Some(s) = second {
                v.visit_binding(s, Binding::For { iter, second: true });
            }
            v.visit_block(body);
        }
        StmtKind::Expr(e) => v.visit_expr(e),
        StmtKind::Error => {}
    }
}

pub fn walk_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, e: &'a Expr) {
    match &e.kind {
        ExprKind::Str(parts) | ExprKind::Sh(parts) => {
            for p in parts {
                if let StrPart::Interp { expr, .. } = p {
                    v.visit_expr(expr);
                }
            }
        }
        ExprKind::List(items) => items.iter().for_each(|x| v.visit_expr(x)),
        // In the order it is evaluated: the variables are bound before the
        // condition and the element that read them.
        ExprKind::Comprehension(c) => {
            v.visit_expr(&c.iter);
            let iter = &c.iter;
            v.visit_binding(
                &c.first,
                Binding::For {
                    iter,
                    second: false,
                },
            );
            if let Some(s) = &c.second {
                v.visit_binding(s, Binding::For { iter, second: true });
            }
            if let Some(cond) = &c.cond {
                v.visit_expr(cond);
            }
            v.visit_expr(&c.elem);
        }
        ExprKind::Record(fields) => fields.iter().for_each(|f| v.visit_expr(&f.value)),
        ExprKind::Map(entries) => entries.iter().for_each(|m| {
            v.visit_expr(&m.key);
            v.visit_expr(&m.value);
        }),
        ExprKind::Field { base, .. } => v.visit_expr(base),
        ExprKind::Index { base, index } => {
            v.visit_expr(base);
            v.visit_expr(index);
        }
        ExprKind::Call { callee, args } => {
            v.visit_expr(callee);
            args.iter().for_each(|a| v.visit_expr(&a.value));
        }
        ExprKind::Unary { operand, .. } => v.visit_expr(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            v.visit_expr(lhs);
            v.visit_expr(rhs);
        }
        ExprKind::If { cond, then, else_ } => {
            v.visit_expr(cond);
            v.visit_block(then);
            if let Some(x) = else_ {
                v.visit_expr(x);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            v.visit_expr(scrutinee);
            for arm in arms {
                arm.patterns.iter().for_each(|p| v.visit_pattern(p));
                v.visit_expr(&arm.body);
            }
        }
        ExprKind::Block(b) => v.visit_block(b),
        ExprKind::Fail(x) | ExprKind::Return(Some(x)) => v.visit_expr(x),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::Return(None)
        | ExprKind::Error => {}
    }
}

pub fn walk_type<'a, V: Visitor<'a> + ?Sized>(v: &mut V, ty: &'a TypeExpr) {
    match &ty.kind {
        TypeExprKind::Named { args, .. } => args.iter().for_each(|a| v.visit_type(a)),
        TypeExprKind::Optional(inner) => v.visit_type(inner),
        TypeExprKind::Record(fields) => walk_fields(v, fields),
        TypeExprKind::Unit | TypeExprKind::Error => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what a visitor meets, to show the order.
    #[derive(Default)]
    struct Trace(Vec<String>);

    impl<'a> Visitor<'a> for Trace {
        fn visit_binding(&mut self, name: &'a Ident, binding: Binding<'a>) {
            let how = match binding {
                Binding::Let { .. } => "let",
                Binding::For { second: false, .. } => "for",
                Binding::For { second: true, .. } => "for2",
            };
            self.0.push(format!("{how} {}", name.name));
        }
        fn visit_param(&mut self, param: &'a Param) {
            self.0.push(format!("param {}", param.name.name));
            walk_param(self, param);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if let ExprKind::Name(n) = &e.kind {
                self.0.push(n.name.clone());
            }
            walk_expr(self, e);
        }
        fn visit_type(&mut self, t: &'a TypeExpr) {
            if let TypeExprKind::Named { path, .. } = &t.kind
                && let Some(last) = path.last()
            {
                self.0.push(format!("type {}", last.name));
            }
            walk_type(self, t);
        }
        fn visit_pattern(&mut self, _: &'a Pattern) {
            self.0.push("pattern".into());
        }
    }

    #[test]
    fn visits_every_node_in_source_order() {
        let src = r#"
fn f(a: list<str>, m: map<str, int>?): str {
  let x: str = a[0]
  for k, v in m ?? {} { g("{k}{v}") }
  match x { "y" | _ => if a == none { b } else { c } }
}
"#;
        let parse = crate::parse(src);
        assert!(parse.errors.is_empty(), "{:?}", parse.errors);
        let mut trace = Trace::default();
        walk_file(&mut trace, &parse.file);
        assert_eq!(
            trace.0.join(", "),
            "param a, type list, type str, param m, type map, type str, type int, type str, \
             type str, a, let x, m, for k, for2 v, g, k, v, x, pattern, pattern, a, b, c"
        );
    }
}
