//! The abstract syntax tree of a `.infra` file.
//!
//! Every node carries a [`Span`] (byte offsets into its file). The parser
//! produces absolute spans; [`crate::Shift`] moves a whole subtree, which the
//! semantic database uses to store items with item-relative spans (so that an
//! edit above an item does not change the item's value and its checking can
//! be reused).
//!
//! Broken input still yields a tree: the parser inserts `Error` nodes
//! (`ItemKind::Error`, `ExprKind::Error`, `TypeExprKind::Error`,
//! `StmtKind::Error`) where it recovered, and reports the error separately.

/// A byte range `start..end` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name as written in the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SourceFile {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Item {
    pub kind: ItemKind,
    /// The text of the `///` lines before the item, without the slashes
    /// and the first space, joined with `\n`.
    pub docs: Option<String>,
    pub is_pub: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Use(UseItem),
    Type(TypeDecl),
    Enum(EnumDecl),
    Param(ParamDecl),
    Group(GroupDecl),
    Stage(StageDecl),
    Fact(FactDecl),
    Op(OpDecl),
    Fn(FnDecl),
    /// Text the parser skipped while recovering.
    Error,
}

/// `use std::files`, `use std::{apt, files}`, `use lib::common as c`.
/// `prefix` is every path segment before the last one (or before the braces);
/// `names` the imported modules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseItem {
    pub prefix: Vec<Ident>,
    pub names: Vec<UseName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseName {
    pub name: Ident,
    pub alias: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDecl {
    pub name: Ident,
    pub body: TypeDeclBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeDeclBody {
    /// `type Web = { port: int, workers: int = 4 }`
    Record(Vec<FieldDecl>),
    /// `type Port = int`
    Alias(TypeExpr),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    pub docs: Option<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variant {
    pub docs: Option<String>,
    pub name: Ident,
}

/// `param release: str = "2.4.0"`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParamDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

/// `group web: Web = [ ... ]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupDecl {
    pub name: Ident,
    pub data_ty: Option<TypeExpr>,
    pub hosts: Expr,
}

/// `stage NAME on TARGETS (OPTIONS) -> T { BODY }`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageDecl {
    pub name: Ident,
    pub targets: Vec<StageTarget>,
    /// `(serial: 2, max_failures: 1)`; every entry is named.
    pub options: Vec<Arg>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StageTarget {
    Group(Ident),
    /// `one(control)`; the span covers the whole `one(...)`.
    One(Ident, Span),
}

/// `fact NAME[(PARAMS)]: T { BODY }`. `body` is `None` for a native fact
/// (declared without a body; only allowed in the standard library).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FactDecl {
    pub name: Ident,
    /// `None` when written without parentheses (`fact os: OsRelease`).
    pub params: Option<Vec<Param>>,
    pub ret: TypeExpr,
    pub body: Option<Block>,
}

/// `op NAME(PARAMS) [changes ...] { BODY }`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub changes: Option<Changes>,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Changes {
    /// `changes nothing`
    Nothing(Span),
    /// `changes facts.file(path), facts.packages`: each entry is an
    /// expression of the form `facts.NAME` or `facts.NAME(args)`.
    Facts(Vec<Expr>),
}

/// `fn NAME(PARAMS)[: T] { BODY }`. `body` is `None` for a native function
/// (only allowed in the standard library).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Option<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    pub docs: Option<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeExprKind {
    /// `int`, `Web`, `common.Web`, `list<str>`, `map<str, int>`, `Host<Web>`:
    /// a (possibly module-qualified) path and type arguments.
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
    },
    /// `T?`
    Optional(Box<TypeExpr>),
    /// `{ a: int, b: str = "x" }` written inline.
    Record(Vec<FieldDecl>),
    /// `()`: no value.
    Unit,
    Error,
}

/// `{ stmt* }`. The block's value is its last statement when that is an
/// expression statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StmtKind {
    Let {
        name: Ident,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `for x in e { }` / `for k, v in e { }`
    For {
        first: Ident,
        second: Option<Ident>,
        iter: Expr,
        body: Block,
    },
    Expr(Expr),
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Int(i64),
    Float(FloatLit),
    Bool(bool),
    None,
    /// `"text {expr} text"` and `"""..."""` (indentation already stripped).
    Str(Vec<StrPart>),
    /// `sh"..."`: a command literal.
    Sh(Vec<StrPart>),
    Name(Ident),
    List(Vec<Expr>),
    /// `[elem for first in iter]`, `[elem for k, v in map if cond]`.
    Comprehension(Box<Comprehension>),
    /// `{ port: 8080 }`; `{}` is an empty record.
    Record(Vec<RecordField>),
    /// `{ "key": value }`
    Map(Vec<MapEntry>),
    /// `base.name` or, when `optional`, `base?.name`.
    Field {
        base: Box<Expr>,
        name: Ident,
        optional: bool,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `else_` is a `Block` expression or another `If`.
    If {
        cond: Box<Expr>,
        then: Block,
        else_: Option<Box<Expr>>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Block(Block),
    /// `fail "message"`
    Fail(Box<Expr>),
    Return(Option<Box<Expr>>),
    Error,
}

/// `[elem for first, second in iter if cond]`: the list of `elem` for each
/// element (a list's, or a map's key and value) for which `cond` holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Comprehension {
    pub elem: Expr,
    pub first: Ident,
    pub second: Option<Ident>,
    pub iter: Expr,
    pub cond: Option<Expr>,
}

/// A float literal, stored as its bits so that the tree stays `Eq + Hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FloatLit(pub u64);

impl FloatLit {
    pub fn new(v: f64) -> Self {
        FloatLit(v.to_bits())
    }
    pub fn value(self) -> f64 {
        f64::from_bits(self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StrPart {
    Text(String, Span),
    /// `{expr}` or `{expr:fmt}`; `span` covers the braces.
    Interp {
        expr: Expr,
        format: Option<String>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordField {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MapEntry {
    /// A string literal (may be interpolated).
    pub key: Expr,
    pub value: Expr,
}

/// A call argument; `name` is set for `name: value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchArm {
    /// `A.x | A.y` gives two patterns.
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// `Tier.frontend`, `common.Tier.frontend`
    Path(Vec<Ident>),
    Int(i64),
    Str(String),
    Bool(bool),
    None,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    /// `??`
    Coalesce,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Coalesce => "??",
        }
    }
}

impl ItemKind {
    /// The declared name, if the item declares one (`use` items declare
    /// module names, see [`UseItem`]).
    pub fn name(&self) -> Option<&Ident> {
        match self {
            ItemKind::Type(d) => Some(&d.name),
            ItemKind::Enum(d) => Some(&d.name),
            ItemKind::Param(d) => Some(&d.name),
            ItemKind::Group(d) => Some(&d.name),
            ItemKind::Stage(d) => Some(&d.name),
            ItemKind::Fact(d) => Some(&d.name),
            ItemKind::Op(d) => Some(&d.name),
            ItemKind::Fn(d) => Some(&d.name),
            ItemKind::Use(_) | ItemKind::Error => None,
        }
    }
}
