//! Completion. The text is checked again with a placeholder name at the
//! cursor ([`Semantics::complete`]), so that an unfinished `facts.` or
//! `files.dir` still yields a tree; the site of the placeholder says what
//! is wanted (a fact, a module member, a field, a type, a group...).

use std::collections::BTreeMap;

use infrac_compiler::def::{Def, Site};
use infrac_compiler::semantics::Completion;
use infrac_compiler::ty::Ty;
use infrac_compiler::{Database, ItemId, ItemTag, Semantics, SourceFile};
use infrac_syntax::ast::{self, Arg, Expr, ExprKind};
use infrac_syntax::visit::{Visitor, walk_expr};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};

use crate::state::Snapshot;

/// Inserted at the cursor before parsing; no user name looks like it.
const PLACEHOLDER: &str = "__infrac_cursor";

const ITEM_KEYWORDS: &[&str] = &[
    "use", "pub", "type", "enum", "group", "param", "stage", "fact", "op", "fn",
];
const BODY_KEYWORDS: &[&str] = &[
    "let", "if", "else", "for", "in", "match", "fail", "return", "and", "or", "not", "true",
    "false", "none",
];
const BUILTIN_TYPES: &[&str] = &[
    "int", "float", "bool", "str", "secret", "cmd", "list", "map", "Host",
];

/// The text with a placeholder name at `offset`, parsed and checked.
pub struct Speculation {
    pub ast: ast::SourceFile,
    pub check: Option<Completion>,
}

/// Parses and checks the snapshot's text with a placeholder at `offset`.
/// An unfinished `if x.` does not parse; with an empty block after the
/// placeholder it does, so that is tried second.
pub fn speculate(snap: &Snapshot, offset: u32) -> Option<Speculation> {
    let before = snap.text.get(..offset as usize)?;
    let after = snap.text.get(offset as usize..).unwrap_or("");
    let sema = Semantics::new(&snap.db);
    let mut first = None;
    for text in [
        format!("{before}{PLACEHOLDER}{after}"),
        format!("{before}{PLACEHOLDER} {{}}{after}"),
    ] {
        let ast = infrac_syntax::parse(&text).file;
        let check = sema.complete(snap.file, &ast, offset);
        if check.as_ref().is_some_and(|c| c.site.is_some()) {
            return Some(Speculation { ast, check });
        }
        first.get_or_insert(Speculation { ast, check });
    }
    first
}

/// Completion items at `offset`, in a stable order (by sort key, then
/// label).
pub fn complete(snap: &Snapshot, offset: u32) -> Vec<CompletionItem> {
    let Some(spec) = speculate(snap, offset) else {
        return Vec::new();
    };
    let before = snap.text.get(..offset as usize).unwrap_or("");
    let cx = Cx {
        db: &snap.db,
        sema: Semantics::new(&snap.db),
        file: snap.file,
        spec: &spec,
        offset,
    };
    let mut out = Items::default();
    let site = spec.check.as_ref().and_then(|c| c.site);
    match site {
        Some(Site::Fact) => cx.facts(&mut out),
        Some(Site::Member(module)) => cx.members(module, &mut out),
        Some(Site::Variant(enum_)) => cx.variants(enum_, &mut out),
        Some(Site::Field) => {
            if let Some(ty) = spec.check.as_ref().and_then(|c| c.receiver.as_ref()) {
                cx.fields(ty, &mut out);
            }
        }
        Some(Site::NamedArg) => cx.call_arguments(&mut out),
        Some(Site::Type(qualifier)) => cx.types(qualifier, &mut out),
        Some(Site::Group) => cx.groups(&mut out),
        Some(Site::Handler) => cx.handlers(&mut out),
        Some(Site::Value) => {
            cx.call_arguments(&mut out);
            cx.expression_names(&mut out);
        }
        // Naming something new (a `let`, an item, a field): nothing to offer.
        Some(Site::Decl) => {}
        Some(Site::Use) | None if use_std_before(before) => cx.std_modules(&mut out),
        Some(Site::Use) => {}
        None if stage_targets_before(before) => cx.groups(&mut out),
        None if item_at(&spec.ast, offset)
            .is_none_or(|it| matches!(it.kind, ast::ItemKind::Error)) =>
        {
            out.keywords(ITEM_KEYWORDS)
        }
        None => {}
    }
    out.finish()
}

fn item_at(file: &ast::SourceFile, offset: u32) -> Option<&ast::Item> {
    file.items
        .iter()
        .find(|it| it.span.start <= offset && offset <= it.span.end)
}

/// `use std::|` or `use std::{a, |`, also over several lines: the cursor
/// names a standard-library module.
fn use_std_before(before: &str) -> bool {
    let Some(at) = before.rfind("use ") else {
        return false;
    };
    let line_start = before[..at].rfind('\n').map_or(0, |i| i + 1);
    if !before[line_start..at].trim().is_empty() {
        return false;
    }
    let rest = before[at + 4..].trim_start();
    let open_list = rest.starts_with("std::{") && !rest.contains('}');
    rest.starts_with("std::") && (open_list || !rest.contains('\n'))
}

/// `stage NAME on a, |`: the cursor is in a stage's target list (the
/// header may not parse yet).
fn stage_targets_before(before: &str) -> bool {
    let line = before.rsplit('\n').next().unwrap_or("");
    let Some(rest) = line.trim_start().strip_prefix("stage ") else {
        return false;
    };
    let mut words = rest.split_whitespace();
    words.next().is_some()
        && words.next() == Some("on")
        && !rest.contains(['{', '('])
        && !rest.contains("->")
}

/// Items keyed by (sort group, label), so duplicates collapse and the
/// order is stable.
#[derive(Default)]
struct Items(BTreeMap<(u8, String), CompletionItem>);

/// Sort groups: what is closest to the cursor first.
const ARGUMENT: u8 = 0;
const LOCAL: u8 = 1;
const FILE: u8 = 2;
const GLOBAL: u8 = 3;
const KEYWORD: u8 = 4;

impl Items {
    fn add(
        &mut self,
        group: u8,
        label: &str,
        kind: CompletionItemKind,
        detail: Option<String>,
        docs: Option<String>,
    ) {
        let item = CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail,
            documentation: docs.map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            sort_text: Some(format!("{group}{label}")),
            ..Default::default()
        };
        self.0.entry((group, label.to_string())).or_insert(item);
    }

    fn keywords(&mut self, words: &[&str]) {
        for w in words {
            self.add(KEYWORD, w, CompletionItemKind::KEYWORD, None, None);
        }
    }

    fn finish(self) -> Vec<CompletionItem> {
        self.0.into_values().collect()
    }
}

struct Cx<'a> {
    db: &'a Database,
    sema: Semantics<'a>,
    file: SourceFile,
    spec: &'a Speculation,
    offset: u32,
}

fn item_kind(tag: ItemTag) -> CompletionItemKind {
    match tag {
        ItemTag::Type => CompletionItemKind::STRUCT,
        ItemTag::Enum => CompletionItemKind::ENUM,
        ItemTag::Param => CompletionItemKind::CONSTANT,
        ItemTag::Group => CompletionItemKind::MODULE,
        ItemTag::Stage => CompletionItemKind::EVENT,
        ItemTag::Fact => CompletionItemKind::PROPERTY,
        ItemTag::Op | ItemTag::Fn => CompletionItemKind::FUNCTION,
    }
}

impl Cx<'_> {
    fn add_item(&self, out: &mut Items, group: u8, id: ItemId) {
        let detail = self.sema.summary(id);
        let docs = self.sema.docs(&Def::Item(id));
        out.add(
            group,
            id.name(self.db),
            item_kind(id.tag(self.db)),
            detail,
            docs,
        );
    }

    /// After `facts.`: every fact visible from the file.
    fn facts(&self, out: &mut Items) {
        for id in self.sema.visible_facts(self.file) {
            let def = Def::Item(id);
            let sig = self.sema.signature(&def);
            let name = id.name(self.db);
            let (detail, kind) = match &sig {
                Some(sig) => {
                    let params: Vec<String> = sig
                        .params
                        .iter()
                        .map(|p| format!("{}: {}", p.name, p.ty))
                        .collect();
                    let ret = sig.ret.clone().unwrap_or_default();
                    let detail = format!("facts.{name}({}): {ret}", params.join(", "));
                    (detail, CompletionItemKind::FUNCTION)
                }
                None => {
                    let ret = self.sema.fact_type(id).unwrap_or(Ty::Unknown);
                    (format!("facts.{name}: {ret}"), CompletionItemKind::PROPERTY)
                }
            };
            out.add(GLOBAL, name, kind, Some(detail), self.sema.docs(&def));
        }
    }

    /// After `module.`: its public items.
    fn members(&self, module: SourceFile, out: &mut Items) {
        for id in self.sema.module_members(module) {
            self.add_item(out, GLOBAL, id);
        }
    }

    /// After `Enum.`: its variants.
    fn variants(&self, enum_: ItemId, out: &mut Items) {
        let enum_name = enum_.name(self.db);
        for (name, def) in self.sema.variants(enum_) {
            out.add(
                GLOBAL,
                &name,
                CompletionItemKind::ENUM_MEMBER,
                Some(format!("{enum_name}.{name}")),
                self.sema.docs(&def),
            );
        }
    }

    /// After `value.`: the fields of its type, then its methods.
    fn fields(&self, ty: &Ty, out: &mut Items) {
        for member in self.sema.members(ty) {
            let (group, kind) = if member.is_method {
                (FILE, CompletionItemKind::METHOD)
            } else {
                (LOCAL, CompletionItemKind::FIELD)
            };
            let docs = member.def.as_ref().and_then(|d| self.sema.docs(d));
            out.add(group, &member.name, kind, Some(member.detail), docs);
        }
    }

    /// `name:` items for the parameters of `callee`, except those already
    /// given.
    fn named_args(&self, callee: Option<&Def>, given: &[String], out: &mut Items) {
        let Some(sig) = callee.and_then(|c| self.sema.signature(c)) else {
            return;
        };
        let params = sig.params.iter().chain(&sig.named_only);
        for p in params.filter(|p| !given.contains(&p.name)) {
            let item = CompletionItem {
                label: format!("{}:", p.name),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(p.ty.to_string()),
                insert_text: Some(format!("{}: ", p.name)),
                insert_text_format: Some(InsertTextFormat::PLAIN_TEXT),
                sort_text: Some(format!("{ARGUMENT}{}", p.name)),
                ..Default::default()
            };
            out.0.entry((ARGUMENT, p.name.clone())).or_insert(item);
        }
    }

    /// Inside `f(...)` at an argument's start: `f`'s named parameters.
    fn call_arguments(&self, out: &mut Items) {
        let Some(item) = item_at(&self.spec.ast, self.offset) else {
            return;
        };
        let mut finder = OpenCall {
            offset: self.offset,
            innermost: None,
        };
        finder.visit_item(item);
        let Some((callee, args)) = finder.innermost else {
            return;
        };
        let given: Vec<String> = args
            .iter()
            .filter_map(|a| a.name.as_ref().map(|n| n.name.clone()))
            .collect();
        let name_span = match &callee.kind {
            ExprKind::Name(n) | ExprKind::Field { name: n, .. } => n.span,
            _ => return,
        };
        let def = self.spec.check.as_ref().and_then(|c| c.def_at(name_span));
        self.named_args(def, &given, out);
    }

    fn expression_names(&self, out: &mut Items) {
        let scope = self.spec.check.as_ref().map(|c| c.scope.as_slice());
        for local in scope.unwrap_or_default() {
            if local.name.contains(PLACEHOLDER) {
                continue;
            }
            out.0.remove(&(LOCAL, local.name.clone()));
            let detail = Some(local.ty.to_string());
            out.add(
                LOCAL,
                &local.name,
                CompletionItemKind::VARIABLE,
                detail,
                None,
            );
        }
        for id in self.sema.own_values(self.file) {
            self.add_item(out, FILE, id);
        }
        for id in self.sema.types_in_scope(self.file) {
            if id.tag(self.db) == ItemTag::Enum && id.file(self.db) == self.file {
                self.add_item(out, FILE, id);
            }
        }
        for alias in self.sema.module_aliases(self.file) {
            out.add(
                GLOBAL,
                &alias,
                CompletionItemKind::MODULE,
                Some(format!("module {alias}")),
                None,
            );
        }
        for id in self.sema.prelude_callables() {
            self.add_item(out, GLOBAL, id);
        }
        // A stage's `host` is in scope with its real type.
        let in_scope = |name: &str| scope.unwrap_or_default().iter().any(|l| l.name == name);
        for (name, sig, doc) in self.sema.builtins() {
            if name != "one" && !in_scope(name) {
                let docs = Some(doc.to_string());
                out.add(GLOBAL, name, CompletionItemKind::FUNCTION, Some(sig), docs);
            }
        }
        out.keywords(BODY_KEYWORDS);
    }

    /// After `notify:`: the file's ops and the modules (whose ops follow
    /// a `.`).
    fn handlers(&self, out: &mut Items) {
        for id in self.sema.own_values(self.file) {
            if id.tag(self.db) == ItemTag::Op {
                self.add_item(out, FILE, id);
            }
        }
        for alias in self.sema.module_aliases(self.file) {
            let detail = Some(format!("module {alias}"));
            out.add(GLOBAL, &alias, CompletionItemKind::MODULE, detail, None);
        }
    }

    fn types(&self, qualifier: Option<SourceFile>, out: &mut Items) {
        if let Some(module) = qualifier {
            for id in self.sema.module_types(module) {
                self.add_item(out, GLOBAL, id);
            }
            return;
        }
        for t in BUILTIN_TYPES {
            out.add(GLOBAL, t, CompletionItemKind::STRUCT, None, None);
        }
        for id in self.sema.types_in_scope(self.file) {
            let group = if id.file(self.db) == self.file {
                FILE
            } else {
                GLOBAL
            };
            self.add_item(out, group, id);
        }
        for alias in self.sema.module_aliases(self.file) {
            out.add(GLOBAL, &alias, CompletionItemKind::MODULE, None, None);
        }
    }

    fn groups(&self, out: &mut Items) {
        for id in self.sema.own_values(self.file) {
            if id.tag(self.db) == ItemTag::Group {
                self.add_item(out, FILE, id);
            }
        }
        out.keywords(&["one"]);
    }

    /// After `use std::`: the standard-library modules.
    fn std_modules(&self, out: &mut Items) {
        for (name, file) in self.sema.std_modules() {
            if name != "prelude" {
                let docs = module_docs(file.text(self.db).as_deref().unwrap_or(""));
                out.add(
                    GLOBAL,
                    &name,
                    CompletionItemKind::MODULE,
                    Some(format!("std::{name}")),
                    docs,
                );
            }
        }
    }
}

/// Finds the innermost call whose arguments hold the placeholder (as an
/// argument or an argument's name).
struct OpenCall<'a> {
    offset: u32,
    innermost: Option<(&'a Expr, &'a [Arg])>,
}

impl<'a> Visitor<'a> for OpenCall<'a> {
    fn visit_expr(&mut self, e: &'a Expr) {
        if let ExprKind::Call { callee, args } = &e.kind {
            let inside = callee.span.end < self.offset && self.offset < e.span.end;
            // `f(x, |)`, or naming an argument: `f(x, |: 1)`.
            let at_arg_start = args.iter().any(|a| match &a.name {
                None => is_placeholder(&a.value, self.offset),
                Some(name) => name.name.contains(PLACEHOLDER),
            });
            if inside && at_arg_start {
                self.innermost = Some((callee, args));
            }
        }
        walk_expr(self, e);
    }
}

fn is_placeholder(e: &ast::Expr, offset: u32) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if n.name.contains(PLACEHOLDER) && n.span.start <= offset && offset <= n.span.end)
}

/// The `//!` lines at the top of a module.
pub fn module_docs(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .map_while(|l| l.trim_start().strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_std_position() {
        assert!(use_std_before("use std::"));
        assert!(use_std_before("x\nuse std::{files, "));
        assert!(use_std_before("use std::{\n  files,\n  a"));
        assert!(!use_std_before("use std::files\nstage s on g { "));
        assert!(!use_std_before("fn f() { x.use std::"));
    }

    #[test]
    fn stage_target_position() {
        assert!(stage_targets_before("stage deploy on "));
        assert!(stage_targets_before("x\nstage deploy on web, "));
        assert!(!stage_targets_before("stage deploy on web {"));
        assert!(!stage_targets_before("stage deploy "));
    }
}
