//! What can be written at a cursor: the checker's view of an unfinished
//! text, and the names a site offers.
//!
//! Completion checks the item under the cursor again, with the text the
//! editor has and a placeholder name at the cursor (rust-analyzer's "fake
//! ident"), outside the database's memo. The placeholder's [`Site`] says
//! what is wanted there (a fact, a module member, a field of a type...);
//! the locals in scope are those the checker had when it read it.

use infrac_syntax::Shift;
use infrac_syntax::ast::{self, Span};

use super::{Name, Semantics, absolute};
use crate::check::{builtin_entries, method_entries};
use crate::db::SourceFile;
use crate::def::{Def, Site};
use crate::items::{ItemId, ItemTag, item_tree};
use crate::modules::imports;
use crate::scope::{find_fact, is_pub, module_scope, prelude_files, type_item, visible_fact_names};
use crate::sigs::{enum_variants, record_fields};
use crate::ty::{Ty, TypeRef};

/// The checker's view of the cursor in an edited text.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// The site of the name at the cursor (`None`: the cursor is not in a
    /// name the checker read).
    pub site: Option<Site>,
    /// At a field or method name: the type of the value before the `.`.
    pub receiver: Option<Ty>,
    /// The locals in scope at the cursor, innermost last.
    pub scope: Vec<ScopeEntry>,
    /// Every name of the edited item, absolute in the edited text.
    pub names: Vec<Name>,
}

impl Completion {
    /// What the name at exactly `span` (in the edited text) refers to.
    pub fn def_at(&self, span: Span) -> Option<&Def> {
        self.names
            .iter()
            .find(|n| n.span == span)
            .and_then(|n| n.def.as_ref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeEntry {
    pub name: String,
    pub ty: Ty,
}

/// A field or a method of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// A field's type, or a method's signature.
    pub detail: String,
    pub def: Option<Def>,
    pub is_method: bool,
}

impl Semantics<'_> {
    /// Checks the item of `edited` (a parse of another text of `file`)
    /// that holds `cursor`, and says what is there.
    pub fn complete(
        &self,
        file: SourceFile,
        edited: &ast::SourceFile,
        cursor: u32,
    ) -> Option<Completion> {
        let item = edited
            .items
            .iter()
            .find(|it| it.span.start <= cursor && cursor <= it.span.end)?;
        let id = self.item_like(file, item)?;
        let origin = item.span.start;
        let mut relative = item.clone();
        relative.shift(-i64::from(origin));
        let found = crate::check::check_text(self.db, id, &relative, cursor - origin);
        let names: Vec<Name> = found.names.iter().map(|n| absolute(n, origin)).collect();
        let site = names
            .iter()
            .find(|n| n.span.start <= cursor && cursor <= n.span.end)
            .map(|n| n.site);
        let mut entries: Vec<ScopeEntry> = Vec::new();
        for (name, ty) in found.scope {
            // A narrowed local shadows the local it narrows.
            entries.retain(|e| e.name != name);
            entries.push(ScopeEntry { name, ty });
        }
        Some(Completion {
            site,
            receiver: found.receiver,
            scope: entries,
            names,
        })
    }

    /// The item of `file` that an edited item stands for: same kind and
    /// name.
    fn item_like(&self, file: SourceFile, item: &ast::Item) -> Option<ItemId> {
        let tag = ItemTag::of(&item.kind)?;
        let name = &item.kind.name()?.name;
        item_tree(self.db, file)
            .items
            .iter()
            .map(|t| t.id)
            .find(|id| id.tag(self.db) == tag && id.name(self.db) == name)
    }

    /// Every fact `facts.NAME` can name in `file`.
    pub fn visible_facts(&self, file: SourceFile) -> Vec<ItemId> {
        let mut out: Vec<ItemId> = Vec::new();
        for name in visible_fact_names(self.db, file) {
            if let Some(id) = find_fact(self.db, file, &name)
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        out
    }

    /// The public items of a module (values and types).
    pub fn module_members(&self, module: SourceFile) -> Vec<ItemId> {
        let scope = module_scope(self.db, module);
        scope
            .values
            .values()
            .chain(scope.types.values())
            .copied()
            .filter(|id| is_pub(self.db, *id))
            .collect()
    }

    /// The public types of a module.
    pub fn module_types(&self, module: SourceFile) -> Vec<ItemId> {
        let scope = module_scope(self.db, module);
        let types = scope.types.values().copied();
        types.filter(|id| is_pub(self.db, *id)).collect()
    }

    /// The variants of an enum item, with their names.
    pub fn variants(&self, enum_: ItemId) -> Vec<(String, Def)> {
        let variants =
            enum_variants(self.db, &TypeRef::of_item(self.db, enum_)).unwrap_or_default();
        variants
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let index = index as u32;
                (name.clone(), Def::Variant { enum_, index })
            })
            .collect()
    }

    /// The type of a fact's value.
    pub fn fact_type(&self, id: ItemId) -> Option<Ty> {
        crate::sigs::fact_sig(self.db, id).map(|s| s.ret.clone())
    }

    /// The fields, then the methods, of a value of type `ty` (through `?.`).
    pub fn members(&self, ty: &Ty) -> Vec<Member> {
        let ty = ty.strip_optional();
        let field = |name: &str, ty: &Ty, def: Option<Def>| Member {
            name: name.to_string(),
            detail: ty.to_string(),
            def,
            is_method: false,
        };
        let mut out = Vec::new();
        match ty {
            Ty::Record(r) => {
                let record = type_item(self.db, r);
                let fields = record_fields(self.db, r).unwrap_or_default();
                for (index, f) in fields.iter().enumerate() {
                    let def = record.map(|record| Def::Field {
                        record,
                        index: index as u32,
                    });
                    out.push(field(&f.name, &f.ty, def));
                }
            }
            Ty::AnonRecord(fields) => {
                out.extend(fields.iter().map(|(n, t)| field(n, t, None)));
            }
            Ty::Host(data) => {
                out.push(field("name", &Ty::Str, Some(Def::HostField(&"name"))));
                out.push(field("data", data, Some(Def::HostField(&"data"))));
            }
            _ => {}
        }
        for method in method_entries(ty) {
            out.push(Member {
                name: method.name.to_string(),
                detail: method.signature(),
                def: Some(Def::Method(method)),
                is_method: true,
            });
        }
        out
    }

    /// The types a type name can name in `file`: its own, the prelude's.
    pub fn types_in_scope(&self, file: SourceFile) -> Vec<ItemId> {
        let mut out: Vec<ItemId> = module_scope(self.db, file)
            .types
            .values()
            .copied()
            .collect();
        for f in prelude_files(self.db) {
            out.extend(self.module_types(f));
        }
        out
    }

    /// The value items `file` declares (params, groups, stages, ops, fns).
    pub fn own_values(&self, file: SourceFile) -> Vec<ItemId> {
        module_scope(self.db, file)
            .values
            .values()
            .copied()
            .collect()
    }

    /// The public ops and fns of the prelude, callable everywhere.
    pub fn prelude_callables(&self) -> Vec<ItemId> {
        let mut out = Vec::new();
        for f in prelude_files(self.db) {
            let values = module_scope(self.db, f).values.values().copied();
            out.extend(values.filter(|id| {
                matches!(id.tag(self.db), ItemTag::Op | ItemTag::Fn) && is_pub(self.db, *id)
            }));
        }
        out
    }

    /// The names `file` gives the modules it uses.
    pub fn module_aliases(&self, file: SourceFile) -> Vec<String> {
        imports(self.db, file).by_alias.keys().cloned().collect()
    }

    /// The module `file` calls `alias`.
    pub fn module(&self, file: SourceFile, alias: &str) -> Option<SourceFile> {
        imports(self.db, file)
            .by_alias
            .get(alias)
            .copied()
            .flatten()
    }

    /// The standard library's modules, by name.
    pub fn std_modules(&self) -> Vec<(String, SourceFile)> {
        self.db.std_modules().to_vec()
    }

    /// The built-in functions and names: `(name, signature, documentation)`.
    pub fn builtins(&self) -> Vec<(&'static str, String, &'static str)> {
        builtin_entries()
    }
}
