//! A compiled program: functions and the program-level declarations.

use std::sync::Arc;

use crate::instr::Instr;

/// A byte range `start..end` in one module's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// Source modules, indexed by the `module` fields below (for rendering
    /// errors: a span is meaningful within its module's file).
    pub modules: Vec<ModuleInfo>,
    pub functions: Vec<Function>,
    /// Qualified names of native functions (`local.render_template`),
    /// indexed by `Instr::CallNative::native`.
    pub natives: Vec<String>,
    /// Facts, indexed by `Instr::ReadFact::fact`.
    pub facts: Vec<FactDef>,
    /// Ops, indexed by `Instr::CallOp::op`.
    pub ops: Vec<OpDef>,
    /// Params in declaration order, indexed by `Instr::LoadParam`.
    pub params: Vec<ParamDef>,
    pub groups: Vec<GroupDef>,
    /// Stages in the order they run, indexed by `Instr::LoadStage`.
    pub stages: Vec<StageDef>,
    /// Record types (for converting outside data, e.g. inventories).
    pub records: Vec<RecordDef>,
    /// Field-name lists of `Instr::MakeRecord`, in push order.
    pub shapes: Vec<Vec<Arc<str>>>,
    /// Stage options that are not literals (`serial: batch_size`): computed
    /// from the params into `StageDef::options` by the runtime's param
    /// evaluation (`infrac_vm::controller::eval_params`).
    pub dynamic_options: Vec<DynamicOptions>,
    /// The function that calls every notified handler once, in declaration
    /// order (every stage body ends by calling it; so does
    /// `flush_handlers()`), when the program has `notify:`.
    pub handlers: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicOptions {
    /// Index into `Program::stages`.
    pub stage: u32,
    /// A function without arguments returning a record with the fields
    /// `serial`, `max_failures`, `parallel` and `sudo`; `none` for an
    /// option given as a literal (already in `StageDef::options`) or not
    /// given.
    pub function: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleInfo {
    /// As given to the lowering (a file path or `std::name`).
    pub path: String,
    pub is_std: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Stage,
    Op,
    Fact,
    Fn,
    /// The default value of a param, a record field or a call parameter
    /// (no arguments).
    Default,
    /// The host list of a group (no arguments).
    Group,
}

/// One function: code, constants and the span of every instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Qualified name for display (`files.directory`, `stage app`).
    pub name: String,
    pub kind: FunctionKind,
    /// The module whose source the spans refer to.
    pub module: u32,
    /// Number of arguments (they are locals `0..arity`).
    pub arity: u32,
    /// Number of local slots, arguments included.
    pub locals: u32,
    pub code: Vec<Instr>,
    /// `spans[pc]` is the source of `code[pc]`.
    pub spans: Vec<Span>,
    pub consts: Vec<Const>,
}

impl Function {
    /// The source span of instruction `pc` (the function's first span when
    /// `pc` is out of range).
    pub fn span_at(&self, pc: usize) -> Span {
        self.spans
            .get(pc)
            .or(self.spans.first())
            .copied()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// An enum variant `Type.variant` (type by its declared name).
    Enum {
        ty: Arc<str>,
        variant: Arc<str>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FactDef {
    /// The cache key name: the declared name for standard-library facts
    /// (`file`), `module.name` for user facts.
    pub name: String,
    pub module: u32,
    pub arity: u32,
    pub kind: FactKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// Read by the runtime (`Request::ReadFacts`).
    Native,
    /// Computed by this function (arguments are its parameters).
    Body(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpDef {
    /// Qualified name for display (`files.directory`).
    pub name: String,
    pub module: u32,
    /// The function; its code ends with the `changes` clause.
    pub function: u32,
    pub arity: u32,
    /// The parameters' names, in declaration order (the order of the
    /// arguments): what reads arguments by name (plan predictions) uses.
    pub params: Vec<String>,
    pub changes: OpChanges,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpChanges {
    /// No `changes` clause: a change drops the whole fact cache.
    All,
    /// `changes nothing`.
    Nothing,
    /// `changes facts...`: compiled into the op's epilogue.
    Listed,
}

/// A run-time type, for converting outside text/data into values.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDesc {
    Int,
    Float,
    Bool,
    Str,
    Secret,
    Cmd,
    Enum {
        name: Arc<str>,
        variants: Vec<Arc<str>>,
    },
    Optional(Box<TypeDesc>),
    List(Box<TypeDesc>),
    Map(Box<TypeDesc>),
    /// Index into `Program::records`.
    Record(u32),
    Host,
    /// `()`: no value.
    Unit,
    /// Anything (e.g. `any` parameters of natives, unresolved types).
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordDef {
    pub name: String,
    pub fields: Vec<RecordField>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordField {
    pub name: Arc<str>,
    pub ty: TypeDesc,
    /// A `FunctionKind::Default` function computing the default.
    pub default: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    pub name: String,
    pub module: u32,
    pub span: Span,
    pub ty: TypeDesc,
    /// A `FunctionKind::Default` function; it may read earlier params.
    pub default: Option<u32>,
    /// True when there is no default (`--set` is mandatory). An optional
    /// param without default is `none`, not required.
    pub required: bool,
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupDef {
    pub name: String,
    pub module: u32,
    pub span: Span,
    /// The type of the hosts' `data` (`Unit` when the group has none).
    pub data: TypeDesc,
    /// A `FunctionKind::Group` function returning `list<Host>`.
    pub hosts: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageDef {
    pub name: String,
    pub module: u32,
    pub span: Span,
    pub targets: Vec<StageTarget>,
    pub options: StageOptions,
    /// True for `-> T` stages.
    pub has_value: bool,
    /// The body, a `FunctionKind::Stage` function without arguments.
    pub body: u32,
    /// Native facts the body reads with arguments known at compile time:
    /// read in one round trip before the body starts.
    pub prefetch: Vec<PrefetchFact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTarget {
    /// Index into `Program::groups`.
    pub group: u32,
    /// `one(group)`: only the group's first host.
    pub one: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StageOptions {
    pub serial: Option<Serial>,
    pub max_failures: Option<u32>,
    pub parallel: Option<u32>,
    pub sudo: bool,
    /// `tags: ["deploy"]`: names for `--tags` and `--skip-tags`.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Serial {
    Count(u32),
    /// `serial: "30%"`.
    Percent(u32),
}

impl Serial {
    /// `"30%"`: a share of a stage's hosts, from 1% to 100%. The checker,
    /// the lowering and the run all read a percentage with this.
    pub fn percent(text: &str) -> Option<Serial> {
        text.strip_suffix('%')?
            .trim()
            .parse()
            .ok()
            .filter(|p| (1..=100).contains(p))
            .map(Serial::Percent)
    }
}

/// A native fact read known at compile time. Arguments are constants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrefetchFact {
    /// Index into `Program::facts` (always a native fact).
    pub fact: u32,
    pub args: Vec<PrefetchArg>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrefetchArg {
    Str(String),
    Int(i64),
    Bool(bool),
}
