//! The semantic model of a program, for tools: the one API boundary over
//! what the checker found. The language server asks it what a name means,
//! where it is declared and used, what type an expression has, what is in
//! scope at a cursor and what a callee takes; it never resolves or infers
//! anything itself.
//!
//! Everything here reads the checker's per-item results
//! (`check::check_item`: types and [`NameRef`]s, item-relative)
//! and returns absolute spans.

mod complete;
mod describe;

use infrac_syntax::ast::{self, ItemKind, Span};

use crate::db::{Db, SourceFile};
use crate::def::{Def, NameRef, Site};
use crate::items::{ItemId, item_origin, item_tree, parse, tree_item};
use crate::ty::Ty;

pub use complete::{Completion, Member, ScopeEntry};
pub use describe::{Param, Signature};

/// A name written in a file; spans absolute (also a [`Def::Local`]'s
/// binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    pub span: Span,
    pub site: Site,
    pub def: Option<Def>,
}

/// Queries over a database; cheap to make.
#[derive(Clone, Copy)]
pub struct Semantics<'db> {
    db: &'db dyn Db,
}

impl<'db> Semantics<'db> {
    pub fn new(db: &'db dyn Db) -> Self {
        Semantics { db }
    }

    /// Every name written in `file`, in source order: the `use`d modules,
    /// then what the checker recorded in each item.
    pub fn names(&self, file: SourceFile) -> Vec<Name> {
        let mut out = self.use_names(file);
        for item in &item_tree(self.db, file).items {
            let origin = item_origin(self.db, item.id);
            let check = crate::check::check_item(self.db, item.id);
            out.extend(check.names.iter().map(|n| absolute(n, origin)));
        }
        out.sort_by_key(|n| (n.span.start, n.span.end));
        // A name checked twice (an op's parameters are declared for its
        // `changes` clause and for its body) is listed once.
        out.dedup_by(|a, b| a.span == b.span);
        out
    }

    fn use_names(&self, file: SourceFile) -> Vec<Name> {
        let imports = crate::modules::imports(self.db, file);
        let mut out = Vec::new();
        for (origin, item) in &parse(self.db, file).items {
            let ItemKind::Use(u) = &item.kind else {
                continue;
            };
            for name in &u.names {
                let alias = name.alias.as_ref().unwrap_or(&name.name);
                let def = imports
                    .by_alias
                    .get(&alias.name)
                    .copied()
                    .flatten()
                    .map(Def::Module);
                for ident in std::iter::once(&name.name).chain(&name.alias) {
                    out.push(Name {
                        span: Span::new(ident.span.start + origin, ident.span.end + origin),
                        site: Site::Use,
                        def,
                    });
                }
            }
        }
        out
    }

    /// The name whose span covers `offset` (its end counts, so that a
    /// cursor right after a word finds it).
    pub fn name_at(&self, file: SourceFile, offset: u32) -> Option<Name> {
        self.names(file)
            .into_iter()
            .find(|n| n.span.start <= offset && offset <= n.span.end)
    }

    /// The type the checker gave the expression (or binding name) spanning
    /// exactly `span`.
    pub fn type_of(&self, file: SourceFile, span: Span) -> Option<Ty> {
        crate::check::type_at(self.db, file, span)
    }

    /// The type of a local or a parameter.
    pub fn binding_type(&self, def: &Def) -> Option<Ty> {
        match def {
            Def::Local { item, binding } => self.type_of(item.file(self.db), *binding),
            Def::Param { owner, index } => {
                let sigs = crate::sigs::callable_sig(self.db, *owner)
                    .map(|s| &s.params)
                    .or_else(|| crate::sigs::fact_sig(self.db, *owner)?.params.as_ref())?;
                sigs.get(*index as usize).map(|p| p.ty.clone())
            }
            _ => None,
        }
    }

    /// Where `def` is declared: its file and the span of its name.
    pub fn definition(&self, def: &Def) -> Option<(SourceFile, Span)> {
        let db = self.db;
        match def {
            Def::Item(id) => Some((id.file(db), self.item_name_span(*id)?)),
            Def::Local { item, binding } => Some((item.file(db), *binding)),
            Def::Module(file) => Some((*file, Span::new(0, 0))),
            Def::Param { owner, index } => {
                let param = describe::item_params(db, *owner)?.get(*index as usize)?;
                Some(shifted(db, *owner, param.name.span))
            }
            Def::Field { .. } | Def::Variant { .. } => {
                let (id, span) = describe::member_decl(db, def)?;
                Some(shifted(db, id, span))
            }
            Def::Builtin(_) | Def::HostField(_) | Def::Method(_) => None,
        }
    }

    /// Every place in `files` where `def` is written (its declaration
    /// included). A local is looked for in its own item only.
    pub fn references(&self, files: &[SourceFile], def: &Def) -> Vec<(SourceFile, Span)> {
        let files = match def {
            Def::Local { item, .. } => vec![item.file(self.db)],
            _ => files.to_vec(),
        };
        let mut out = Vec::new();
        for file in files {
            for name in self.names(file) {
                if name.def.as_ref() == Some(def) {
                    out.push((file, name.span));
                }
            }
        }
        out
    }

    /// Absolute span of an item's name.
    pub fn item_name_span(&self, id: ItemId) -> Option<Span> {
        let name = tree_item(self.db, id)?.sig.kind.name()?;
        Some(shifted(self.db, id, name.span).1)
    }

    /// The named items of `file`, in file order.
    pub fn items(&self, file: SourceFile) -> Vec<ItemId> {
        item_tree(self.db, file)
            .items
            .iter()
            .map(|t| t.id)
            .collect()
    }

    /// The syntax of item `id` (absolute spans; a copy).
    pub fn item_syntax(&self, id: ItemId) -> Option<infrac_syntax::ast::Item> {
        let index = tree_item(self.db, id)?.index as usize;
        parse(self.db, id.file(self.db)).absolute_item(index)
    }

    /// The items of `file` that overlap `start..=end` (absolute spans;
    /// copies of those items only).
    pub fn items_between(&self, file: SourceFile, start: u32, end: u32) -> Vec<ast::Item> {
        let syntax = parse(self.db, file);
        syntax
            .items
            .iter()
            .enumerate()
            .filter(|(_, (origin, item))| *origin <= end && start <= origin + item.span.end)
            .filter_map(|(i, _)| syntax.absolute_item(i))
            .collect()
    }

    /// Whether `file` is a module of the standard library.
    pub fn is_std(&self, file: SourceFile) -> bool {
        file.is_std(self.db)
    }

    /// The user modules `roots` load (themselves included), each once.
    pub fn user_modules(&self, roots: &[SourceFile]) -> Vec<SourceFile> {
        let mut files = Vec::new();
        for root in roots {
            for f in crate::modules::program_modules(self.db, *root) {
                if !f.is_std(self.db) && !files.contains(&f) {
                    files.push(f);
                }
            }
        }
        files
    }
}

/// `span`, relative to item `id`, in its file.
fn shifted(db: &dyn Db, id: ItemId, span: Span) -> (SourceFile, Span) {
    let origin = item_origin(db, id);
    (
        id.file(db),
        Span::new(span.start + origin, span.end + origin),
    )
}

fn absolute(name: &NameRef, origin: u32) -> Name {
    let shift = |s: Span| Span::new(s.start + origin, s.end + origin);
    let def = match name.def {
        Some(Def::Local { item, binding }) => Some(Def::Local {
            item,
            binding: shift(binding),
        }),
        other => other,
    };
    Name {
        span: shift(name.span),
        site: name.site,
        def,
    }
}
