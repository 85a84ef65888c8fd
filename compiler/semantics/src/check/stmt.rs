//! Blocks, statements and `match`.

use infrac_syntax::ast::{
    Block, Expr, ExprKind, Ident, MatchArm, PatternKind, Span, Stmt, StmtKind,
};

use super::Checker;
use super::expr::narrowings;
use crate::def::LocalKind;
use crate::diagnostic::Diag;
use crate::ty::{Ty, join};

impl Checker<'_> {
    /// Checks a block in its own scope; its value is its last expression.
    /// With `expected`, the value must fit it.
    pub(super) fn block(&mut self, block: &Block, expected: Option<&Ty>) -> Ty {
        self.push_scope();
        let mut value = Ty::Unit;
        let mut diverged = false;
        let mut warned_unreachable = false;
        for (i, stmt) in block.stmts.iter().enumerate() {
            if diverged && !warned_unreachable && !matches!(stmt.kind, StmtKind::Error) {
                warned_unreachable = true;
                self.error(
                    Diag::warning("W0102", stmt.span, "unreachable code").with_label(
                        "this never runs: the code before it always stops (`fail` or `return`)",
                    ),
                );
            }
            let last = i + 1 == block.stmts.len();
            value = self.stmt(stmt, if last { expected } else { None });
            if value == Ty::Never {
                diverged = true;
            }
            self.narrow_after_guard(stmt);
        }
        // A statement the parser could not read counts as a value: no
        // second error about it.
        let ends_with_expr = matches!(
            block.stmts.last(),
            Some(Stmt {
                kind: StmtKind::Expr(_) | StmtKind::Error,
                ..
            })
        );
        if let Some(expected) = expected
            && !ends_with_expr
            && !diverged
            && *expected != Ty::Unit
            && !expected.is_optional()
        {
            let span = Span::new(block.span.end.saturating_sub(1), block.span.end);
            self.error(
                Diag::error(
                    "E0201",
                    span,
                    format!("expected a value of type `{expected}`, but the block has none"),
                )
                .with_label("the block ends here")
                .with_help("end the block with an expression"),
            );
        }
        self.pop_scope();
        if diverged {
            Ty::Never
        } else if ends_with_expr {
            value
        } else {
            Ty::Unit
        }
    }

    fn stmt(&mut self, stmt: &Stmt, expected: Option<&Ty>) -> Ty {
        match &stmt.kind {
            StmtKind::Let { name, ty, value } => {
                let declared = ty.as_ref().map(|t| self.resolve_type(t));
                let found = self.expr(value, declared.as_ref());
                self.declare(
                    name,
                    declared.unwrap_or_else(|| found.clone()),
                    LocalKind::Let,
                );
                if found == Ty::Never {
                    Ty::Never
                } else {
                    Ty::Unit
                }
            }
            StmtKind::For {
                first,
                second,
                iter,
                body,
            } => {
                self.push_scope();
                self.loop_vars(first, second.as_ref(), iter);
                self.block(body, None);
                self.pop_scope();
                Ty::Unit
            }
            StmtKind::Expr(e) => self.expr(e, expected),
            StmtKind::Error => Ty::Unknown,
        }
    }

    /// After `if x == none { fail ... }`, `x` is not none in the rest of
    /// the block.
    fn narrow_after_guard(&mut self, stmt: &Stmt) {
        let StmtKind::Expr(Expr {
            kind:
                ExprKind::If {
                    cond,
                    then,
                    else_: None,
                },
            ..
        }) = &stmt.kind
        else {
            return;
        };
        if !diverges(then) {
            return;
        }
        let (_, else_names) = narrowings(cond);
        self.narrow(&else_names);
    }

    pub(super) fn match_expr(
        &mut self,
        scrutinee: &Expr,
        arms: &[MatchArm],
        span: Span,
        expected: Option<&Ty>,
    ) -> Ty {
        let ty = self.expr(scrutinee, None);
        let mut covered: Vec<String> = Vec::new();
        let mut wildcard = false;
        let mut result: Option<Ty> = None;
        for arm in arms {
            for pattern in &arm.patterns {
                match &pattern.kind {
                    PatternKind::Wildcard => wildcard = true,
                    PatternKind::Error => wildcard = true,
                    PatternKind::Bool(b) => {
                        self.pattern_type(&Ty::Bool, &ty, pattern.span);
                        covered.push(b.to_string());
                    }
                    PatternKind::Int(_) => self.pattern_type(&Ty::Int, &ty, pattern.span),
                    PatternKind::Str(_) => self.pattern_type(&Ty::Str, &ty, pattern.span),
                    PatternKind::None => {
                        if !ty.is_optional() && !ty.is_silent() {
                            self.error(Diag::error(
                                "E0201",
                                pattern.span,
                                format!("`{ty}` is never `none`"),
                            ));
                        }
                        covered.push("none".to_string());
                    }
                    PatternKind::Path(path) => {
                        if let Some(variant) = self.variant_pattern(path, &ty, pattern.span) {
                            covered.push(variant);
                        }
                    }
                }
            }
            let arm_ty = self.expr(&arm.body, expected);
            result = Some(match result {
                None => arm_ty,
                Some(prev) => {
                    match join(&prev, &arm_ty) {
                        Some(t) => t,
                        None if expected.is_some() => prev,
                        None => {
                            self.error(Diag::error(
                            "E0201",
                            arm.body.span,
                            format!("match arms must have one type: expected `{prev}`, found `{arm_ty}`"),
                        ));
                            prev
                        }
                    }
                }
            });
        }
        if !wildcard {
            self.exhaustiveness(&ty, &covered, span);
        }
        match expected {
            Some(t) => t.clone(),
            None => result.unwrap_or(Ty::Unit),
        }
    }

    fn pattern_type(&mut self, pattern: &Ty, scrutinee: &Ty, span: Span) {
        if !crate::ty::assignable(pattern, scrutinee) {
            self.error(Diag::error(
                "E0201",
                span,
                format!("expected a pattern of type `{scrutinee}`, found `{pattern}`"),
            ));
        }
    }

    /// `Enum.variant` (or `module.Enum.variant`) as a pattern: the variant.
    fn variant_pattern(
        &mut self,
        path: &[infrac_syntax::ast::Ident],
        scrutinee: &Ty,
        span: Span,
    ) -> Option<String> {
        let (ty_path, variant) = path.split_last().map(|(v, rest)| (rest, v))?;
        self.type_path(ty_path);
        let mut diags = Vec::new();
        let found = crate::sigs::lookup_type_path(self.db, self.file, ty_path, &mut diags);
        self.diags.extend(diags);
        let id = found?;
        let enum_ty = self.variant(id, variant);
        if !enum_ty.is_silent() && !crate::ty::assignable(&enum_ty, scrutinee) {
            self.error(Diag::error(
                "E0201",
                span,
                format!("expected a pattern of type `{scrutinee}`, found `{enum_ty}`"),
            ));
        }
        Some(variant.name.clone())
    }

    fn exhaustiveness(&mut self, ty: &Ty, covered: &[String], span: Span) {
        let all: Vec<String> = match ty.strip_optional() {
            Ty::Bool => vec!["true".into(), "false".into()],
            t @ Ty::Enum(_) => super::decl::variants_of(self, t).unwrap_or_default(),
            Ty::Unknown | Ty::Never => return,
            _ => {
                self.error(
                    Diag::error(
                        "E0210",
                        span,
                        format!("a `match` on `{ty}` needs a `_` arm"),
                    )
                    .with_help("add `_ => ...` as the last arm"),
                );
                return;
            }
        };
        let mut missing: Vec<String> = all.into_iter().filter(|v| !covered.contains(v)).collect();
        if ty.is_optional() && !covered.iter().any(|c| c == "none") {
            missing.push("none".to_string());
        }
        if !missing.is_empty() {
            self.error(
                Diag::error(
                    "E0210",
                    span,
                    format!("this `match` does not cover {}", missing.join(", ")),
                )
                .with_help("add the missing arms, or `_ => ...`"),
            );
        }
    }
}

/// Whether a block always stops (ends with `fail` or `return`).
fn diverges(block: &Block) -> bool {
    matches!(
        block.stmts.last(),
        Some(Stmt {
            kind: StmtKind::Expr(Expr {
                kind: ExprKind::Fail(_) | ExprKind::Return(_),
                ..
            }),
            ..
        })
    )
}

impl Checker<'_> {
    /// Checks what `for first, second in iter` (a loop or a comprehension)
    /// loops over and declares its variables in the current scope.
    pub(super) fn loop_vars(&mut self, first: &Ident, second: Option<&Ident>, iter: &Expr) {
        let iter_ty = self.expr(iter, None);
        let (first_ty, second_ty) = match &iter_ty {
            Ty::List(elem) if second.is_none() => ((**elem).clone(), Ty::Unknown),
            // `for i, x in list`: the index and the element.
            Ty::List(elem) => (Ty::Int, (**elem).clone()),
            Ty::Map(value) => (Ty::Str, (**value).clone()),
            Ty::Unknown | Ty::Never => (Ty::Unknown, Ty::Unknown),
            other => {
                self.error(
                    Diag::error("E0223", iter.span, format!("cannot loop over `{other}`"))
                        .with_note("`for` loops over a list or a map"),
                );
                (Ty::Unknown, Ty::Unknown)
            }
        };
        self.declare(first, first_ty, LocalKind::For);
        if let Some(second) = second {
            self.declare(second, second_ty, LocalKind::For);
        }
    }
}
