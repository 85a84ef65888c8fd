//! The names the checker records outside expressions: written types,
//! declarations, stage targets and match patterns (see [`crate::def`]).

use infrac_syntax::ast::{Expr, Ident, TypeExpr, TypeExprKind};
use infrac_syntax::visit::{Visitor, walk_type};

use super::{Checker, Context};
use crate::def::{Def, Site};
use crate::scope::{find_module, find_type, module_scope, type_item};
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
        let record = type_item(self.db, r)?;
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
        match &t.kind {
            TypeExprKind::Named { path, .. } if !is_builtin_type(path) => {
                self.checker.type_path(path);
                walk_type(self, t);
            }
            // A field's default inside a record type (`{ port: int = 80 }`)
            // is a constant expression of the field's type.
            TypeExprKind::Record(fields) => {
                for field in fields {
                    self.visit_type(&field.ty);
                    if let Some(default) = &field.default {
                        self.checker.constant(default, &field.ty);
                    }
                }
            }
            _ => walk_type(self, t),
        }
    }
}

impl Checker<'_> {
    /// Checks `e` as a constant expression that must fit the written type
    /// `ty` (reported where `ty` itself is resolved).
    fn constant(&mut self, e: &Expr, ty: &TypeExpr) {
        let expected = resolve_type(self.db, self.file, ty, &mut Vec::new());
        let saved = (self.context, self.ret.take());
        self.context = Context::Constant;
        self.expr(e, Some(&expected));
        (self.context, self.ret) = saved;
    }
}

/// `int`, `list`, `Host`...: no declaration to point to.
fn is_builtin_type(path: &[Ident]) -> bool {
    matches!(path, [one] if crate::sigs::BUILTIN_TYPES.contains(&one.name.as_str()) || one.name == "any")
}
