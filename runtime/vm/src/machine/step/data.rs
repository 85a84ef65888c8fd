//! Values built and taken apart: lists, maps, records, fields, operators,
//! strings and commands.

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_bytecode::Instr;

use super::not_in_family;
use crate::context::RunContext;
use crate::format::{interpolate, kind_name};
use crate::machine::{Flow, Step, Vm, str_const};
use crate::value::Value;
use crate::{arith, methods, shell};

impl Vm {
    /// Data: building values, reading fields, operators, strings and commands.
    pub(super) fn step_data(&mut self, ctx: &RunContext, fidx: usize, instr: Instr) -> Step {
        match instr {
            Instr::MakeList(n) => {
                let items = self.pop_n(n)?;
                self.stack.push(Value::List(Arc::new(items)));
            }
            Instr::MakeMap(n) => {
                let flat = self.pop_n(n * 2)?;
                let mut map = BTreeMap::new();
                let mut it = flat.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    match k {
                        Value::Str(k) => map.insert(k, v),
                        other => {
                            return Err(format!(
                                "map keys must be str, found a {}",
                                kind_name(&other)
                            ));
                        }
                    };
                }
                self.stack.push(Value::Map(Arc::new(map)));
            }
            Instr::MakeRecord(shape) => {
                let names = ctx
                    .program()
                    .shapes
                    .get(shape as usize)
                    .ok_or("internal: bad shape")?;
                let values = self.pop_n(names.len() as u32)?;
                let map = names.iter().cloned().zip(values).collect();
                self.stack.push(Value::Record(Arc::new(map)));
            }
            Instr::GetField(n) | Instr::GetFieldOpt(n) => {
                let base = self.pop()?;
                let v = match (&base, instr) {
                    (Value::None, Instr::GetFieldOpt(_)) => Value::None,
                    _ => get_field(&base, str_const(ctx, fidx, n)?)?,
                };
                self.stack.push(v);
            }
            Instr::Index => {
                let index = self.pop()?;
                let base = self.pop()?;
                self.stack.push(arith::index(&base, &index)?);
            }
            Instr::Neg => {
                let v = self.pop()?;
                self.stack.push(arith::negate(v)?);
            }
            Instr::Not => {
                let v = self.pop()?;
                self.stack.push(arith::not(v)?);
            }
            Instr::Add
            | Instr::Sub
            | Instr::Mul
            | Instr::Div
            | Instr::Rem
            | Instr::Eq
            | Instr::Ne
            | Instr::Lt
            | Instr::Le
            | Instr::Gt
            | Instr::Ge => {
                let b = self.pop()?;
                let a = self.pop()?;
                self.stack.push(arith::binary(instr, a, b)?);
            }
            Instr::IsNone => {
                let v = self.pop()?;
                self.stack.push(Value::Bool(v == Value::None));
            }
            Instr::Format(fmt) => {
                let v = self.pop()?;
                self.stack.push(Value::Str(interpolate(&v, fmt)?.into()));
            }
            Instr::Concat(n) => {
                let parts = self.pop_n(n)?;
                let mut s = String::new();
                for p in &parts {
                    match p {
                        Value::Str(t) => s.push_str(t),
                        other => s.push_str(&other.to_string()),
                    }
                }
                self.stack.push(Value::Str(s.into()));
            }
            Instr::ShQuote => {
                let v = self.pop()?;
                self.stack
                    .push(Value::Cmd(Arc::new(shell::quoted_fragment(&v))));
            }
            Instr::ShRaw => {
                let v = self.pop()?;
                self.stack
                    .push(Value::Cmd(Arc::new(shell::raw_fragment(&v))));
            }
            Instr::MakeCmd(n) => {
                let parts = self.pop_n(n)?;
                self.stack.push(shell::build(&parts)?);
            }
            other => return Err(not_in_family(other, "data")),
        }
        Ok(Flow::Continue)
    }
}

fn get_field(base: &Value, name: &str) -> Result<Value, String> {
    match base {
        Value::Record(fields) => fields
            .get(name)
            .cloned()
            .ok_or_else(|| format!("the record has no field `{name}`")),
        Value::Host(h) => match name {
            "name" => Ok(Value::Str(h.name.as_str().into())),
            "data" => Ok(h.data.clone()),
            _ => Err(format!("a host has no field `{name}`")),
        },
        Value::None => Err(format!("cannot read `.{name}` of none")),
        // `s.len`, `xs.first`: methods without arguments read like fields.
        other => methods::call(other, name, &[]),
    }
}
