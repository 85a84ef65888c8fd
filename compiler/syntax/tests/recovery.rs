//! Broken files: every independent error is reported, and what follows a
//! broken item or statement is still parsed.

mod support;

use expect_test::{Expect, expect};

fn check(src: &str, expected: Expect) {
    expected.assert_eq(&support::render(&infrac_syntax::parse(src)));
}

#[test]
fn broken_items_do_not_hide_the_next_ones() {
    check(
        "type = { a: int }\nenum E { a b }\nparam p: = 1\nfn ok(): int { 1 }\nstage s web { }\nop o(x: str) { x }",
        expect![[r#"
            ErrorItem @0..17
            Enum E @18..32
              Variant a @27..28
            ErrorItem @33..45
            Fn ok @46..64
              Type int @55..58
              Block @59..64
                Int 1 @61..62
            ErrorItem @65..80
            Op o @81..99
              Param x @86..92
                Type str @89..92
              Block @94..99
                Name x @96..97
            error E0003 @5..6: expected identifier, found `=` [expected identifier] (while parsing this type declaration @0..4)
            error E0003 @29..30: expected `,` or `}`, found `b` [expected `,` or `}`] (while parsing this enum @18..32)
            error E0003 @42..43: expected type, found `=` [expected type] (while parsing this param @33..41)
            error E0003 @73..76: expected keyword `on`, found `web` [expected keyword `on`] (while parsing this stage @65..72)
        "#]],
    );
}

#[test]
fn broken_statements_do_not_hide_the_next_ones() {
    check(
        "fn f() {\n  let = 1\n  let y = (1 +\n  let z = 3 +\n  g(z)\n  )\n}\nfn after() { }",
        expect![[r#"
            Fn f @0..60
              Block @7..60
                ErrorStmt @11..18
                Let y @21..33
                  ErrorExpr @30..33
                Let z @36..54
                  Binary + @44..54
                    Int 3 @44..45
                    Call @50..54
                      Name g @50..51
                      Arg @52..53
                        Name z @52..53
                ErrorStmt @57..58
            Fn after @61..75
              Block @72..75
            error E0003 @15..16: expected identifier, found `=` [expected identifier] (while parsing this fn @0..60)
            error E0004 @29..30: expected `)`, found keyword `let` [unclosed `(`] (while parsing this fn @0..60)
            error E0003 @36..39: expected expression, found keyword `let` [expected expression] (while parsing this fn @0..60)
            error E0003 @57..58: expected expression, found `)` [expected expression] (while parsing this fn @0..60)
        "#]],
    );
}

#[test]
fn unclosed_brace_points_at_the_opening_one() {
    check(
        "stage s on web {\n  let x = 1\n\nstage t on web { let y = 2 }",
        expect![[r#"
        Stage s @0..28
          Target web @11..14
          Block @15..28
            Let x @19..28
              Int 1 @27..28
        Stage t @30..58
          Target web @41..44
          Block @45..58
            Let y @47..56
              Int 2 @55..56
        error E0004 @15..16: expected `}`, found keyword `stage` [unclosed `{`] (while parsing this stage @0..28)
    "#]],
    );
}

#[test]
fn unclosed_paren_and_bracket() {
    check(
        "fn f() {\n  g(1, 2\n  let a = [1, 2\n}\nfn h() { }",
        expect![[r#"
        Fn f @0..35
          Block @7..35
            Call @11..17
              Name g @11..12
              Arg @13..14
                Int 1 @13..14
              Arg @16..17
                Int 2 @16..17
            Let a @20..33
              List @28..33
                Int 1 @29..30
                Int 2 @32..33
        Fn h @36..46
          Block @43..46
        error E0004 @12..13: expected `)`, found keyword `let` [unclosed `(`] (while parsing this fn @0..35)
        error E0004 @28..29: expected `]`, found `}` [unclosed `[`] (while parsing this fn @0..35)
    "#]],
    );
}

#[test]
fn garbage_before_a_closing_delimiter() {
    check(
        "fn f() { g(1 2) + [3 4] }",
        expect![[r#"
        Fn f @0..25
          Block @7..25
            Binary + @9..23
              Call @9..15
                Name g @9..10
                Arg @11..12
                  Int 1 @11..12
              List @18..23
                Int 3 @19..20
        error E0003 @13..14: expected `,` or `)`, found integer literal [expected `,` or `)`] (while parsing this fn @0..25)
        error E0003 @21..22: expected `,` or `]`, found integer literal [expected `,` or `]`] (while parsing this fn @0..25)
    "#]],
    );
}

#[test]
fn errors_inside_interpolations() {
    check(
        "fn f() { \"a {} b { 1 + } c {x y}\" }",
        expect![[r#"
            Fn f @0..35
              Block @7..35
                Str @9..33
                  Text "a " @10..12
                  Interp @12..14
                    ErrorExpr @13..13
                  Text " b " @14..17
                  Interp @17..24
                    ErrorExpr @19..22
                  Text " c " @24..27
                  Interp @27..32
                    Name x @28..29
            error E0003 @13..14: expected expression, found `}` [expected expression] (while parsing this fn @0..35)
            error E0003 @23..24: expected expression, found `}` [expected expression] (while parsing this fn @0..35)
            error E0003 @30..31: expected `}`, found `y` [expected `}`] (while parsing this fn @0..35)
        "#]],
    );
}

#[test]
fn lexer_and_parser_errors_together() {
    check(
        "fn f() { let x = 0o9 # 1 }\nfn g() { \"\\q\" }\nfn h() { \"open\n}",
        expect![[r#"
        Fn f @0..26
          Block @7..26
            Let x @9..20
              Int 0 @17..20
            Int 1 @23..24
        Fn g @27..42
          Block @34..42
            Str @36..40
              Text "\\q" @37..39
        Fn h @43..59
          Block @50..59
            Str @52..57
              Text "open" @53..57
        error E0005 @17..20: invalid digit `9` in octal literal
        error E0001 @21..22: unexpected character `#`
        error E0003 @23..24: expected `;` or newline, found integer literal [expected `;` or newline] (while parsing this fn @0..26)
        error E0006 @37..39: invalid escape `\q`
        error E0002 @52..53: unterminated string literal
    "#]],
    );
}

#[test]
fn stray_tokens_at_top_level() {
    check(
        ") ] } 42\nfn f() { }\n= =\ntype T = int",
        expect![[r#"
        ErrorItem @0..8
        Fn f @9..19
          Block @16..19
        ErrorItem @20..23
        Type T @24..36
          Type int @33..36
        error E0003 @0..1: expected item, found `)` [expected item]
        error E0003 @20..21: expected item, found `=` [expected item]
    "#]],
    );
}

#[test]
fn stage_with_bad_target_reports_the_stage_context() {
    check(
        "stage s on 42 { }\nstage t on web (serial 2) { }",
        expect![[r#"
        ErrorItem @0..17
        Stage t @18..47
          Target web @29..32
          Options @34..40
            Name serial @34..40
          Block @44..47
        error E0003 @11..13: expected group name, found integer literal [expected group name] (while parsing this stage @0..10)
        error E0003 @41..42: expected `,` or `)`, found integer literal [expected `,` or `)`] (while parsing this stage @18..47)
    "#]],
    );
}

#[test]
fn deep_nesting_is_reported_not_overflowed() {
    let depth = 10_000;
    let src = format!(
        "fn f() {{ {}1{} }}\nfn g() {{ }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let parse = infrac_syntax::parse(&src);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.message.contains("nested too deeply")),
        "{:?}",
        parse.errors
    );
    assert_eq!(parse.file.items.len(), 2);

    for prefix in ["- ", "not "] {
        let src = format!("fn f() {{ {}1 }}", prefix.repeat(depth));
        let parse = infrac_syntax::parse(&src);
        assert!(
            parse
                .errors
                .iter()
                .any(|e| e.message.contains("too many prefix operators")),
            "{:?}",
            parse.errors
        );
    }

    let src = format!("fn f() {{ {}", "for x in y { ".repeat(depth));
    let parse = infrac_syntax::parse(&src);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.message.contains("nested too deeply")),
        "{:?}",
        parse.errors
    );

    let src = format!("fn f() {{ 1{} }}", " + 1".repeat(depth));
    let parse = infrac_syntax::parse(&src);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.message.contains("too many operators")),
        "{:?}",
        parse.errors
    );

    let src = format!("fn f() {{ \"a\"{} }}", ".trim()".repeat(depth));
    let parse = infrac_syntax::parse(&src);
    assert!(
        parse.errors.iter().any(|e| e
            .message
            .contains("too many calls, fields and indexes in a row")),
        "{:?}",
        parse.errors
    );

    let src = format!(
        "fn f(x: int) {{ if x == 0 {{ 0 }}{} else {{ 1 }} }}",
        " else if x == 1 { 1 }".repeat(depth)
    );
    let parse = infrac_syntax::parse(&src);
    let messages: Vec<&str> = parse.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["too many `else if` cases in a row (more than 256); use `match`"]
    );

    let src = format!("fn f() {{ {}", "{[(\"{".repeat(depth));
    let parse = infrac_syntax::parse(&src);
    assert!(!parse.errors.is_empty());
}
