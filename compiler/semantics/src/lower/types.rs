//! Type expressions to run-time type descriptors (for record defaults,
//! param conversion and inventories).

use std::sync::Arc;

use infrac_bytecode::{RecordDef, RecordField, TypeDesc};
use infrac_syntax::ast::{FieldDecl, Ident, TypeExpr, TypeExprKind};

use crate::def::Def;
use crate::lower::LowerError;
use crate::lower::items::{ItemRef, Lowerer};

/// Aliases nested deeper than this are a cycle.
const MAX_ALIAS_DEPTH: u32 = 32;

impl<'a> Lowerer<'a> {
    pub fn resolve_type(&mut self, m: usize, t: &'a TypeExpr) -> Result<TypeDesc, LowerError> {
        self.resolve_type_at(m, t, 0)
    }

    fn resolve_type_at(
        &mut self,
        m: usize,
        t: &'a TypeExpr,
        depth: u32,
    ) -> Result<TypeDesc, LowerError> {
        if depth > MAX_ALIAS_DEPTH {
            return Err(self.error(m, t.span, "type aliases refer to each other in a cycle"));
        }
        Ok(match &t.kind {
            TypeExprKind::Optional(inner) => {
                TypeDesc::Optional(Box::new(self.resolve_type_at(m, inner, depth)?))
            }
            TypeExprKind::Unit => TypeDesc::Unit,
            TypeExprKind::Error => TypeDesc::Any,
            TypeExprKind::Record(fields) => {
                let fields = self.record_fields(m, "record", fields)?;
                let idx = self.program.records.len() as u32;
                self.program.records.push(RecordDef {
                    name: "record".into(),
                    fields,
                });
                TypeDesc::Record(idx)
            }
            TypeExprKind::Named { path, args } => {
                let arg = |l: &mut Self, i: usize| match args.get(i) {
                    Some(a) => l.resolve_type_at(m, a, depth),
                    None => Ok(TypeDesc::Any),
                };
                match (path.as_slice(), args.len()) {
                    ([one], _) => match one.name.as_str() {
                        "int" => TypeDesc::Int,
                        "float" => TypeDesc::Float,
                        "bool" => TypeDesc::Bool,
                        "str" => TypeDesc::Str,
                        "secret" => TypeDesc::Secret,
                        "cmd" => TypeDesc::Cmd,
                        "any" => TypeDesc::Any,
                        "Host" => TypeDesc::Host,
                        "list" => TypeDesc::List(Box::new(arg(self, 0)?)),
                        "map" => TypeDesc::Map(Box::new(arg(self, 1)?)),
                        _ => self.named_type(m, one, t, depth)?,
                    },
                    ([_module, name], _) => self.named_type(m, name, t, depth)?,
                    _ => TypeDesc::Any,
                }
            }
        })
    }

    /// A declared type, `name` in module `m` as the checker resolved it.
    fn named_type(
        &mut self,
        m: usize,
        name: &Ident,
        t: &'a TypeExpr,
        depth: u32,
    ) -> Result<TypeDesc, LowerError> {
        let Some(Def::Item(id)) = self.def(m, name.span) else {
            return Err(self.error(m, t.span, "unknown type"));
        };
        match self.by_id.get(id).cloned() {
            Some(ItemRef::Record(r)) => Ok(TypeDesc::Record(r)),
            Some(ItemRef::Enum { name, variants }) => Ok(TypeDesc::Enum { name, variants }),
            // An alias is resolved in its own module.
            Some(ItemRef::Alias { module, target }) => {
                self.resolve_type_at(module, target, depth + 1)
            }
            _ => Err(self.error(m, t.span, "unknown type")),
        }
    }

    /// The fields of a record type; defaults become `Default` functions.
    pub fn record_fields(
        &mut self,
        m: usize,
        owner: &str,
        fields: &'a [FieldDecl],
    ) -> Result<Vec<RecordField>, LowerError> {
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            let ty = self.resolve_type(m, &f.ty)?;
            let default = match &f.default {
                Some(e) => {
                    let name = format!("{}.{} default", self.qualified(m, owner), f.name.name);
                    Some(self.alloc_default(name, m, e, ty.clone()))
                }
                None => None,
            };
            out.push(RecordField {
                name: Arc::from(f.name.name.as_str()),
                ty,
                default,
            });
        }
        Ok(out)
    }
}
