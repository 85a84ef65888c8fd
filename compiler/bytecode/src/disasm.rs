//! A readable disassembly of a [`Program`] (its `Display`).

use std::fmt::{self, Display, Formatter, Write};

use crate::instr::{Fmt, Instr};
use crate::program::{
    Const, FactKind, Function, OpChanges, PrefetchArg, Program, Serial, StageDef, TypeDesc,
};

impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, p) in self.params.iter().enumerate() {
            write!(f, "param #{i} {}: {}", p.name, self.type_name(&p.ty))?;
            if let Some(d) = p.default {
                write!(f, " = fn#{d}")?;
            }
            if p.required {
                f.write_str(" (required)")?;
            }
            writeln!(f)?;
        }
        for (i, g) in self.groups.iter().enumerate() {
            writeln!(
                f,
                "group #{i} {}: {} = fn#{}",
                g.name,
                self.type_name(&g.data),
                g.hosts
            )?;
        }
        for (i, s) in self.stages.iter().enumerate() {
            self.fmt_stage(f, i, s)?;
        }
        for (i, fact) in self.facts.iter().enumerate() {
            let kind = match fact.kind {
                FactKind::Native => "native".to_string(),
                FactKind::Body(func) => format!("fn#{func}"),
            };
            writeln!(f, "fact #{i} {}/{} = {kind}", fact.name, fact.arity)?;
        }
        for (i, op) in self.ops.iter().enumerate() {
            let changes = match op.changes {
                OpChanges::All => "all",
                OpChanges::Nothing => "nothing",
                OpChanges::Listed => "listed",
            };
            writeln!(
                f,
                "op #{i} {}/{} = fn#{} changes {changes}",
                op.name, op.arity, op.function
            )?;
        }
        for (i, n) in self.natives.iter().enumerate() {
            writeln!(f, "native #{i} {n}")?;
        }
        let has_header = !(self.params.is_empty()
            && self.groups.is_empty()
            && self.stages.is_empty()
            && self.facts.is_empty()
            && self.ops.is_empty()
            && self.natives.is_empty());
        for (i, func) in self.functions.iter().enumerate() {
            if i > 0 || has_header {
                writeln!(f)?;
            }
            self.fmt_function(f, i, func)?;
        }
        Ok(())
    }
}

impl Program {
    fn type_name(&self, ty: &TypeDesc) -> String {
        match ty {
            TypeDesc::Int => "int".into(),
            TypeDesc::Float => "float".into(),
            TypeDesc::Bool => "bool".into(),
            TypeDesc::Str => "str".into(),
            TypeDesc::Secret => "secret".into(),
            TypeDesc::Cmd => "cmd".into(),
            TypeDesc::Enum { name, .. } => name.to_string(),
            TypeDesc::Optional(t) => format!("{}?", self.type_name(t)),
            TypeDesc::List(t) => format!("list<{}>", self.type_name(t)),
            TypeDesc::Map(t) => format!("map<str, {}>", self.type_name(t)),
            TypeDesc::Record(r) => match self.records.get(*r as usize) {
                Some(rec) => rec.name.clone(),
                None => format!("record#{r}"),
            },
            TypeDesc::Host => "Host".into(),
            TypeDesc::Unit => "()".into(),
            TypeDesc::Any => "any".into(),
        }
    }

    fn fmt_stage(&self, f: &mut Formatter<'_>, i: usize, s: &StageDef) -> fmt::Result {
        let targets: Vec<String> = s
            .targets
            .iter()
            .map(|t| {
                let name = self
                    .groups
                    .get(t.group as usize)
                    .map_or("?", |g| g.name.as_str());
                if t.one {
                    format!("one({name})")
                } else {
                    name.to_string()
                }
            })
            .collect();
        write!(f, "stage #{i} {} on {}", s.name, targets.join(", "))?;
        let o = &s.options;
        let mut opts = Vec::new();
        match o.serial {
            Some(Serial::Count(n)) => opts.push(format!("serial: {n}")),
            Some(Serial::Percent(n)) => opts.push(format!("serial: {n}%")),
            None => {}
        }
        if let Some(n) = o.max_failures {
            opts.push(format!("max_failures: {n}"));
        }
        if let Some(n) = o.parallel {
            opts.push(format!("parallel: {n}"));
        }
        if o.sudo {
            opts.push("sudo: true".into());
        }
        if !opts.is_empty() {
            write!(f, " ({})", opts.join(", "))?;
        }
        if s.has_value {
            f.write_str(" -> value")?;
        }
        write!(f, " = fn#{}", s.body)?;
        let dynamic = self.dynamic_options.iter().find(|d| d.stage as usize == i);
        if let Some(d) = dynamic {
            write!(f, " options fn#{}", d.function)?;
        }
        if !s.prefetch.is_empty() {
            let list: Vec<String> = s
                .prefetch
                .iter()
                .map(|p| {
                    let name = self
                        .facts
                        .get(p.fact as usize)
                        .map_or("?", |d| d.name.as_str());
                    let args: Vec<String> = p
                        .args
                        .iter()
                        .map(|a| match a {
                            PrefetchArg::Str(s) => format!("{s:?}"),
                            PrefetchArg::Int(n) => n.to_string(),
                            PrefetchArg::Bool(b) => b.to_string(),
                        })
                        .collect();
                    format!("{name}({})", args.join(", "))
                })
                .collect();
            write!(f, " prefetch [{}]", list.join(", "))?;
        }
        writeln!(f)
    }

    fn fmt_function(&self, f: &mut Formatter<'_>, i: usize, func: &Function) -> fmt::Result {
        let module = self
            .modules
            .get(func.module as usize)
            .map_or("?", |m| m.path.as_str());
        writeln!(
            f,
            "fn#{i} {} ({:?}, {module}, arity {}, locals {})",
            func.name, func.kind, func.arity, func.locals
        )?;
        for (pc, instr) in func.code.iter().enumerate() {
            let span = func.span_at(pc);
            let mut line = format!("  {pc:04} {}", self.instr_text(func, instr));
            let pad = 40usize.saturating_sub(line.chars().count());
            let _ = write!(line, "{:pad$} @{}..{}", "", span.start, span.end);
            writeln!(f, "{line}")?;
        }
        Ok(())
    }

    fn instr_text(&self, func: &Function, instr: &Instr) -> String {
        let konst = |n: u32| match func.consts.get(n as usize) {
            Some(Const::Int(v)) => v.to_string(),
            Some(Const::Float(v)) => format!("{v:?}"),
            Some(Const::Str(s)) => format!("{s:?}"),
            Some(Const::Enum { ty, variant }) => format!("{ty}.{variant}"),
            None => format!("const#{n}?"),
        };
        let fact = |n: u32| self.facts.get(n as usize).map_or("?", |d| d.name.as_str());
        match *instr {
            Instr::Const(n) => format!("Const {}", konst(n)),
            Instr::GetField(n) => format!("GetField {}", konst(n)),
            Instr::GetFieldOpt(n) => format!("GetFieldOpt {}", konst(n)),
            Instr::MakeRecord(n) => {
                let names = self
                    .shapes
                    .get(n as usize)
                    .map(|s| s.join(", "))
                    .unwrap_or_default();
                format!("MakeRecord {{{names}}}")
            }
            Instr::LoadParam(n) => {
                format!(
                    "LoadParam {}",
                    self.params.get(n as usize).map_or("?", |p| &p.name)
                )
            }
            Instr::LoadStage(n) => {
                format!(
                    "LoadStage {}",
                    self.stages.get(n as usize).map_or("?", |s| &s.name)
                )
            }
            Instr::Format(fmt) if fmt == Fmt::default() => "Format".to_string(),
            Instr::Format(fmt) => format!("Format {{:{fmt}}}"),
            Instr::Call { func: n, argc } => {
                let name = self.functions.get(n as usize).map_or("?", |g| &g.name);
                format!("Call fn#{n} {name}/{argc}")
            }
            Instr::CallNative { native, argc } => {
                let name = self.natives.get(native as usize).map_or("?", |s| s);
                format!("CallNative {name}/{argc}")
            }
            Instr::CallBuiltin { builtin, argc } => {
                format!("CallBuiltin {}/{argc}", builtin.name())
            }
            Instr::CallMethod { name, argc } => format!("CallMethod {}/{argc}", konst(name)),
            Instr::ReadFact { fact: n, argc } => format!("ReadFact {}/{argc}", fact(n)),
            Instr::Invalidate { fact: n, argc } => format!("Invalidate {}/{argc}", fact(n)),
            Instr::InvalidateFact(n) => format!("InvalidateFact {}", fact(n)),
            Instr::CallOp { op, argc } => {
                let name = self.ops.get(op as usize).map_or("?", |o| &o.name);
                format!("CallOp {name}/{argc}")
            }
            Instr::Notify(op) | Instr::TakeNotified(op) => {
                let name = self.ops.get(op as usize).map_or("?", |o| &o.name);
                let verb = if matches!(instr, Instr::Notify(_)) {
                    "Notify"
                } else {
                    "TakeNotified"
                };
                format!("{verb} {name}")
            }
            Instr::IterNext { slot, exit, pair } => {
                format!(
                    "IterNext slot {slot} exit {exit}{}",
                    if pair { " pair" } else { "" }
                )
            }
            other => format!("{other:?}")
                .replace(['(', ')'], " ")
                .trim_end()
                .to_string(),
        }
    }
}
