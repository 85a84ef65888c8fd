//! Semantic tokens: names coloured by what they resolve to (an op, a fact,
//! a parameter, a record field...). Keywords, strings and comments are left
//! to the TextMate / Vim grammars.

use infrac_compiler::def::{Def, Site};
use infrac_compiler::{ItemTag, Semantics};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

use crate::state::Snapshot;

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::FUNCTION,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::METHOD,
    SemanticTokenType::EVENT,
];
const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

fn type_index(t: SemanticTokenType) -> u32 {
    TYPES.iter().position(|x| *x == t).unwrap_or(0) as u32
}

fn token_type(db: &infrac_compiler::Database, def: &Def) -> SemanticTokenType {
    match def {
        Def::Item(id) => match id.tag(db) {
            ItemTag::Type => SemanticTokenType::TYPE,
            ItemTag::Enum => SemanticTokenType::ENUM,
            ItemTag::Param => SemanticTokenType::VARIABLE,
            ItemTag::Group => SemanticTokenType::NAMESPACE,
            ItemTag::Stage => SemanticTokenType::EVENT,
            ItemTag::Fact => SemanticTokenType::PROPERTY,
            ItemTag::Op | ItemTag::Fn => SemanticTokenType::FUNCTION,
        },
        Def::Local { .. } => SemanticTokenType::VARIABLE,
        Def::Param { .. } => SemanticTokenType::PARAMETER,
        Def::Module(_) => SemanticTokenType::NAMESPACE,
        Def::Field { .. } => SemanticTokenType::PROPERTY,
        Def::Variant { .. } => SemanticTokenType::ENUM_MEMBER,
        Def::Builtin(_) => SemanticTokenType::FUNCTION,
        Def::HostField(_) => SemanticTokenType::PROPERTY,
        Def::Method { .. } => SemanticTokenType::METHOD,
    }
}

/// The tokens of the snapshot's file, delta-encoded as LSP wants.
pub fn tokens(snap: &Snapshot) -> Vec<SemanticToken> {
    let db = &snap.db;
    let sema = Semantics::new(db);
    let mut out = Vec::new();
    let (mut prev_line, mut prev_start) = (0, 0);
    for name in sema.names(snap.file) {
        let Some(def) = name.def else {
            continue;
        };
        let mut modifiers = 0;
        if name.site == Site::Decl {
            modifiers |= 1;
        }
        if matches!(def, Def::Local { .. } | Def::Param { .. } | Def::Item(_)) {
            modifiers |= 2; // every binding in the language is immutable
        }
        let in_std = sema.definition(&def).is_some_and(|(f, _)| f.is_std(db));
        if in_std
            || matches!(
                def,
                Def::Builtin(_) | Def::HostField(_) | Def::Method { .. }
            )
        {
            modifiers |= 4;
        }
        let range = snap.range(name.span);
        if range.start.line != range.end.line {
            continue;
        }
        let (line, start) = (range.start.line, range.start.character);
        out.push(SemanticToken {
            delta_line: line - prev_line,
            delta_start: if line == prev_line {
                start - prev_start
            } else {
                start
            },
            length: range.end.character - start,
            // A named argument is a parameter, also one every call of its
            // kind takes (`sudo:`, `retries:`), which names a built-in.
            token_type: type_index(if name.site == Site::NamedArg {
                SemanticTokenType::PARAMETER
            } else {
                token_type(db, &def)
            }),
            token_modifiers_bitset: modifiers,
        });
        (prev_line, prev_start) = (line, start);
    }
    out
}
