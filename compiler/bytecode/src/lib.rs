//! The bytecode shared by the `.infra` compiler (its lowering writes it)
//! and the runtime (`infrac-vm` runs it), and the table of built-ins both
//! read ([`builtins`]).
//!
//! Architecture invariant: this crate knows nothing about syntax trees,
//! hosts or I/O. A [`Program`] is plain data: functions made of stack
//! [`Instr`]uctions with a constant pool and a span table, plus the
//! program-level declarations the runtime needs (params, groups, stages,
//! facts, ops, record types). `Display` on a [`Program`] is a readable
//! disassembly.

pub mod builtins;
mod disasm;
mod instr;
mod place;
mod program;
pub mod suggest;

pub use instr::{Builtin, Fmt, Instr, ParamDefault, Radix};
pub use place::{Locate, Location, Place};
pub use program::{
    Const, DynamicOptions, FactDef, FactKind, Function, FunctionKind, GroupDef, ModuleInfo,
    OpChanges, OpDef, ParamDef, PrefetchArg, PrefetchFact, Program, RecordDef, RecordField, Serial,
    Span, StageDef, StageOptions, StageTarget, TypeDesc,
};
