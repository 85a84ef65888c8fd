//! Controller files named in calls (`files.put("site.conf", ...)`,
//! `files.template(...)`, `read_file(...)`): a string literal given to a
//! controller-path parameter is relative to the directory of the file it
//! is written in. The checker resolves it (the lowering writes what it
//! recorded), reports a file that does not exist, and reads a template to
//! report its syntax errors and the variables the call does not give.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use infrac_bytecode::builtins::{
    TEMPLATE_CONTEXT, TEMPLATE_FACTS, TEMPLATE_VARS, checks_existence, controller_path_param,
    renders_template,
};
use infrac_syntax::ast::{Expr, ExprKind, Span, StrPart};

use super::Checker;
use super::call::Given;
use crate::db::normalize;
use crate::diagnostic::Diag;
use crate::items::ItemId;
use crate::sigs::record_fields;
use crate::ty::Ty;

impl Checker<'_> {
    /// `module.item` of a standard-library op or fn (`None` for a user's).
    pub(super) fn std_name(&self, id: ItemId) -> Option<String> {
        let file = id.file(self.db);
        let (module, _) = self.db.std_modules().iter().find(|(_, f)| *f == file)?;
        Some(format!("{module}.{}", id.name(self.db)))
    }

    /// Resolves and checks the controller file a call of `callee` names
    /// with a literal (see the module's doc).
    pub(super) fn controller_files(&mut self, callee: Option<&str>, given: &[Given<'_>]) {
        let Some(callee) = callee else { return };
        let Some(param) = controller_path_param(callee) else {
            return;
        };
        let Some(arg) = given.iter().find(|g| g.param == param) else {
            return;
        };
        let Some(text) = literal_text(arg.value) else {
            return;
        };
        let path = self.controller_path(text);
        let shown = path.display().to_string();
        self.paths.push((arg.value.span, shown.clone()));
        let span = arg.value.span;
        if renders_template(callee) {
            let ty = |param: &str| given.iter().find(|g| g.param == param).map(|g| &g.ty);
            self.template(span, &path, ty(TEMPLATE_VARS), ty(TEMPLATE_FACTS));
        } else if checks_existence(callee) && !self.db.file_exists(&path) {
            self.error(missing_file(span, &shown));
        }
    }

    /// `text` (a path as written in this file) as the database names it:
    /// relative to this file's directory, unless absolute.
    fn controller_path(&self, text: &str) -> PathBuf {
        let dir = self.file.path(self.db).parent().unwrap_or(Path::new(""));
        normalize(&dir.join(text))
    }

    /// Reads the template at `path` and checks it against the variables
    /// and facts the call gives (their types; `None`: not given, none).
    fn template(&mut self, span: Span, path: &Path, vars: Option<&Ty>, facts: Option<&Ty>) {
        let shown = path.display().to_string();
        // Only a regular file is read (a device or a FIFO would be read
        // for ever).
        let file = self.db.file_exists(path).then(|| self.db.file(path));
        let Some(source) = file.and_then(|f| f.text(self.db).clone()) else {
            self.error(missing_file(span, &shown));
            return;
        };
        let env = minijinja::Environment::new();
        let template = match env.template_from_named_str(&shown, &source) {
            Ok(template) => template,
            Err(e) => {
                let line = e.line().unwrap_or(1);
                let detail = e
                    .detail()
                    .map_or_else(|| e.kind().to_string(), str::to_string);
                self.error(
                    Diag::error(
                        "E0114",
                        span,
                        format!("syntax error in template `{shown}:{line}`: {detail}"),
                    )
                    .with_label("this template"),
                );
                return;
            }
        };
        let globals: Vec<&str> = env.globals().map(|(name, _)| name).collect();
        let used = template.undeclared_variables(true);
        let mut missing = BTreeSet::new();
        if let Some(given) = self.var_names(vars) {
            let top = used
                .iter()
                .map(|name| name.split('.').next().unwrap_or(name));
            missing.extend(
                top.filter(|name| {
                    !given.contains(*name)
                        && !globals.contains(name)
                        && !TEMPLATE_CONTEXT.contains(name)
                        && !only_tested(&source, name)
                })
                .map(str::to_string),
            );
        }
        if let Some(given) = self.var_names(facts) {
            let read = used.iter().filter_map(|name| name.strip_prefix("facts."));
            missing.extend(
                read.map(|name| name.split('.').next().unwrap_or(name))
                    .filter(|name| !given.contains(*name))
                    .map(|name| format!("facts.{name}")),
            );
        }
        if missing.is_empty() {
            return;
        }
        let names: Vec<&str> = missing.iter().map(String::as_str).collect();
        let list = super::code_list(&names);
        self.error(
            Diag::error(
                "E0115",
                span,
                format!("template `{shown}` uses {list}, which the call does not give"),
            )
            .with_label(format!("needs {list}"))
            .with_help(format!(
                "give variables in `vars:` and facts in `host_facts:` (a template also sees {})",
                super::code_list(TEMPLATE_CONTEXT)
            )),
        );
    }

    /// The variables a `vars:` argument of type `ty` gives (`None`: not
    /// known before the run, as a map's keys).
    fn var_names(&self, ty: Option<&Ty>) -> Option<BTreeSet<String>> {
        match ty {
            None => Some(BTreeSet::new()),
            Some(Ty::AnonRecord(fields)) => Some(fields.iter().map(|(n, _)| n.clone()).collect()),
            Some(Ty::Record(r)) => {
                let fields = record_fields(self.db, r)?;
                Some(fields.iter().map(|f| f.name.clone()).collect())
            }
            Some(_) => None,
        }
    }
}

/// Whether every use of the name `name` in the template `source` asks
/// whether it is there (`name is defined`, `name is not defined`, `name
/// is undefined`) or gives a default (`name | default(...)`, `name | d(...)`):
/// such a template works without it. Any other occurrence of the word
/// (even in the template's text) counts as a use, so a doubt is reported.
fn only_tested(source: &str, name: &str) -> bool {
    const TESTS: [&str; 5] = [
        "is defined",
        "is not defined",
        "is undefined",
        "|default",
        "|d(",
    ];
    let mut found = false;
    for (at, _) in source.match_indices(name) {
        let before = source[..at].chars().next_back();
        let after = &source[at + name.len()..];
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word(before) || word(after.chars().next()) || before == Some('.') {
            continue;
        }
        let rest: String = after
            .trim_start()
            .chars()
            .take(16)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let rest = rest.replace("| ", "|");
        if !TESTS.iter().any(|t| rest.starts_with(t)) {
            return false;
        }
        found = true;
    }
    found
}

/// The text of a string literal without interpolation.
fn literal_text(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Str(parts) => match parts.as_slice() {
            [] => Some(""),
            [StrPart::Text(t, _)] => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn missing_file(span: Span, shown: &str) -> Diag {
    Diag::error(
        "E0113",
        span,
        format!("controller file `{shown}` not found (or not a regular file)"),
    )
    .with_label("no such file")
    .with_note("a path written here is relative to the directory of this .infra file")
}
