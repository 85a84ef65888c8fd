//! What names mean in a file: its items, the prelude, and imported modules.
//! Everything here depends on item trees only, never on bodies.

use std::collections::HashMap;

use crate::db::{Db, SourceFile};
use crate::items::{ItemId, ItemTag, item_tree, tree_item};
use crate::modules::imports;

/// The items a file declares, by namespace. The first declaration of a name
/// wins; later ones are listed in `duplicates`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleScope {
    /// `type` and `enum`.
    pub types: HashMap<String, ItemId>,
    /// `param`, `group`, `stage`, `op`, `fn`.
    pub values: HashMap<String, ItemId>,
    pub facts: HashMap<String, ItemId>,
    /// `(duplicate, first)`.
    pub duplicates: Vec<(ItemId, ItemId)>,
}

#[salsa::tracked(returns(ref))]
pub fn module_scope(db: &dyn Db, file: SourceFile) -> ModuleScope {
    let mut scope = ModuleScope::default();
    for item in &item_tree(db, file).items {
        let id = item.id;
        let space = match id.tag(db) {
            ItemTag::Type | ItemTag::Enum => &mut scope.types,
            ItemTag::Fact => &mut scope.facts,
            _ => &mut scope.values,
        };
        match space.get(id.name(db)) {
            Some(first) => scope.duplicates.push((id, *first)),
            None => {
                space.insert(id.name(db).clone(), id);
            }
        }
    }
    scope
}

pub fn is_pub(db: &dyn Db, id: ItemId) -> bool {
    tree_item(db, id).is_some_and(|t| t.sig.is_pub)
}

/// The stdlib files whose `pub` items are in scope everywhere.
pub fn prelude_files(db: &dyn Db) -> impl Iterator<Item = SourceFile> + '_ {
    ["prelude", "facts"]
        .into_iter()
        .filter_map(|name| db.std_module(name))
}

/// The `type` or `enum` item that declares `r`.
pub fn type_item(db: &dyn Db, r: &crate::ty::TypeRef) -> Option<ItemId> {
    module_scope(db, r.file).types.get(&*r.name).copied()
}

/// A type name in `file`: its own types, then the prelude.
pub fn find_type(db: &dyn Db, file: SourceFile, name: &str) -> Option<ItemId> {
    if let Some(id) = module_scope(db, file).types.get(name) {
        return Some(*id);
    }
    prelude_files(db)
        .filter_map(|f| module_scope(db, f).types.get(name).copied())
        .find(|id| is_pub(db, *id))
}

/// A callable (`fn`/`op`) name in `file`: its own, then the prelude's.
pub fn find_callable(db: &dyn Db, file: SourceFile, name: &str) -> Option<ItemId> {
    let is_callable = |id: &ItemId| matches!(id.tag(db), ItemTag::Op | ItemTag::Fn);
    if let Some(id) = module_scope(db, file)
        .values
        .get(name)
        .filter(|id| is_callable(id))
    {
        return Some(*id);
    }
    for f in prelude_files(db) {
        if let Some(id) = module_scope(db, f).values.get(name)
            && is_callable(id)
            && is_pub(db, *id)
        {
            return Some(*id);
        }
    }
    None
}

/// The module a name refers to in `file` (`Some(None)`: an import that
/// failed to resolve, already reported).
pub fn find_module(db: &dyn Db, file: SourceFile, name: &str) -> Option<Option<SourceFile>> {
    imports(db, file).by_alias.get(name).copied()
}

/// Looks up `facts.NAME` from `file`: the file's own facts, then the `pub`
/// facts of its user modules, then the standard library's (`facts.infra`,
/// then the stdlib modules the file uses).
pub fn find_fact(db: &dyn Db, file: SourceFile, name: &str) -> Option<ItemId> {
    if let Some(id) = module_scope(db, file).facts.get(name) {
        return Some(*id);
    }
    fact_sources(db, file).find_map(|f| {
        module_scope(db, f)
            .facts
            .get(name)
            .copied()
            .filter(|id| is_pub(db, *id))
    })
}

/// The files whose `pub` facts `file` sees, in lookup order.
fn fact_sources(db: &dyn Db, file: SourceFile) -> impl Iterator<Item = SourceFile> + '_ {
    let modules = &imports(db, file).modules;
    let user = modules
        .iter()
        .map(|(_, f)| *f)
        .filter(move |f| !f.is_std(db));
    let std = modules
        .iter()
        .map(|(_, f)| *f)
        .filter(move |f| f.is_std(db));
    user.chain(db.std_module("facts")).chain(std)
}

/// Every fact name visible from `file` (for suggestions).
pub fn visible_fact_names(db: &dyn Db, file: SourceFile) -> Vec<String> {
    let mut names: Vec<String> = module_scope(db, file).facts.keys().cloned().collect();
    for f in fact_sources(db, file) {
        names.extend(module_scope(db, f).facts.keys().cloned());
    }
    names
}
