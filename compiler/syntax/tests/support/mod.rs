//! A compact, indented printer of parse trees and errors for snapshots.

#![allow(dead_code)]

use std::fmt::Write as _;

use infrac_syntax::ast::*;
use infrac_syntax::{Parse, SyntaxError};

/// The `.infra` files under `dir` (relative to the repository root),
/// recursively, sorted.
pub fn infra_files(dir: &str) -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    let mut pending = vec![root];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "infra") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The tree, one node per line (`Kind details @start..end`), then errors.
pub fn render(parse: &Parse) -> String {
    let mut p = Printer::default();
    for item in &parse.file.items {
        p.item(item);
    }
    for e in &parse.errors {
        p.out.push_str(&render_error(e));
    }
    p.out
}

/// Every span in the tree (the ones the printer shows) and in the errors.
pub fn all_spans(parse: &Parse) -> Vec<Span> {
    let mut p = Printer::default();
    for item in &parse.file.items {
        p.item(item);
    }
    p.spans.extend(parse.errors.iter().map(|e| e.span));
    p.spans.extend(
        parse
            .errors
            .iter()
            .filter_map(|e| e.context.as_ref().map(|c| c.1)),
    );
    p.spans
}

pub fn render_error(e: &SyntaxError) -> String {
    let mut line = format!(
        "error {} @{}..{}: {}",
        e.code, e.span.start, e.span.end, e.message
    );
    if let Some(label) = &e.label {
        let _ = write!(line, " [{label}]");
    }
    if let Some((context, span)) = &e.context {
        let _ = write!(line, " ({context} @{}..{})", span.start, span.end);
    }
    line.push('\n');
    line
}

#[derive(Default)]
struct Printer {
    out: String,
    depth: usize,
    spans: Vec<Span>,
}

impl Printer {
    fn line(&mut self, text: &str, span: Span) {
        self.spans.push(span);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "{text} @{}..{}", span.start, span.end);
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    fn node(&mut self, text: &str, span: Span, f: impl FnOnce(&mut Self)) {
        self.line(text, span);
        self.nested(f);
    }

    fn item(&mut self, item: &Item) {
        let mut head = String::new();
        if item.is_pub {
            head.push_str("pub ");
        }
        let docs = item
            .docs
            .as_ref()
            .map(|d| format!(" docs={d:?}"))
            .unwrap_or_default();
        match &item.kind {
            ItemKind::Use(u) => {
                let prefix: Vec<_> = u.prefix.iter().map(|i| i.name.as_str()).collect();
                let names: Vec<_> = u
                    .names
                    .iter()
                    .map(|n| match &n.alias {
                        Some(a) => format!("{} as {}", n.name.name, a.name),
                        None => n.name.name.clone(),
                    })
                    .collect();
                self.line(
                    &format!(
                        "{head}Use {} {{{}}}{docs}",
                        prefix.join("::"),
                        names.join(", ")
                    ),
                    item.span,
                );
            }
            ItemKind::Type(t) => self.node(
                &format!("{head}Type {}{docs}", t.name.name),
                item.span,
                |p| match &t.body {
                    TypeDeclBody::Record(fields) => p.fields(fields),
                    TypeDeclBody::Alias(ty) => p.ty(ty),
                },
            ),
            ItemKind::Enum(e) => self.node(
                &format!("{head}Enum {}{docs}", e.name.name),
                item.span,
                |p| {
                    for v in &e.variants {
                        let docs = v
                            .docs
                            .as_ref()
                            .map(|d| format!(" docs={d:?}"))
                            .unwrap_or_default();
                        p.line(&format!("Variant {}{docs}", v.name.name), v.name.span);
                    }
                },
            ),
            ItemKind::Param(d) => self.node(
                &format!("{head}Param {}{docs}", d.name.name),
                item.span,
                |p| {
                    p.ty(&d.ty);
                    p.opt_expr("default", d.default.as_ref());
                },
            ),
            ItemKind::Group(g) => self.node(
                &format!("{head}Group {}{docs}", g.name.name),
                item.span,
                |p| {
                    if let Some(ty) = &g.data_ty {
                        p.ty(ty);
                    }
                    p.expr(&g.hosts);
                },
            ),
            ItemKind::Stage(s) => self.node(
                &format!("{head}Stage {}{docs}", s.name.name),
                item.span,
                |p| {
                    for t in &s.targets {
                        match t {
                            StageTarget::Group(g) => p.line(&format!("Target {}", g.name), g.span),
                            StageTarget::One(g, span) => {
                                p.line(&format!("Target one({})", g.name), *span)
                            }
                        }
                    }
                    p.args("Options", &s.options);
                    if let Some(ret) = &s.ret {
                        p.ty(ret);
                    }
                    p.block(&s.body);
                },
            ),
            ItemKind::Fact(f) => self.node(
                &format!("{head}Fact {}{docs}", f.name.name),
                item.span,
                |p| {
                    if let Some(params) = &f.params {
                        p.params(params);
                    }
                    p.ty(&f.ret);
                    match &f.body {
                        Some(b) => p.block(b),
                        None => p.line("Native", item.span),
                    }
                },
            ),
            ItemKind::Op(o) => {
                self.node(&format!("{head}Op {}{docs}", o.name.name), item.span, |p| {
                    p.params(&o.params);
                    match &o.changes {
                        Some(Changes::Nothing(span)) => p.line("Changes nothing", *span),
                        Some(Changes::Facts(facts)) => {
                            for f in facts {
                                p.node("Changes", f.span, |p| p.expr(f));
                            }
                        }
                        None => {}
                    }
                    p.block(&o.body);
                })
            }
            ItemKind::Fn(f) => {
                self.node(&format!("{head}Fn {}{docs}", f.name.name), item.span, |p| {
                    p.params(&f.params);
                    if let Some(ret) = &f.ret {
                        p.ty(ret);
                    }
                    match &f.body {
                        Some(b) => p.block(b),
                        None => p.line("Native", item.span),
                    }
                })
            }
            ItemKind::Error => self.line(&format!("{head}ErrorItem"), item.span),
        }
    }

    fn params(&mut self, params: &[Param]) {
        for param in params {
            let docs = param
                .docs
                .as_ref()
                .map(|d| format!(" docs={d:?}"))
                .unwrap_or_default();
            self.node(
                &format!("Param {}{docs}", param.name.name),
                param.span,
                |p| {
                    p.ty(&param.ty);
                    p.opt_expr("default", param.default.as_ref());
                },
            );
        }
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        for f in fields {
            let docs = f
                .docs
                .as_ref()
                .map(|d| format!(" docs={d:?}"))
                .unwrap_or_default();
            self.node(&format!("Field {}{docs}", f.name.name), f.span, |p| {
                p.ty(&f.ty);
                p.opt_expr("default", f.default.as_ref());
            });
        }
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named { path, args } => {
                let path: Vec<_> = path.iter().map(|i| i.name.as_str()).collect();
                self.node(&format!("Type {}", path.join(".")), ty.span, |p| {
                    for a in args {
                        p.ty(a);
                    }
                });
            }
            TypeExprKind::Optional(inner) => self.node("Optional", ty.span, |p| p.ty(inner)),
            TypeExprKind::Record(fields) => self.node("RecordType", ty.span, |p| p.fields(fields)),
            TypeExprKind::Unit => self.line("Unit", ty.span),
            TypeExprKind::Error => self.line("ErrorType", ty.span),
        }
    }

    fn block(&mut self, block: &Block) {
        self.node("Block", block.span, |p| {
            for s in &block.stmts {
                p.stmt(s);
            }
        });
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Let { name, ty, value } => {
                self.node(&format!("Let {}", name.name), stmt.span, |p| {
                    if let Some(ty) = ty {
                        p.ty(ty);
                    }
                    p.expr(value);
                })
            }
            StmtKind::For {
                first,
                second,
                iter,
                body,
            } => {
                let names = match second {
                    Some(s) => format!("{}, {}", first.name, s.name),
                    None => first.name.clone(),
                };
                self.node(&format!("For {names}"), stmt.span, |p| {
                    p.expr(iter);
                    p.block(body);
                });
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Error => self.line("ErrorStmt", stmt.span),
        }
    }

    fn opt_expr(&mut self, label: &str, e: Option<&Expr>) {
        if let Some(e) = e {
            self.node(label, e.span, |p| p.expr(e));
        }
    }

    fn args(&mut self, label: &str, args: &[Arg]) {
        for a in args {
            let head = match &a.name {
                Some(n) => format!("{label} {}:", n.name),
                None => label.to_string(),
            };
            self.node(&head, a.value.span, |p| p.expr(&a.value));
        }
    }

    fn parts(&mut self, parts: &[StrPart]) {
        for part in parts {
            match part {
                StrPart::Text(t, span) => self.line(&format!("Text {t:?}"), *span),
                StrPart::Interp { expr, format, span } => {
                    let fmt = format
                        .as_ref()
                        .map(|f| format!(" :{f}"))
                        .unwrap_or_default();
                    self.node(&format!("Interp{fmt}"), *span, |p| p.expr(expr));
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        let s = e.span;
        match &e.kind {
            ExprKind::Int(v) => self.line(&format!("Int {v}"), s),
            ExprKind::Float(f) => self.line(&format!("Float {}", f.value()), s),
            ExprKind::Bool(b) => self.line(&format!("Bool {b}"), s),
            ExprKind::None => self.line("None", s),
            ExprKind::Str(parts) => self.node("Str", s, |p| p.parts(parts)),
            ExprKind::Sh(parts) => self.node("Sh", s, |p| p.parts(parts)),
            ExprKind::Name(n) => self.line(&format!("Name {}", n.name), s),
            ExprKind::List(items) => self.node("List", s, |p| {
                for i in items {
                    p.expr(i);
                }
            }),
            ExprKind::Comprehension(c) => {
                let names = match &c.second {
                    Some(second) => format!("{}, {}", c.first.name, second.name),
                    None => c.first.name.clone(),
                };
                self.node(&format!("Comprehension {names}"), s, |p| {
                    p.expr(&c.elem);
                    p.expr(&c.iter);
                    if let Some(cond) = &c.cond {
                        p.expr(cond);
                    }
                });
            }
            ExprKind::Record(fields) => self.node("Record", s, |p| {
                for f in fields {
                    p.node(&format!("{}:", f.name.name), f.name.span, |p| {
                        p.expr(&f.value)
                    });
                }
            }),
            ExprKind::Map(entries) => self.node("Map", s, |p| {
                for en in entries {
                    p.node("Entry", en.key.span.to(en.value.span), |p| {
                        p.expr(&en.key);
                        p.expr(&en.value);
                    });
                }
            }),
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                let dot = if *optional { "?." } else { "." };
                self.node(&format!("Field {dot}{}", name.name), s, |p| p.expr(base));
            }
            ExprKind::Index { base, index } => self.node("Index", s, |p| {
                p.expr(base);
                p.expr(index);
            }),
            ExprKind::Call { callee, args } => self.node("Call", s, |p| {
                p.expr(callee);
                p.args("Arg", args);
            }),
            ExprKind::Unary { op, operand } => {
                let op = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "not",
                };
                self.node(&format!("Unary {op}"), s, |p| p.expr(operand));
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.node(&format!("Binary {}", op.as_str()), s, |p| {
                    p.expr(lhs);
                    p.expr(rhs);
                })
            }
            ExprKind::If { cond, then, else_ } => self.node("If", s, |p| {
                p.expr(cond);
                p.block(then);
                if let Some(e) = else_ {
                    p.node("Else", e.span, |p| p.expr(e));
                }
            }),
            ExprKind::Match { scrutinee, arms } => self.node("Match", s, |p| {
                p.expr(scrutinee);
                for arm in arms {
                    p.node("Arm", arm.span, |p| {
                        for pat in &arm.patterns {
                            p.pattern(pat);
                        }
                        p.expr(&arm.body);
                    });
                }
            }),
            ExprKind::Block(b) => self.block(b),
            ExprKind::Fail(e) => self.node("Fail", s, |p| p.expr(e)),
            ExprKind::Return(e) => self.node("Return", s, |p| {
                if let Some(e) = e {
                    p.expr(e);
                }
            }),
            ExprKind::Error => self.line("ErrorExpr", s),
        }
    }

    fn pattern(&mut self, pat: &Pattern) {
        let text = match &pat.kind {
            PatternKind::Wildcard => "Pat _".to_string(),
            PatternKind::Path(path) => {
                let path: Vec<_> = path.iter().map(|i| i.name.as_str()).collect();
                format!("Pat {}", path.join("."))
            }
            PatternKind::Int(v) => format!("Pat {v}"),
            PatternKind::Str(t) => format!("Pat {t:?}"),
            PatternKind::Bool(b) => format!("Pat {b}"),
            PatternKind::None => "Pat none".to_string(),
            PatternKind::Error => "Pat error".to_string(),
        };
        self.line(&text, pat.span);
    }
}
