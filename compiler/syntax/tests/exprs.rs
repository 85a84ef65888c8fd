//! Snapshots of expressions and statements, inside `fn f() { ... }`.

mod support;

use expect_test::{Expect, expect};

fn check(body: &str, expected: Expect) {
    let src = format!("fn f() {{\n{body}\n}}");
    expected.assert_eq(&support::render(&infrac_syntax::parse(&src)));
}

#[test]
fn precedence() {
    check(
        "a ?? b or c and not d == e + f * -g.h",
        expect![[r#"
        Fn f @0..48
          Block @7..48
            Binary ?? @9..46
              Name a @9..10
              Binary or @14..46
                Name b @14..15
                Binary and @19..46
                  Name c @19..20
                  Unary not @25..46
                    Binary == @29..46
                      Name d @29..30
                      Binary + @34..46
                        Name e @34..35
                        Binary * @38..46
                          Name f @38..39
                          Unary - @42..46
                            Field .h @43..46
                              Name g @43..44
    "#]],
    );
}

#[test]
fn left_associativity() {
    check(
        "a - b - c\nx / y % z",
        expect![[r#"
        Fn f @0..30
          Block @7..30
            Binary - @9..18
              Binary - @9..14
                Name a @9..10
                Name b @13..14
              Name c @17..18
            Binary % @19..28
              Binary / @19..24
                Name x @19..20
                Name y @23..24
              Name z @27..28
    "#]],
    );
}

#[test]
fn comparisons_do_not_chain() {
    check(
        "a < b < c",
        expect![[r#"
        Fn f @0..20
          Block @7..20
            Binary < @9..18
              Binary < @9..14
                Name a @9..10
                Name b @13..14
              Name c @17..18
        error E0003 @15..16: comparison operators cannot be chained: `<` [use `and` to combine comparisons] (while parsing this fn @0..20)
    "#]],
    );
}

#[test]
fn postfix_chains() {
    check(
        "a.b?.c(1, name: 2)[0].d()",
        expect![[r#"
        Fn f @0..36
          Block @7..36
            Call @9..34
              Field .d @9..32
                Index @9..30
                  Call @9..27
                    Field ?.c @9..15
                      Field .b @9..12
                        Name a @9..10
                    Arg @16..17
                      Int 1 @16..17
                    Arg name: @25..26
                      Int 2 @25..26
                  Int 0 @28..29
    "#]],
    );
}

#[test]
fn comprehensions() {
    check(
        "[u.name for u in users if u.admin]\n[\"{k}\" for k, v in m]\n[x for group in gs]\n[a, b]",
        expect![[r#"
            Fn f @0..94
              Block @7..94
                Comprehension u @9..43
                  Field .name @10..16
                    Name u @10..11
                  Name users @26..31
                  Field .admin @35..42
                    Name u @35..36
                Comprehension k, v @44..65
                  Str @45..50
                    Interp @46..49
                      Name k @47..48
                  Name m @63..64
                Comprehension group @66..85
                  Name x @67..68
                  Name gs @82..84
                List @86..92
                  Name a @87..88
                  Name b @90..91
        "#]],
    );
}

#[test]
fn literals() {
    check(
        "[1, 2.5, true, false, none, \"s\", [],]\n{}\n{ a: 1, b: { c: 2 }, }\n{ \"k\": v, \"x{y}\": 2 }",
        expect![[r#"
        Fn f @0..96
          Block @7..96
            List @9..46
              Int 1 @10..11
              Float 2.5 @13..16
              Bool true @18..22
              Bool false @24..29
              None @31..35
              Str @37..40
                Text "s" @38..39
              List @42..44
            Record @47..49
            Record @50..72
              a: @52..53
                Int 1 @55..56
              b: @58..59
                Record @61..69
                  c: @63..64
                    Int 2 @66..67
            Map @73..94
              Entry @75..81
                Str @75..78
                  Text "k" @76..77
                Name v @80..81
              Entry @83..92
                Str @83..89
                  Text "x" @84..85
                  Interp @85..88
                    Name y @86..87
                Int 2 @91..92
    "#]],
    );
}

#[test]
fn strings_and_commands() {
    check(
        "\"a {b} c {mode:o}\"\nsh\"rm -rf -- {path}\"\n\"\"\"\n  line one\n    two {x}\n  \"\"\"",
        expect![[r#"
        Fn f @0..83
          Block @7..83
            Str @9..27
              Text "a " @10..12
              Interp @12..15
                Name b @13..14
              Text " c " @15..18
              Interp :o @18..26
                Name mode @19..23
            Sh @28..48
              Text "rm -rf -- " @31..41
              Interp @41..47
                Name path @42..46
            Str @49..81
              Text "line one\n  two " @53..72
              Interp @72..75
                Name x @73..74
              Text "\n" @75..78
    "#]],
    );
}

#[test]
fn let_and_for() {
    check(
        "let x = 1\nlet y: int? = none; for i in xs { i }\nfor k, v in m { }",
        expect![[r#"
        Fn f @0..76
          Block @7..76
            Let x @9..18
              Int 1 @17..18
            Let y @19..37
              Optional @26..30
                Type int @26..29
              None @33..37
            For i @39..56
              Name xs @48..50
              Block @51..56
                Name i @53..54
            For k, v @57..74
              Name m @69..70
              Block @71..74
    "#]],
    );
}

#[test]
fn if_else_chains() {
    check(
        "if a { 1 } else if b { 2 } else { 3 }\nlet x = if c { d }",
        expect![[r#"
        Fn f @0..67
          Block @7..67
            If @9..46
              Name a @12..13
              Block @14..19
                Int 1 @16..17
              Else @25..46
                If @25..46
                  Name b @28..29
                  Block @30..35
                    Int 2 @32..33
                  Else @41..46
                    Block @41..46
                      Int 3 @43..44
            Let x @47..65
              If @55..65
                Name c @58..59
                Block @60..65
                  Name d @62..63
    "#]],
    );
}

#[test]
fn match_arms() {
    check(
        "match t {\n  Tier.frontend | common.Tier.backend => 1,\n  0 => { 2 }\n  -1 => 3, \"s\" => 4\n  true => 5\n  none => 6\n  _ => fail \"no\"\n}",
        expect![[r#"
            Fn f @0..140
              Block @7..140
                Match @9..138
                  Name t @15..16
                  Arm @21..61
                    Pat Tier.frontend @21..34
                    Pat common.Tier.backend @37..56
                    Int 1 @60..61
                  Arm @65..75
                    Pat 0 @65..66
                    Block @70..75
                      Int 2 @72..73
                  Arm @78..85
                    Pat -1 @78..80
                    Int 3 @84..85
                  Arm @87..95
                    Pat "s" @87..90
                    Int 4 @94..95
                  Arm @98..107
                    Pat true @98..102
                    Int 5 @106..107
                  Arm @110..119
                    Pat none @110..114
                    Int 6 @118..119
                  Arm @122..136
                    Pat _ @122..123
                    Fail @127..136
                      Str @132..136
                        Text "no" @133..135
        "#]],
    );
}

#[test]
fn fail_and_return() {
    check(
        "fail \"bad {x}\"\nreturn\nreturn x + 1",
        expect![[r#"
        Fn f @0..45
          Block @7..45
            Fail @9..23
              Str @14..23
                Text "bad " @15..19
                Interp @19..22
                  Name x @20..21
            Return @24..30
            Return @31..43
              Binary + @38..43
                Name x @38..39
                Int 1 @42..43
    "#]],
    );
}

#[test]
fn newline_starts_a_new_statement() {
    check(
        "let a = b\n(c)\nlet d = e\n[f]\nlet g = h\n-i\nlet j = k\n  .l\n  ?? m",
        expect![[r#"
        Fn f @0..73
          Block @7..73
            Let a @9..18
              Name b @17..18
            Name c @20..21
            Let d @23..32
              Name e @31..32
            List @33..36
              Name f @34..35
            Let g @37..46
              Name h @45..46
            Unary - @47..49
              Name i @48..49
            Let j @50..71
              Binary ?? @58..71
                Field .l @58..64
                  Name k @58..59
                Name m @70..71
    "#]],
    );
}

#[test]
fn blocks_as_expressions() {
    check(
        "let x = { let y = 1; y }",
        expect![[r#"
        Fn f @0..35
          Block @7..35
            Let x @9..33
              Block @17..33
                Let y @19..28
                  Int 1 @27..28
                Name y @30..31
    "#]],
    );
}

#[test]
fn two_statements_on_one_line_need_a_semicolon() {
    check(
        "let a = 1 let b = 2",
        expect![[r#"
        Fn f @0..30
          Block @7..30
            Let a @9..18
              Int 1 @17..18
            Let b @19..28
              Int 2 @27..28
        error E0003 @19..22: expected `;` or newline, found keyword `let` [expected `;` or newline] (while parsing this fn @0..30)
    "#]],
    );
}

#[test]
fn the_reference_example_and_else_on_the_next_line() {
    check(
        "for x in xs { if x == \"\" { return \"empty\" } }\nlet all = xs\n  + [\"last\"]\nif a { 1 }\nelse { 2 }",
        expect![[r#"
            Fn f @0..104
              Block @7..104
                For x @9..54
                  Name xs @18..20
                  Block @21..54
                    If @23..52
                      Binary == @26..33
                        Name x @26..27
                        Str @31..33
                      Block @34..52
                        Return @36..50
                          Str @43..50
                            Text "empty" @44..49
                Let all @55..80
                  Binary + @65..80
                    Name xs @65..67
                    List @72..80
                      Str @73..79
                        Text "last" @74..78
                If @81..102
                  Name a @84..85
                  Block @86..91
                    Int 1 @88..89
                  Else @97..102
                    Block @97..102
                      Int 2 @99..100
        "#]],
    );
}
