//! The stage prefetch list: native facts a stage body will read, with
//! arguments known at compile time, so the runtime reads them all in one
//! round trip before the body starts.
//!
//! Reads are found in the stage body itself and, through constant
//! arguments, in the ops and facts it calls (a few calls deep): for
//! `files.directory("/srv/app")`, `facts.file("/srv/app")` is prefetched.
//! Reading a fact the body then does not read is harmless (facts are
//! read-only); invalidation keeps later reads right. The runtime reads the
//! list as the stage's body reads (its or its host's sudo): an op call
//! given `sudo:` or `sudo_user:` reads as another user, so what it reads is
//! left out.

use infrac_bytecode::{FactKind, PrefetchArg, PrefetchFact};
use infrac_syntax::ast::{Arg, Expr, ExprKind, StrPart};
use infrac_syntax::visit::{Visitor, walk_expr};

use crate::def::Def;

use crate::lower::builder::FnBuilder;
use crate::lower::exprs::Static;
use crate::lower::items::{ItemRef, Lowerer, SigKey};

/// How many calls deep the analysis follows ops and facts.
const MAX_DEPTH: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Callee {
    Op(u32),
    Fact(u32),
}

/// An op call with its own `sudo:` / `sudo_user:` (§2.12).
fn sets_sudo(args: &[Arg]) -> bool {
    args.iter().any(|a| {
        a.name
            .as_ref()
            .is_some_and(|n| n.name == "sudo" || n.name == "sudo_user")
    })
}

/// A literal argument known at compile time.
pub(crate) fn constant_arg(e: &Expr) -> Option<PrefetchArg> {
    match &e.kind {
        ExprKind::Int(n) => Some(PrefetchArg::Int(*n)),
        ExprKind::Bool(v) => Some(PrefetchArg::Bool(*v)),
        ExprKind::Str(parts) => {
            let mut text = String::new();
            for p in parts {
                match p {
                    StrPart::Text(t, _) => text.push_str(t),
                    StrPart::Interp { .. } => return None,
                }
            }
            Some(PrefetchArg::Str(text))
        }
        _ => None,
    }
}

impl<'a> Lowerer<'a> {
    /// In a stage body: adds what a call of `callee` with `args` reads.
    pub(crate) fn prefetch_call(&self, b: &mut FnBuilder, callee: Callee, args: &'a [Arg]) {
        if b.prefetch.is_none() || sets_sudo(args) {
            return;
        }
        let known = self.arg_values(callee, args, &|e| constant_arg(e));
        let mut found = Vec::new();
        self.reads(callee, &known, MAX_DEPTH, &mut found);
        if let Some(list) = b.prefetch.as_mut() {
            for f in found {
                if !list.contains(&f) {
                    list.push(f);
                }
            }
        }
    }

    /// The value of each parameter of `callee` known now: its argument,
    /// else its literal default.
    fn arg_values(
        &self,
        callee: Callee,
        args: &[Arg],
        value: &dyn Fn(&Expr) -> Option<PrefetchArg>,
    ) -> Vec<Option<PrefetchArg>> {
        let key = match callee {
            Callee::Op(o) => SigKey::Op(o),
            Callee::Fact(f) => SigKey::Fact(f),
        };
        let Some(sig) = self.sigs.get(&key) else {
            return Vec::new();
        };
        let positional: Vec<&Arg> = args.iter().filter(|a| a.name.is_none()).collect();
        sig.params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let given = positional.get(i).copied().or_else(|| {
                    args.iter()
                        .find(|a| a.name.as_ref().is_some_and(|n| n.name == p.name))
                });
                match given {
                    Some(a) => value(&a.value),
                    None => p.literal_default.clone(),
                }
            })
            .collect()
    }

    /// Adds to `out` the native facts `callee` reads when its parameters
    /// have the values `known` (`None`: not known now).
    fn reads(
        &self,
        callee: Callee,
        known: &[Option<PrefetchArg>],
        depth: u32,
        out: &mut Vec<PrefetchFact>,
    ) {
        if let Callee::Fact(f) = callee
            && self
                .program
                .facts
                .get(f as usize)
                .is_some_and(|d| d.kind == FactKind::Native)
        {
            if known.iter().all(Option::is_some) {
                let entry = PrefetchFact {
                    fact: f,
                    args: known.iter().flatten().cloned().collect(),
                };
                if !out.contains(&entry) {
                    out.push(entry);
                }
            }
            return;
        }
        if depth == 0 {
            return;
        }
        let Some(body) = self.bodies.get(&callee).copied() else {
            return;
        };
        let mut scan = Exprs::default();
        scan.visit_block(body.block);
        // A parameter's value is known; a local's (even one named like a
        // parameter) is not.
        let param_value = |e: &Expr| match (&e.kind, self.def(body.module, e.span)) {
            (ExprKind::Name(_), Some(Def::Param { index, .. })) => {
                known.get(*index as usize).cloned().flatten()
            }
            _ => constant_arg(e),
        };
        let mut calls: Vec<(Callee, Vec<Option<PrefetchArg>>)> = Vec::new();
        for &e in &scan.exprs {
            let (target, args): (&Expr, &[Arg]) = match &e.kind {
                ExprKind::Call { callee, args } => (callee, args),
                ExprKind::Field {
                    optional: false, ..
                } => (e, &[]),
                _ => continue,
            };
            let next = match self.resolve_static(body.module, target) {
                Some(Static::Item(ItemRef::Fact(f))) => Callee::Fact(f),
                Some(Static::Item(ItemRef::Op(o)))
                    if (!args.is_empty() || matches!(e.kind, ExprKind::Call { .. }))
                        && !sets_sudo(args) =>
                {
                    Callee::Op(o)
                }
                _ => continue,
            };
            // `facts.file` as the callee of `facts.file(p)` is not a read of its own.
            let arity = match next {
                Callee::Fact(f) => self.program.facts.get(f as usize).map_or(0, |d| d.arity),
                Callee::Op(_) => 0,
            };
            if matches!(e.kind, ExprKind::Field { .. }) && arity > 0 {
                continue;
            }
            calls.push((next, self.arg_values(next, args, &param_value)));
        }
        for (next, values) in calls {
            self.reads(next, &values, depth - 1, out);
        }
    }
}

/// The expressions of a body, in source order.
#[derive(Default)]
struct Exprs<'e> {
    exprs: Vec<&'e Expr>,
}

impl<'e> Visitor<'e> for Exprs<'e> {
    fn visit_expr(&mut self, e: &'e Expr) {
        self.exprs.push(e);
        walk_expr(self, e);
    }
}
