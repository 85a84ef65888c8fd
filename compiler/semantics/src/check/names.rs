//! The names the checker records outside expressions: written types,
//! declarations, stage targets and match patterns (see [`crate::def`]).

use infrac_syntax::ast::{Ident, TypeExpr, TypeExprKind};
use infrac_syntax::visit::{Visitor, walk_type};

use super::Checker;
use crate::def::{Def, Site};
use crate::scope::{find_module, find_type, module_scope};
use crate::sigs::{record_fields, resolve_type};
use crate::ty::{Ty, TypeRef};

impl Checker<'_> {
    /// Resolves a written type, reporting problems and recording its names.
    pub(super) fn resolve_type(&mut self, texpr: &TypeExpr) -> Ty {
        let ty = resolve_type(self.db, self.file, texpr, &mut self.diags);
        self.type_names(texpr);
        ty
    }

    /// Records the names written in a type.
    pub(super) fn type_names(&mut self, texpr: &TypeExpr) {
        TypeNames { checker: self }.visit_type(texpr);
    }

    /// Records the names of a type path (`T`, `module.T`); the module it
    /// points into, if any.
    pub(super) fn type_path(&mut self, path: &[Ident]) {
        match path {
            [name] => {
                let def = find_type(self.db, self.file, &name.name).map(Def::Item);
                self.resolved(name.span, Site::Type(None), def);
            }
            [module, name] => {
                let target = find_module(self.db, self.file, &module.name).flatten();
                self.resolved(module.span, Site::Value, target.map(Def::Module));
                let def = target
                    .and_then(|t| module_scope(self.db, t).types.get(&name.name).copied())
                    .map(Def::Item);
                self.resolved(name.span, Site::Type(target), def);
            }
            _ => {}
        }
    }

    /// The declaration of the item being checked, named `name`.
    pub(super) fn item_decl(&mut self, name: &Ident) {
        self.resolved(name.span, Site::Decl, Some(Def::Item(self.item)));
    }

    /// The declaration of field (`variant: false`) or variant `index` of
    /// the type or enum being checked.
    pub(super) fn member_decl(&mut self, name: &Ident, index: usize, variant: bool) {
        let (owner, index) = (self.item, index as u32);
        let def = if variant {
            Def::Variant {
                enum_: owner,
                index,
            }
        } else {
            Def::Field {
                record: owner,
                index,
            }
        };
        self.resolved(name.span, Site::Decl, Some(def));
    }

    /// Field `name` of the record type `r`.
    pub(super) fn record_field(&self, r: &TypeRef, name: &str) -> Option<Def> {
        let record = *module_scope(self.db, r.file).types.get(&*r.name)?;
        let index = record_fields(self.db, r)?
            .iter()
            .position(|f| f.name == name)?;
        Some(Def::Field {
            record,
            index: index as u32,
        })
    }
}

struct TypeNames<'c, 'db> {
    checker: &'c mut Checker<'db>,
}

impl<'a> Visitor<'a> for TypeNames<'_, '_> {
    fn visit_type(&mut self, t: &'a TypeExpr) {
        if let TypeExprKind::Named { path, .. } = &t.kind
            && !is_builtin_type(path)
        {
            self.checker.type_path(path);
        }
        walk_type(self, t);
    }
}

/// `int`, `list`, `Host`...: no declaration to point to.
fn is_builtin_type(path: &[Ident]) -> bool {
    matches!(path, [one] if crate::sigs::BUILTIN_TYPES.contains(&one.name.as_str()) || one.name == "any")
}
