//! Completion. The text is parsed again with a placeholder name at the
//! cursor, so that an unfinished `facts.` or `files.dir` still yields a
//! tree; the occurrence that holds the placeholder says what is wanted
//! (a fact, a module member, a field, a type, a group...).

use std::collections::BTreeMap;

use infrac_compiler::items::{ItemId, ItemTag};
use infrac_compiler::modules::imports;
use infrac_compiler::scope::{
    find_fact, find_module, find_type, is_pub, module_scope, prelude_files, visible_fact_names,
};
use infrac_compiler::sigs::{callable_sig, fact_sig, record_fields};
use infrac_compiler::ty::Ty;
use infrac_compiler::{Database, Db, SourceFile};
use infrac_syntax::ast::{self, ExprKind};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};

use super::builtins;
use super::hover::signature_line;
use super::occurrences::{self, OccKind, dotted_path};
use super::resolve::{self, Def};
use super::types::Typer;
use super::visit::{Node, item_at, walk_item};
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

/// Completion items at `offset`, in a stable order (by sort key, then
/// label).
pub fn complete(snap: &Snapshot, offset: u32) -> Vec<CompletionItem> {
    let Some(before) = snap.text.get(..offset as usize) else {
        return Vec::new();
    };
    let after = snap.text.get(offset as usize..).unwrap_or("");
    // An unfinished `if x.` does not parse; with an empty block after the
    // placeholder it does.
    let attempts = [
        format!("{before}{PLACEHOLDER}{after}"),
        format!("{before}{PLACEHOLDER} {{}}{after}"),
    ];
    let mut parsed = infrac_syntax::parse(&attempts[0]);
    let mut occs = occurrences::collect(&parsed.file);
    let mut here = placeholder_occurrence(&occs, offset);
    if here.is_none() {
        let retry = infrac_syntax::parse(&attempts[1]);
        let retry_occs = occurrences::collect(&retry.file);
        if let Some(i) = placeholder_occurrence(&retry_occs, offset) {
            (parsed, occs, here) = (retry, retry_occs, Some(i));
        }
    }
    let cx = Cx {
        db: &snap.db,
        file: snap.file,
        ast: &parsed.file,
        offset,
    };
    let mut out = Items::default();
    match here.map(|i| (i, &occs[i].kind)) {
        Some((_, OccKind::FactRef)) => cx.facts(&mut out),
        Some((i, OccKind::MemberRef { module })) if !cx.members(module, &mut out) => {
            // Not a module nor an enum: a value such as `host`.
            let base = occs[..i]
                .iter()
                .rev()
                .find(|o| o.name == *module)
                .map(|o| o.span);
            if let Some(ty) = base.and_then(|b| Typer::with_ast(cx.db, cx.file, cx.ast).type_at(b))
            {
                cx.fields(&ty, &mut out);
            }
        }
        Some((_, OccKind::FieldRef { base })) => {
            if let Some(ty) = Typer::with_ast(cx.db, cx.file, cx.ast).type_at(*base) {
                cx.fields(&ty, &mut out);
            }
        }
        Some((_, OccKind::NamedArg { callee })) => cx.named_args(callee, &[], &mut out),
        Some((_, OccKind::TypeRef { qualifier })) => cx.types(qualifier.as_deref(), &mut out),
        Some((_, OccKind::GroupRef)) => cx.groups(&mut out),
        Some((_, OccKind::UseModule { path })) => cx.std_modules(path, &mut out),
        Some((_, OccKind::GlobalRef | OccKind::LocalRef { .. })) => {
            cx.call_arguments(&mut out);
            cx.expression_names(&mut out);
        }
        // Naming something new (a `let`, an item, a field): nothing to offer.
        Some(_) => {}
        None if stage_targets_before(before) => cx.groups(&mut out),
        None if item_at(&parsed.file, offset)
            .is_none_or(|(_, it)| matches!(it.kind, ast::ItemKind::Error)) =>
        {
            out.keywords(ITEM_KEYWORDS)
        }
        None => {}
    }
    out.finish()
}

fn placeholder_occurrence(occs: &[occurrences::Occurrence], offset: u32) -> Option<usize> {
    occs.iter()
        .position(|o| o.span.start <= offset && offset < o.span.end && o.name.contains(PLACEHOLDER))
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
    file: SourceFile,
    ast: &'a ast::SourceFile,
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
        let detail = signature_line(self.db, id);
        let docs = resolve::docs(self.db, &Def::Item(id));
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
        for name in visible_fact_names(self.db, self.file) {
            let Some(id) = find_fact(self.db, self.file, &name) else {
                continue;
            };
            let detail = fact_sig(self.db, id).map(|sig| match &sig.params {
                Some(params) => {
                    let params: Vec<String> = params
                        .iter()
                        .map(|p| format!("{}: {}", p.name, p.ty))
                        .collect();
                    format!("facts.{name}({}): {}", params.join(", "), sig.ret)
                }
                None => format!("facts.{name}: {}", sig.ret),
            });
            let kind = match fact_sig(self.db, id).and_then(|s| s.params.as_ref()) {
                Some(_) => CompletionItemKind::FUNCTION,
                None => CompletionItemKind::PROPERTY,
            };
            out.add(
                GLOBAL,
                &name,
                kind,
                detail,
                resolve::docs(self.db, &Def::Item(id)),
            );
        }
    }

    /// After `module.`: its public items; after `Enum.`: its variants.
    /// False when `name` is neither.
    fn members(&self, name: &str, out: &mut Items) -> bool {
        if let Some(Some(module)) = find_module(self.db, self.file, name) {
            let scope = module_scope(self.db, module);
            for id in scope.values.values().chain(scope.types.values()) {
                if is_pub(self.db, *id) {
                    self.add_item(out, GLOBAL, *id);
                }
            }
            return true;
        }
        let Some(id) =
            find_type(self.db, self.file, name).filter(|id| id.tag(self.db) == ItemTag::Enum)
        else {
            return false;
        };
        let enum_ = infrac_compiler::ty::TypeRef {
            file: id.file(self.db),
            name: name.to_string(),
        };
        for variant in infrac_compiler::sigs::enum_variants(self.db, &enum_).unwrap_or_default() {
            let def = Def::Variant {
                enum_: enum_.clone(),
                name: variant.clone(),
            };
            let docs = resolve::docs(self.db, &def);
            out.add(
                GLOBAL,
                variant,
                CompletionItemKind::ENUM_MEMBER,
                Some(format!("{name}.{variant}")),
                docs,
            );
        }
        true
    }

    /// After `value.`: the fields of its type, then its methods.
    fn fields(&self, ty: &Ty, out: &mut Items) {
        let ty = ty.strip_optional();
        match ty {
            Ty::Record(r) => {
                for field in record_fields(self.db, r).unwrap_or_default() {
                    let docs = resolve::docs(
                        self.db,
                        &Def::Field {
                            record: r.clone(),
                            name: field.name.clone(),
                        },
                    );
                    out.add(
                        LOCAL,
                        &field.name,
                        CompletionItemKind::FIELD,
                        Some(field.ty.to_string()),
                        docs,
                    );
                }
            }
            Ty::AnonRecord(fields) => {
                for (name, t) in fields {
                    out.add(
                        LOCAL,
                        name,
                        CompletionItemKind::FIELD,
                        Some(t.to_string()),
                        None,
                    );
                }
            }
            Ty::Host(data) => {
                out.add(
                    LOCAL,
                    "name",
                    CompletionItemKind::FIELD,
                    Some("str".into()),
                    Some("The host's name.".into()),
                );
                let data_docs = Some("The host's data, typed by its group.".into());
                out.add(
                    LOCAL,
                    "data",
                    CompletionItemKind::FIELD,
                    Some(data.to_string()),
                    data_docs,
                );
            }
            _ => {}
        }
        for (name, sig, doc) in builtins::methods(ty) {
            out.add(
                FILE,
                name,
                CompletionItemKind::METHOD,
                Some(sig.to_string()),
                Some(doc.to_string()),
            );
        }
    }

    /// `name:` items for the parameters of the callee at `callee`, except
    /// those already given.
    fn named_args(&self, callee: &[String], given: &[String], out: &mut Items) {
        let mut params: Vec<(String, String)> = Vec::new();
        match resolve::callee(self.db, self.file, callee) {
            Some(id) => {
                let sig = callable_sig(self.db, id).map(|s| s.params.clone());
                let sig = sig.or_else(|| fact_sig(self.db, id).and_then(|s| s.params.clone()));
                params.extend(
                    sig.unwrap_or_default()
                        .into_iter()
                        .map(|p| (p.name, p.ty.to_string())),
                );
                if id.tag(self.db) == ItemTag::Op {
                    params.push(("sudo".into(), "bool".into()));
                    params.push(("sudo_user".into(), "str".into()));
                }
            }
            None => {
                let Some(sig) = callee
                    .first()
                    .filter(|_| callee.len() == 1)
                    .and_then(|n| builtins::signature(n))
                else {
                    return;
                };
                params.extend(signature_params(sig));
            }
        }
        for (name, ty) in params.into_iter().filter(|(n, _)| !given.contains(n)) {
            let item = CompletionItem {
                label: format!("{name}:"),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(ty),
                insert_text: Some(format!("{name}: ")),
                insert_text_format: Some(InsertTextFormat::PLAIN_TEXT),
                sort_text: Some(format!("{ARGUMENT}{name}")),
                ..Default::default()
            };
            out.0.entry((ARGUMENT, name)).or_insert(item);
        }
    }

    /// Inside `f(...)` at an argument's start: `f`'s named parameters.
    fn call_arguments(&self, out: &mut Items) {
        let Some((_, item)) = item_at(self.ast, self.offset) else {
            return;
        };
        let mut innermost = None;
        walk_item(item, &mut |n| {
            if let Node::Expr(e) = n
                && let ExprKind::Call { callee, args } = &e.kind
            {
                let inside = callee.span.end < self.offset && self.offset < e.span.end;
                let at_arg_start = args
                    .iter()
                    .any(|a| a.name.is_none() && is_placeholder(&a.value, self.offset));
                if inside && at_arg_start {
                    innermost = Some((callee, args));
                }
            }
        });
        if let Some((callee, args)) = innermost {
            let given: Vec<String> = args
                .iter()
                .filter_map(|a| a.name.as_ref().map(|n| n.name.clone()))
                .collect();
            self.named_args(&dotted_path(callee), &given, out);
        }
    }

    fn expression_names(&self, out: &mut Items) {
        let typer = Typer::with_ast(self.db, self.file, self.ast);
        for (name, span, _) in occurrences::locals_at(self.ast, self.offset) {
            if name.contains(PLACEHOLDER) {
                continue;
            }
            let ty = typer.binding_type(span).map(|t| t.to_string());
            out.0.remove(&(LOCAL, name.clone()));
            out.add(LOCAL, &name, CompletionItemKind::VARIABLE, ty, None);
        }
        let scope = module_scope(self.db, self.file);
        for id in scope.values.values() {
            self.add_item(out, FILE, *id);
        }
        for id in scope
            .types
            .values()
            .filter(|id| id.tag(self.db) == ItemTag::Enum)
        {
            self.add_item(out, FILE, *id);
        }
        for alias in imports(self.db, self.file).by_alias.keys() {
            out.add(
                GLOBAL,
                alias,
                CompletionItemKind::MODULE,
                Some(format!("module {alias}")),
                None,
            );
        }
        if let Some(id) = infrac_compiler::scope::find_callable(self.db, self.file, "shell") {
            self.add_item(out, GLOBAL, id);
        }
        for (name, sig, doc) in builtins::FUNCTIONS.iter().filter(|(n, ..)| *n != "one") {
            out.add(
                GLOBAL,
                name,
                CompletionItemKind::FUNCTION,
                Some(sig.to_string()),
                Some(doc.to_string()),
            );
        }
        out.keywords(BODY_KEYWORDS);
    }

    /// The public types of `module`.
    fn pub_types(&self, module: SourceFile, out: &mut Items) {
        for id in module_scope(self.db, module)
            .types
            .values()
            .filter(|id| is_pub(self.db, **id))
        {
            self.add_item(out, GLOBAL, *id);
        }
    }

    fn types(&self, qualifier: Option<&str>, out: &mut Items) {
        if let Some(module) = qualifier {
            if let Some(Some(module)) = find_module(self.db, self.file, module) {
                self.pub_types(module, out);
            }
            return;
        }
        for t in BUILTIN_TYPES {
            out.add(GLOBAL, t, CompletionItemKind::STRUCT, None, None);
        }
        for id in module_scope(self.db, self.file).types.values() {
            self.add_item(out, FILE, *id);
        }
        for f in prelude_files(self.db) {
            self.pub_types(f, out);
        }
        for alias in imports(self.db, self.file).by_alias.keys() {
            out.add(GLOBAL, alias, CompletionItemKind::MODULE, None, None);
        }
    }

    fn groups(&self, out: &mut Items) {
        for id in module_scope(self.db, self.file)
            .values
            .values()
            .filter(|id| id.tag(self.db) == ItemTag::Group)
        {
            self.add_item(out, FILE, *id);
        }
        out.keywords(&["one"]);
    }

    /// After `use std::`: the standard-library modules.
    fn std_modules(&self, path: &[String], out: &mut Items) {
        if path.first().map(String::as_str) != Some("std") {
            return;
        }
        for (name, file) in self.db.std_modules() {
            if name != "prelude" {
                let docs = module_docs(file.text(self.db).as_deref().unwrap_or(""));
                out.add(
                    GLOBAL,
                    name,
                    CompletionItemKind::MODULE,
                    Some(format!("std::{name}")),
                    docs,
                );
            }
        }
    }
}

fn is_placeholder(e: &ast::Expr, offset: u32) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if n.name.contains(PLACEHOLDER) && n.span.start <= offset && offset <= n.span.end)
}

/// `(name, type)` of the parameters in a signature text such as
/// `ssh(address: str, user: str? = none) -> Host`.
pub fn signature_params(sig: &str) -> Vec<(String, String)> {
    let Some(inner) = sig
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map(|(inner, _)| inner)
    else {
        return Vec::new();
    };
    inner
        .split(", ")
        .filter_map(|p| {
            let (name, ty) = p.split_once(": ")?;
            let ty = ty.split(" = ").next().unwrap_or(ty);
            Some((name.trim().to_string(), ty.trim().to_string()))
        })
        .collect()
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
    fn reads_parameters_from_a_signature_text() {
        assert_eq!(
            signature_params("ssh(address: str, user: str? = none, data: T) -> Host"),
            vec![
                ("address".into(), "str".into()),
                ("user".into(), "str?".into()),
                ("data".into(), "T".into())
            ]
        );
        assert!(signature_params("host: Host<T>").is_empty());
    }

    #[test]
    fn stage_target_position() {
        assert!(stage_targets_before("stage deploy on "));
        assert!(stage_targets_before("x\nstage deploy on web, "));
        assert!(!stage_targets_before("stage deploy on web {"));
        assert!(!stage_targets_before("stage deploy "));
    }
}
