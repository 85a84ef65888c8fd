//! The lexer on small inputs: token kinds, spans and errors as snapshots.

use expect_test::{Expect, expect};

use super::lex;
use crate::token::TokenKind;

/// One token per line: `start..end kind`, `^` when it starts a line, then
/// the errors.
fn check(src: &str, expected: Expect) {
    let lexed = lex(src);
    let mut out = String::new();
    for (tok, span) in &lexed.tokens {
        let nl = if tok.nl { "^" } else { " " };
        let kind = match &tok.kind {
            TokenKind::Ident(s) => format!("ident {s}"),
            TokenKind::StrText(s) => format!("text {s:?}"),
            TokenKind::InterpEnd(Some(f)) => format!("interp-end :{f}"),
            k => format!("{k:?}"),
        };
        out.push_str(&format!("{nl}{}..{} {kind}", span.start, span.end));
        if let Some(docs) = &tok.docs {
            out.push_str(&format!(" docs={docs:?}"));
        }
        out.push('\n');
    }
    for e in &lexed.errors {
        out.push_str(&format!(
            "{} {}..{} {}\n",
            e.code, e.span.start, e.span.end, e.message
        ));
    }
    expected.assert_eq(&out);
}

#[test]
fn idents_keywords_and_punctuation() {
    check(
        "let x = a?.b ?? c::d -> e => f != g",
        expect![[r#"
            ^0..3 Kw(Let)
             4..5 ident x
             6..7 Punct(Eq)
             8..9 ident a
             9..11 Punct(QuestionDot)
             11..12 ident b
             13..15 Punct(QuestionQuestion)
             16..17 ident c
             17..19 Punct(ColonColon)
             19..20 ident d
             21..23 Punct(Arrow)
             24..25 ident e
             26..28 Punct(FatArrow)
             29..30 ident f
             31..33 Punct(NotEq)
             34..35 ident g
        "#]],
    );
}

#[test]
fn numbers() {
    check(
        "42 1_000 0o755 0x1f 0b101 1.5 2.0e3 1.to_str",
        expect![[r#"
            ^0..2 Int(42)
             3..8 Int(1000)
             9..14 Int(493)
             15..19 Int(31)
             20..25 Int(5)
             26..29 Float(FloatLit(4609434218613702656))
             30..35 Float(FloatLit(4656510908468559872))
             36..37 Int(1)
             37..38 Punct(Dot)
             38..44 ident to_str
        "#]],
    );
}

#[test]
fn bad_numbers() {
    check(
        "99999999999999999999 0o78 0x 12ab",
        expect![[r#"
            ^0..20 Int(0)
             21..25 Int(0)
             26..28 Int(0)
             29..33 Int(12)
            E0005 0..20 integer literal is too large (the largest int is 9223372036854775807)
            E0005 21..25 invalid digit `8` in octal literal
            E0005 26..28 hexadecimal literal has no digits
            E0005 29..33 invalid suffix `ab` on number literal
        "#]],
    );
}

#[test]
fn comments_and_docs() {
    check(
        "//! file docs\n/// first\n///second\n//// not docs\nfn /* a /* nested */ comment */ f",
        expect![[r#"
            ^48..50 Kw(Fn) docs="first\nsecond"
             80..81 ident f
        "#]],
    );
}

#[test]
fn newlines_inside_parens_do_not_separate() {
    check(
        "f(a,\n b)\n[c]\n{\n d }",
        expect![[r#"
            ^0..1 ident f
             1..2 Punct(LParen)
             2..3 ident a
             3..4 Punct(Comma)
             6..7 ident b
             7..8 Punct(RParen)
            ^9..10 Punct(LBracket)
             10..11 ident c
             11..12 Punct(RBracket)
            ^13..14 Punct(LBrace)
            ^16..17 ident d
             18..19 Punct(RBrace)
        "#]],
    );
}

#[test]
fn a_statement_keyword_closes_a_forgotten_paren() {
    check(
        "f(a,\nlet x = 1",
        expect![[r#"
            ^0..1 ident f
             1..2 Punct(LParen)
             2..3 ident a
             3..4 Punct(Comma)
            ^5..8 Kw(Let)
             9..10 ident x
             11..12 Punct(Eq)
             13..14 Int(1)
        "#]],
    );
}

#[test]
fn strings_with_escapes_and_interpolation() {
    check(
        r#""a\n\{b\}{x + 1}c{mode:o}" sh"rm {p}""#,
        expect![[r#"
            ^0..1 StrStart { sh: false }
             1..9 text "a\n{b}"
             9..10 InterpStart
             10..11 ident x
             12..13 Punct(Plus)
             14..15 Int(1)
             15..16 InterpEnd(None)
             16..17 text "c"
             17..18 InterpStart
             18..22 ident mode
             22..25 interp-end :o
             25..26 StrEnd
             27..30 StrStart { sh: true }
             30..33 text "rm "
             33..34 InterpStart
             34..35 ident p
             35..36 InterpEnd(None)
             36..37 StrEnd
        "#]],
    );
}

#[test]
fn nested_strings_in_interpolations() {
    check(
        r#""a{f("b{c}")}""#,
        expect![[r#"
            ^0..1 StrStart { sh: false }
             1..2 text "a"
             2..3 InterpStart
             3..4 ident f
             4..5 Punct(LParen)
             5..6 StrStart { sh: false }
             6..7 text "b"
             7..8 InterpStart
             8..9 ident c
             9..10 InterpEnd(None)
             10..11 StrEnd
             11..12 Punct(RParen)
             12..13 InterpEnd(None)
             13..14 StrEnd
        "#]],
    );
}

#[test]
fn multiline_strings_strip_common_indentation() {
    check(
        "x = \"\"\"\n    server \\{\n      listen {port};\n\n    \\}\n    \"\"\"",
        expect![[r#"
            ^0..1 ident x
             2..3 Punct(Eq)
             4..7 StrStart { sh: false }
             8..35 text "server {\n  listen "
             35..36 InterpStart
             36..40 ident port
             40..41 InterpEnd(None)
             41..55 text ";\n\n}\n"
             55..58 StrEnd
        "#]],
    );
}

#[test]
fn string_errors() {
    check(
        "\"bad \\q escape\"\n\"open\nx \"{a\"",
        expect![[r#"
            ^0..1 StrStart { sh: false }
             1..14 text "bad \\q escape"
             14..15 StrEnd
            ^16..17 StrStart { sh: false }
             17..21 text "open"
             21..21 StrEnd
            ^22..23 ident x
             24..25 StrStart { sh: false }
             25..26 InterpStart
             26..27 ident a
             27..28 StrStart { sh: false }
             28..28 StrEnd
             28..28 InterpEnd(None)
             28..28 StrEnd
            E0006 5..7 invalid escape `\q`
            E0002 16..17 unterminated string literal
            E0002 27..28 unterminated string literal
            E0002 24..25 unterminated string literal
        "#]],
    );
}

#[test]
fn invalid_characters() {
    check(
        "a \u{FFFD} b # /* open",
        expect![[r#"
            ^0..1 ident a
             6..7 ident b
            E0001 2..5 invalid UTF-8 in source
            E0001 8..9 unexpected character `#`
            E0002 10..12 unterminated block comment
        "#]],
    );
}
