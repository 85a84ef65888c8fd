//! Every name written in a file, classified by what the syntax and the
//! local scopes say it is. Definition, references, rename, hover and
//! semantic tokens start from here; what a global name means is resolved
//! afterwards through the compiler's scopes (see [`super::resolve`]).

use infrac_syntax::Span;
use infrac_syntax::ast::*;

/// What kind of local binding a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    /// A parameter of a fn, op or fact.
    Param,
    /// `let x = ...`
    Let,
    /// `for x in ...`
    For,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OccKind {
    /// The name of a top-level item where it is declared.
    ItemDecl,
    /// A field of a record type where it is declared.
    FieldDecl,
    /// A variant of an enum where it is declared.
    VariantDecl,
    /// Where a local is bound; `item` is the index of the enclosing item.
    LocalDecl { kind: LocalKind },
    /// A use of a local; `def` is the span of its binding.
    LocalRef { def: Span, kind: LocalKind },
    /// A name not bound locally: an item, a module, a prelude or built-in
    /// name, `host`.
    GlobalRef,
    /// `NAME` in `facts.NAME`.
    FactRef,
    /// `NAME` in `module.NAME`, where `module` is not a local (it may also
    /// be an enum: `Tier.frontend`).
    MemberRef { module: String },
    /// `NAME` in `expr.NAME` for any other `expr` (record fields, methods).
    FieldRef { base: Span },
    /// `NAME` in `callee(NAME: value)`; `callee` is the callee's dotted path
    /// when it is one (`["files", "directory"]`, `["shell"]`).
    NamedArg { callee: Vec<String> },
    /// A type name; `qualifier` for `module.Type`.
    TypeRef { qualifier: Option<String> },
    /// A group named in a stage's targets.
    GroupRef,
    /// A module named in a `use` (`path` is the full path, e.g. `std::files`).
    UseModule { path: Vec<String> },
    /// `variant` in a match pattern `Enum.variant`; `qualifier` is the enum.
    PatternVariant { qualifier: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub name: String,
    pub span: Span,
    pub kind: OccKind,
    /// Index of the enclosing item in the file's item list.
    pub item: usize,
}

/// Every occurrence of a name in `file`, in source order.
pub fn collect(file: &SourceFile) -> Vec<Occurrence> {
    let mut w = Walker::default();
    for (i, item) in file.items.iter().enumerate() {
        w.item = i;
        w.scopes.clear();
        w.item(item);
    }
    w.out.sort_by_key(|o| (o.span.start, o.span.end));
    w.out
}

/// The occurrence whose name covers `offset` (the end of a name counts, so
/// that a cursor right after a word finds it).
pub fn at(occurrences: &[Occurrence], offset: u32) -> Option<&Occurrence> {
    occurrences
        .iter()
        .find(|o| o.span.start <= offset && offset <= o.span.end)
}

/// A local binding: name, span of the binding, kind.
pub type Local = (String, Span, LocalKind);

/// The locals visible at `offset` in `file`, innermost last (so later
/// entries shadow earlier ones).
pub fn locals_at(file: &SourceFile, offset: u32) -> Vec<Local> {
    let Some((i, item)) = file
        .items
        .iter()
        .enumerate()
        .find(|(_, it)| it.span.start <= offset && offset <= it.span.end)
    else {
        return Vec::new();
    };
    let mut w = Walker {
        item: i,
        cursor: Some(offset),
        ..Walker::default()
    };
    w.item(item);
    w.visible.unwrap_or_default()
}

#[derive(Default)]
struct Walker {
    out: Vec<Occurrence>,
    scopes: Vec<Vec<Local>>,
    item: usize,
    /// For [`locals_at`]: the offset whose scope is wanted, and the scope
    /// seen there (the innermost place that contains the cursor wins).
    cursor: Option<u32>,
    visible: Option<Vec<Local>>,
}

impl Walker {
    fn push(&mut self, ident: &Ident, kind: OccKind) {
        self.out.push(Occurrence {
            name: ident.name.clone(),
            span: ident.span,
            kind,
            item: self.item,
        });
    }

    fn bind(&mut self, ident: &Ident, kind: LocalKind) {
        self.push(ident, OccKind::LocalDecl { kind });
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((ident.name.clone(), ident.span, kind));
        }
    }

    /// Records the current scopes as the cursor's, once.
    fn capture(&mut self) {
        if self.cursor.is_some() && self.visible.is_none() {
            self.visible = Some(self.scopes.iter().flatten().cloned().collect());
        }
    }

    fn contains_cursor(&self, span: Span) -> bool {
        self.cursor
            .is_some_and(|c| span.start <= c && c <= span.end)
    }

    fn lookup(&self, name: &str) -> Option<(Span, LocalKind)> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _, _)| n == name)
            .map(|(_, span, kind)| (*span, *kind))
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Use(u) => {
                let prefix: Vec<String> = u.prefix.iter().map(|i| i.name.clone()).collect();
                for name in &u.names {
                    let mut path = prefix.clone();
                    path.push(name.name.name.clone());
                    self.push(&name.name, OccKind::UseModule { path: path.clone() });
                    if let Some(alias) = &name.alias {
                        self.push(alias, OccKind::UseModule { path });
                    }
                }
            }
            ItemKind::Type(t) => {
                self.push(&t.name, OccKind::ItemDecl);
                match &t.body {
                    TypeDeclBody::Record(fields) => self.field_decls(fields),
                    TypeDeclBody::Alias(ty) => self.ty(ty),
                }
            }
            ItemKind::Enum(e) => {
                self.push(&e.name, OccKind::ItemDecl);
                for v in &e.variants {
                    self.push(&v.name, OccKind::VariantDecl);
                }
            }
            ItemKind::Param(p) => {
                self.push(&p.name, OccKind::ItemDecl);
                self.ty(&p.ty);
                if let Some(d) = &p.default {
                    self.expr(d);
                }
            }
            ItemKind::Group(g) => {
                self.push(&g.name, OccKind::ItemDecl);
                if let Some(t) = &g.data_ty {
                    self.ty(t);
                }
                self.expr(&g.hosts);
            }
            ItemKind::Stage(s) => {
                self.push(&s.name, OccKind::ItemDecl);
                for t in &s.targets {
                    match t {
                        StageTarget::Group(g) | StageTarget::One(g, _) => {
                            self.push(g, OccKind::GroupRef)
                        }
                    }
                }
                for o in &s.options {
                    self.expr(&o.value);
                }
                if let Some(t) = &s.ret {
                    self.ty(t);
                }
                self.block(&s.body);
            }
            ItemKind::Fact(f) => {
                self.push(&f.name, OccKind::ItemDecl);
                self.scopes.push(Vec::new());
                if let Some(params) = &f.params {
                    self.params(params);
                }
                self.ty(&f.ret);
                if let Some(b) = &f.body {
                    self.block(b);
                }
                self.scopes.pop();
            }
            ItemKind::Op(o) => {
                self.push(&o.name, OccKind::ItemDecl);
                self.scopes.push(Vec::new());
                self.params(&o.params);
                if let Some(Changes::Facts(facts)) = &o.changes {
                    for f in facts {
                        self.expr(f);
                    }
                }
                self.block(&o.body);
                self.scopes.pop();
            }
            ItemKind::Fn(f) => {
                self.push(&f.name, OccKind::ItemDecl);
                self.scopes.push(Vec::new());
                self.params(&f.params);
                if let Some(t) = &f.ret {
                    self.ty(t);
                }
                if let Some(b) = &f.body {
                    self.block(b);
                }
                self.scopes.pop();
            }
            ItemKind::Error => {}
        }
    }

    fn params(&mut self, params: &[Param]) {
        for p in params {
            self.ty(&p.ty);
            if let Some(d) = &p.default {
                self.expr(d);
            }
            self.bind(&p.name, LocalKind::Param);
        }
    }

    fn field_decls(&mut self, fields: &[FieldDecl]) {
        for f in fields {
            self.push(&f.name, OccKind::FieldDecl);
            self.ty(&f.ty);
            if let Some(d) = &f.default {
                self.expr(d);
            }
        }
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named { path, args } => {
                if let Some((last, qualifier)) = path.split_last() {
                    if let Some(q) = qualifier.first() {
                        self.push(q, OccKind::GlobalRef);
                    }
                    let qualifier = qualifier.last().map(|q| q.name.clone());
                    self.push(last, OccKind::TypeRef { qualifier });
                }
                for a in args {
                    self.ty(a);
                }
            }
            TypeExprKind::Optional(inner) => self.ty(inner),
            TypeExprKind::Record(fields) => self.field_decls(fields),
            TypeExprKind::Unit | TypeExprKind::Error => {}
        }
    }

    fn block(&mut self, block: &Block) {
        self.scopes.push(Vec::new());
        for stmt in &block.stmts {
            if self.cursor.is_some_and(|c| c < stmt.span.start) {
                self.capture();
            }
            let inside = self.contains_cursor(stmt.span);
            match &stmt.kind {
                StmtKind::Let { name, ty, value } => {
                    if let Some(t) = ty {
                        self.ty(t);
                    }
                    self.expr(value);
                    // A `let` is not visible in its own value.
                    if inside {
                        self.capture();
                    }
                    self.bind(name, LocalKind::Let);
                }
                StmtKind::For {
                    first,
                    second,
                    iter,
                    body,
                } => {
                    self.expr(iter);
                    self.scopes.push(Vec::new());
                    self.bind(first, LocalKind::For);
                    if let Some(s) = second {
                        self.bind(s, LocalKind::For);
                    }
                    self.block(body);
                    self.scopes.pop();
                }
                StmtKind::Expr(e) => self.expr(e),
                StmtKind::Error => {}
            }
            if inside {
                self.capture();
            }
        }
        if self.contains_cursor(block.span) {
            self.capture();
        }
        self.scopes.pop();
    }

    fn name_ref(&mut self, ident: &Ident) {
        let kind = match self.lookup(&ident.name) {
            Some((def, kind)) => OccKind::LocalRef { def, kind },
            None => OccKind::GlobalRef,
        };
        self.push(ident, kind);
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Error => {}
            ExprKind::Str(parts) | ExprKind::Sh(parts) => self.str_parts(parts),
            ExprKind::Name(ident) => self.name_ref(ident),
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::Record(fields) => fields.iter().for_each(|f| self.expr(&f.value)),
            ExprKind::Map(entries) => {
                for entry in entries {
                    self.expr(&entry.key);
                    self.expr(&entry.value);
                }
            }
            ExprKind::Field { base, name, .. } => {
                self.expr(base);
                let kind = match &base.kind {
                    ExprKind::Name(b) if self.lookup(&b.name).is_none() && b.name == "facts" => {
                        OccKind::FactRef
                    }
                    ExprKind::Name(b) if self.lookup(&b.name).is_none() => OccKind::MemberRef {
                        module: b.name.clone(),
                    },
                    _ => OccKind::FieldRef { base: base.span },
                };
                self.push(name, kind);
            }
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                let path = dotted_path(callee);
                for arg in args {
                    if let Some(name) = &arg.name {
                        self.push(
                            name,
                            OccKind::NamedArg {
                                callee: path.clone(),
                            },
                        );
                    }
                    self.expr(&arg.value);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::If { cond, then, else_ } => {
                self.expr(cond);
                self.block(then);
                if let Some(e) = else_ {
                    self.expr(e);
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    for p in &arm.patterns {
                        self.pattern(p);
                    }
                    self.expr(&arm.body);
                }
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::Fail(e) => self.expr(e),
            ExprKind::Return(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
        }
    }

    fn str_parts(&mut self, parts: &[StrPart]) {
        for part in parts {
            if let StrPart::Interp { expr, .. } = part {
                self.expr(expr);
            }
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        if let PatternKind::Path(path) = &p.kind
            && let Some((last, qualifier)) = path.split_last()
        {
            for q in qualifier {
                self.push(q, OccKind::GlobalRef);
            }
            match qualifier.last() {
                Some(q) => self.push(
                    last,
                    OccKind::PatternVariant {
                        qualifier: q.name.clone(),
                    },
                ),
                None => self.push(last, OccKind::GlobalRef),
            }
        }
    }
}

/// `["files", "directory"]` for `files.directory`, `["shell"]` for `shell`.
pub fn dotted_path(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::Name(i) => vec![i.name.clone()],
        ExprKind::Field { base, name, .. } => {
            let mut p = dotted_path(base);
            if !p.is_empty() {
                p.push(name.name.clone());
            }
            p
        }
        _ => Vec::new(),
    }
}
