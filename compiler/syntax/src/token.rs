//! Tokens produced by the lexer and consumed by the parser.

use std::fmt;

use crate::ast::FloatLit;

/// Reserved words (docs/language.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Use,
    Pub,
    Type,
    Enum,
    Group,
    Param,
    Stage,
    On,
    Fact,
    Op,
    Fn,
    Changes,
    Let,
    If,
    Else,
    For,
    In,
    Match,
    Fail,
    Return,
    And,
    Or,
    Not,
    True,
    False,
    None,
    Sh,
    One,
}

impl Keyword {
    pub fn from_word(word: &str) -> Option<Keyword> {
        use Keyword::*;
        Some(match word {
            "use" => Use,
            "pub" => Pub,
            "type" => Type,
            "enum" => Enum,
            "group" => Group,
            "param" => Param,
            "stage" => Stage,
            "on" => On,
            "fact" => Fact,
            "op" => Op,
            "fn" => Fn,
            "changes" => Changes,
            "let" => Let,
            "if" => If,
            "else" => Else,
            "for" => For,
            "in" => In,
            "match" => Match,
            "fail" => Fail,
            "return" => Return,
            "and" => And,
            "or" => Or,
            "not" => Not,
            "true" => True,
            "false" => False,
            "none" => None,
            "sh" => Sh,
            "one" => One,
            _ => return Option::None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use Keyword::*;
        match self {
            Use => "use",
            Pub => "pub",
            Type => "type",
            Enum => "enum",
            Group => "group",
            Param => "param",
            Stage => "stage",
            On => "on",
            Fact => "fact",
            Op => "op",
            Fn => "fn",
            Changes => "changes",
            Let => "let",
            If => "if",
            Else => "else",
            For => "for",
            In => "in",
            Match => "match",
            Fail => "fail",
            Return => "return",
            And => "and",
            Or => "or",
            Not => "not",
            True => "true",
            False => "false",
            None => "none",
            Sh => "sh",
            One => "one",
        }
    }

    /// Item keywords that may also be used as names in expressions (a
    /// parameter called `group`, see `parser::common::soft_keyword_name`).
    pub fn is_soft(self) -> bool {
        use Keyword::*;
        matches!(
            self,
            Type | Enum | Group | Param | Stage | Fact | Op | On | One | Changes
        )
    }

    /// Keywords that begin an item; recovery stops in front of them.
    pub fn starts_item(self) -> bool {
        use Keyword::*;
        matches!(
            self,
            Use | Pub | Type | Enum | Group | Param | Stage | Fact | Op | Fn
        )
    }
}

/// Punctuation and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Punct {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    ColonColon,
    Semi,
    Dot,
    /// `?.`
    QuestionDot,
    /// `?`
    Question,
    /// `??`
    QuestionQuestion,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    /// `->`
    Arrow,
    /// `=>`
    FatArrow,
    Pipe,
}

impl Punct {
    pub fn as_str(self) -> &'static str {
        use Punct::*;
        match self {
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Comma => ",",
            Colon => ":",
            ColonColon => "::",
            Semi => ";",
            Dot => ".",
            QuestionDot => "?.",
            Question => "?",
            QuestionQuestion => "??",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "=",
            Arrow => "->",
            FatArrow => "=>",
            Pipe => "|",
        }
    }
}

/// What a token is. String literals are split into several tokens
/// (`StrStart`, `StrText`, `InterpStart` <expression tokens> `InterpEnd`,
/// `StrEnd`) so that interpolated expressions are parsed by the ordinary
/// expression parser with exact spans.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind<'s> {
    Ident(&'s str),
    Kw(Keyword),
    Punct(Punct),
    Int(i64),
    Float(FloatLit),
    /// `"`, `"""`, `sh"` or `sh"""`.
    StrStart {
        sh: bool,
    },
    /// Literal text of a string, escapes resolved, indentation stripped.
    StrText(Box<str>),
    /// The `{` opening an interpolation.
    InterpStart,
    /// The `}` closing an interpolation, with the format after `:` if any.
    InterpEnd(Option<Box<str>>),
    /// The closing quote(s).
    StrEnd,
}

/// A token with its layout information.
#[derive(Debug, Clone)]
pub struct Tok<'s> {
    pub kind: TokenKind<'s>,
    /// A newline separates this token from the previous one, outside any
    /// `(` or `[`: the token may start a new statement.
    pub nl: bool,
    /// The `///` lines right before this token.
    pub docs: Option<Box<str>>,
}

impl<'s> Tok<'s> {
    pub fn new(kind: TokenKind<'s>) -> Tok<'s> {
        Tok {
            kind,
            nl: false,
            docs: None,
        }
    }
    pub fn punct(p: Punct) -> Tok<'s> {
        Tok::new(TokenKind::Punct(p))
    }
    pub fn kw(k: Keyword) -> Tok<'s> {
        Tok::new(TokenKind::Kw(k))
    }
    pub fn is_punct(&self, p: Punct) -> bool {
        self.kind == TokenKind::Punct(p)
    }
    /// An item keyword that may be a name (see [`Keyword::is_soft`]).
    pub fn is_soft_keyword(&self) -> bool {
        matches!(self.kind, TokenKind::Kw(k) if k.is_soft())
    }
    pub fn starts_item(&self) -> bool {
        matches!(self.kind, TokenKind::Kw(k) if k.starts_item())
    }
}

/// Tokens are matched by kind only: layout (`nl`) and docs never decide
/// whether a grammar rule like `just(Tok::punct(Punct::RBrace))` applies.
impl PartialEq for Tok<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl fmt::Display for TokenKind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(name) => write!(f, "`{name}`"),
            TokenKind::Kw(k) => write!(f, "keyword `{}`", k.as_str()),
            TokenKind::Punct(p) => write!(f, "`{}`", p.as_str()),
            TokenKind::Int(_) => write!(f, "integer literal"),
            TokenKind::Float(_) => write!(f, "float literal"),
            TokenKind::StrStart { sh: false } => write!(f, "string literal"),
            TokenKind::StrStart { sh: true } => write!(f, "command literal"),
            TokenKind::StrText(_) => write!(f, "string text"),
            TokenKind::InterpStart => write!(f, "`{{`"),
            TokenKind::InterpEnd(_) => write!(f, "`}}`"),
            TokenKind::StrEnd => write!(f, "end of string"),
        }
    }
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}
