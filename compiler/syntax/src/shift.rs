//! Moving every span of a subtree by a byte offset.
//!
//! The semantic database stores each item with item-relative spans
//! (`item.shift(-(item.span.start as i64))`), so that an edit above an item
//! leaves the item's value unchanged and its checking can be reused.

use crate::ast::*;

/// Moves every span by `delta` bytes, saturating at 0 (and at `u32::MAX`).
pub trait Shift {
    fn shift(&mut self, delta: i64);
}

fn move_offset(offset: u32, delta: i64) -> u32 {
    let moved = i64::from(offset).saturating_add(delta);
    u32::try_from(moved.max(0)).unwrap_or(u32::MAX)
}

impl Shift for Span {
    fn shift(&mut self, delta: i64) {
        self.start = move_offset(self.start, delta);
        self.end = move_offset(self.end, delta);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, delta: i64) {
        if let Some(x) = self {
            x.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, delta: i64) {
        for x in self {
            x.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, delta: i64) {
        (**self).shift(delta);
    }
}

/// Implements [`Shift`] for a struct by shifting the listed fields.
macro_rules! shift_fields {
    ($($ty:ty { $($field:ident),* })*) => {$(
        impl Shift for $ty {
            fn shift(&mut self, delta: i64) {
                $(self.$field.shift(delta);)*
            }
        }
    )*};
}

shift_fields! {
    Ident { span }
    SourceFile { items }
    Item { kind, span }
    UseItem { prefix, names }
    UseName { name, alias }
    TypeDecl { name, body }
    FieldDecl { name, ty, default, span }
    EnumDecl { name, variants }
    Variant { name }
    ParamDecl { name, ty, default }
    GroupDecl { name, data_ty, hosts }
    StageDecl { name, targets, options, ret, body }
    FactDecl { name, params, ret, body }
    OpDecl { name, params, changes, body }
    FnDecl { name, params, ret, body }
    Param { name, ty, default, span }
    TypeExpr { kind, span }
    Block { stmts, span }
    Stmt { kind, span }
    Expr { kind, span }
    RecordField { name, value }
    MapEntry { key, value }
    Arg { name, value }
    MatchArm { patterns, body, span }
    Pattern { kind, span }
}

impl Shift for ItemKind {
    fn shift(&mut self, delta: i64) {
        match self {
            ItemKind::Use(x) => x.shift(delta),
            ItemKind::Type(x) => x.shift(delta),
            ItemKind::Enum(x) => x.shift(delta),
            ItemKind::Param(x) => x.shift(delta),
            ItemKind::Group(x) => x.shift(delta),
            ItemKind::Stage(x) => x.shift(delta),
            ItemKind::Fact(x) => x.shift(delta),
            ItemKind::Op(x) => x.shift(delta),
            ItemKind::Fn(x) => x.shift(delta),
            ItemKind::Error => {}
        }
    }
}

impl Shift for TypeDeclBody {
    fn shift(&mut self, delta: i64) {
        match self {
            TypeDeclBody::Record(fields) => fields.shift(delta),
            TypeDeclBody::Alias(ty) => ty.shift(delta),
        }
    }
}

impl Shift for StageTarget {
    fn shift(&mut self, delta: i64) {
        match self {
            StageTarget::Group(name) => name.shift(delta),
            StageTarget::One(name, span) => {
                name.shift(delta);
                span.shift(delta);
            }
        }
    }
}

impl Shift for Changes {
    fn shift(&mut self, delta: i64) {
        match self {
            Changes::Nothing(span) => span.shift(delta),
            Changes::Facts(facts) => facts.shift(delta),
        }
    }
}

impl Shift for TypeExprKind {
    fn shift(&mut self, delta: i64) {
        match self {
            TypeExprKind::Named { path, args } => {
                path.shift(delta);
                args.shift(delta);
            }
            TypeExprKind::Optional(inner) => inner.shift(delta),
            TypeExprKind::Record(fields) => fields.shift(delta),
            TypeExprKind::Unit | TypeExprKind::Error => {}
        }
    }
}

impl Shift for StmtKind {
    fn shift(&mut self, delta: i64) {
        match self {
            StmtKind::Let { name, ty, value } => {
                name.shift(delta);
                ty.shift(delta);
                value.shift(delta);
            }
            StmtKind::For {
                first,
                second,
                iter,
                body,
            } => {
                first.shift(delta);
                second.shift(delta);
                iter.shift(delta);
                body.shift(delta);
            }
            StmtKind::Expr(e) => e.shift(delta),
            StmtKind::Error => {}
        }
    }
}

impl Shift for ExprKind {
    fn shift(&mut self, delta: i64) {
        match self {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Error => {}
            ExprKind::Str(parts) | ExprKind::Sh(parts) => parts.shift(delta),
            ExprKind::Name(name) => name.shift(delta),
            ExprKind::List(items) => items.shift(delta),
            ExprKind::Comprehension(c) => {
                c.elem.shift(delta);
                c.first.shift(delta);
                c.second.shift(delta);
                c.iter.shift(delta);
                c.cond.shift(delta);
            }
            ExprKind::Record(fields) => fields.shift(delta),
            ExprKind::Map(entries) => entries.shift(delta),
            ExprKind::Field {
                base,
                name,
                optional: _,
            } => {
                base.shift(delta);
                name.shift(delta);
            }
            ExprKind::Index { base, index } => {
                base.shift(delta);
                index.shift(delta);
            }
            ExprKind::Call { callee, args } => {
                callee.shift(delta);
                args.shift(delta);
            }
            ExprKind::Unary { op: _, operand } => operand.shift(delta),
            ExprKind::Binary { op: _, lhs, rhs } => {
                lhs.shift(delta);
                rhs.shift(delta);
            }
            ExprKind::If { cond, then, else_ } => {
                cond.shift(delta);
                then.shift(delta);
                else_.shift(delta);
            }
            ExprKind::Match { scrutinee, arms } => {
                scrutinee.shift(delta);
                arms.shift(delta);
            }
            ExprKind::Block(block) => block.shift(delta),
            ExprKind::Fail(e) => e.shift(delta),
            ExprKind::Return(e) => e.shift(delta),
        }
    }
}

impl Shift for StrPart {
    fn shift(&mut self, delta: i64) {
        match self {
            StrPart::Text(_, span) => span.shift(delta),
            StrPart::Interp {
                expr,
                format: _,
                span,
            } => {
                expr.shift(delta);
                span.shift(delta);
            }
        }
    }
}

impl Shift for PatternKind {
    fn shift(&mut self, delta: i64) {
        match self {
            PatternKind::Path(path) => path.shift(delta),
            PatternKind::Wildcard
            | PatternKind::Int(_)
            | PatternKind::Str(_)
            | PatternKind::Bool(_)
            | PatternKind::None
            | PatternKind::Error => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_moves_every_span_and_saturates_at_zero() {
        let mut parse = crate::parse("fn f(x: int): int { x + 1 }");
        let original = parse.file.clone();
        parse.file.shift(10);
        assert_ne!(parse.file, original);
        parse.file.shift(-10);
        assert_eq!(parse.file, original);

        let mut span = Span::new(3, 8);
        span.shift(-5);
        assert_eq!(span, Span::new(0, 3));
    }
}
