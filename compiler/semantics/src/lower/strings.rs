//! String literals with interpolation, and `sh"..."` command literals.

use std::sync::Arc;

use infrac_bytecode::{Const, Fmt, Instr};
use infrac_syntax::ast::{ExprKind, Span, StrPart};

use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::exprs::Static;
use crate::lower::items::Lowerer;

type R = Result<(), LowerError>;

impl<'a> Lowerer<'a> {
    /// `"text {expr:fmt} text"`: one string.
    pub(crate) fn string(&mut self, b: &mut FnBuilder, parts: &'a [StrPart], span: Span) -> R {
        if let [StrPart::Text(..)] | [] = parts {
            let resolved = self.modules.get(b.module).and_then(|m| m.paths.get(&span));
            let text = match (resolved, parts.first()) {
                // A controller path, as the checker resolved it.
                (Some(path), _) => path.as_str(),
                (None, Some(StrPart::Text(t, _))) => t.as_str(),
                _ => "",
            };
            let k = b.konst(Const::Str(Arc::from(text)));
            b.emit(Instr::Const(k), span);
            return Ok(());
        }
        for part in parts {
            match part {
                StrPart::Text(t, s) => {
                    let k = b.str_const(t);
                    b.emit(Instr::Const(k), *s);
                }
                StrPart::Interp { expr, format, span } => {
                    self.expr(b, expr, None)?;
                    let fmt = self.format(b, format.as_deref(), *span)?;
                    b.emit(Instr::Format(fmt), *span);
                }
            }
        }
        b.emit(Instr::Concat(parts.len() as u32), span);
        Ok(())
    }

    /// `sh"cmd {value} {raw(text)}"`: literal text stays shell code, every
    /// interpolation is quoted except `raw(...)`.
    pub(crate) fn command(&mut self, b: &mut FnBuilder, parts: &'a [StrPart], span: Span) -> R {
        for part in parts {
            match part {
                StrPart::Text(t, s) => {
                    let k = b.str_const(t);
                    b.emit(Instr::Const(k), *s);
                }
                StrPart::Interp { expr, format, span } => {
                    let (inner, raw) = match &expr.kind {
                        ExprKind::Call { callee, args }
                            if matches!(
                                self.resolve_static(b.module, callee),
                                Some(Static::Raw)
                            ) && args.len() == 1 =>
                        {
                            (&args[0].value, true)
                        }
                        _ => (expr, false),
                    };
                    self.expr(b, inner, None)?;
                    if format.is_some() {
                        let fmt = self.format(b, format.as_deref(), *span)?;
                        b.emit(Instr::Format(fmt), *span);
                    }
                    b.emit(if raw { Instr::ShRaw } else { Instr::ShQuote }, *span);
                }
            }
        }
        b.emit(Instr::MakeCmd(parts.len() as u32), span);
        Ok(())
    }

    fn format(&self, b: &FnBuilder, spec: Option<&str>, span: Span) -> Result<Fmt, LowerError> {
        match spec {
            None => Ok(Fmt::default()),
            Some(s) => Fmt::parse(s)
                .ok_or_else(|| self.error(b.module, span, format!("unknown format `{s}`"))),
        }
    }
}
