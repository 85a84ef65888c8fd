//! Find references and rename: every occurrence, in the open files and the
//! modules they use, that resolves to the same thing as the cursor's.

use std::collections::HashMap;

use infrac_compiler::def::Def;
use infrac_compiler::{Semantics, SourceFile};
use infrac_syntax::Span;
use tower_lsp_server::ls_types::{Location, Range, TextEdit, Uri, WorkspaceEdit};

use super::location::{location, range_in};
use crate::state::Snapshot;

/// What the cursor is on, and where.
fn def_at(snap: &Snapshot, offset: u32) -> Option<(Def, Span)> {
    let name = Semantics::new(&snap.db).name_at(snap.file, offset)?;
    Some((name.def?, name.span))
}

/// Every `(file, span)` where `def` is written.
fn occurrences_of(snap: &Snapshot, def: &Def) -> Vec<(SourceFile, Span)> {
    let mut files = snap.workspace_files();
    if !files.contains(&snap.file) {
        files.push(snap.file);
    }
    Semantics::new(&snap.db).references(&files, def)
}

pub fn references(snap: &Snapshot, offset: u32, include_declaration: bool) -> Vec<Location> {
    let Some((def, _)) = def_at(snap, offset) else {
        return Vec::new();
    };
    let declaration = Semantics::new(&snap.db).definition(&def);
    occurrences_of(snap, &def)
        .into_iter()
        .filter(|(f, s)| include_declaration || declaration != Some((*f, *s)))
        .filter_map(|(f, s)| location(snap, f, s))
        .collect()
}

/// Why a name cannot be renamed, or the range of the name to rename.
pub fn prepare_rename(snap: &Snapshot, offset: u32) -> Result<Range, String> {
    let (def, span) = def_at(snap, offset).ok_or("nothing to rename here")?;
    renameable(snap, &def)?;
    Ok(snap.range(span))
}

fn renameable(snap: &Snapshot, def: &Def) -> Result<(), String> {
    match def {
        Def::Builtin(_) | Def::HostField(_) | Def::Method { .. } => {
            Err("built-in names cannot be renamed".into())
        }
        Def::Module(_) => Err("renaming a module means renaming its file; not supported".into()),
        _ => match Semantics::new(&snap.db).definition(def) {
            Some((file, _)) if file.is_std(&snap.db) => {
                Err("items of the standard library cannot be renamed".into())
            }
            Some(_) => Ok(()),
            None => Err("cannot find the declaration of this name".into()),
        },
    }
}

const KEYWORDS: &[&str] = &[
    "use", "pub", "type", "enum", "group", "param", "stage", "on", "fact", "op", "fn", "changes",
    "let", "if", "else", "for", "in", "match", "fail", "return", "and", "or", "not", "true",
    "false", "none", "sh", "one",
];

pub fn rename(snap: &Snapshot, offset: u32, new_name: &str) -> Result<WorkspaceEdit, String> {
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&new_name);
    if !valid {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    let (def, _) = def_at(snap, offset).ok_or("nothing to rename here")?;
    renameable(snap, &def)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (file, span) in occurrences_of(snap, &def) {
        let Some(uri) = snap.uri_of(file) else {
            continue;
        };
        changes.entry(uri).or_default().push(TextEdit::new(
            range_in(snap, file, span),
            new_name.to_string(),
        ));
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}
