//! Snapshots of the parse trees of every kind of item.

mod support;

use expect_test::{Expect, expect};

fn check(src: &str, expected: Expect) {
    expected.assert_eq(&support::render(&infrac_syntax::parse(src)));
}

#[test]
fn use_items() {
    check(
        "use std::files\nuse std::{apt, files as f,}\nuse lib::common as c",
        expect![[r#"
            Use std {files} @0..14
            Use std {apt, files as f} @15..42
            Use lib {common as c} @43..63
        "#]],
    );
}

#[test]
fn type_records_and_aliases() {
    check(
        "/// Host data.\npub type Web = {\n  /// The port.\n  port: int,\n  workers: int = 4,\n  tags: list<str> = [],\n}\ntype Port = int\ntype M = map<str, common.Web?>\ntype R = { a: int, b: () }",
        expect![[r#"
            pub Type Web docs="Host data." @15..106
              Field port docs="The port." @50..59
                Type int @56..59
              Field workers @63..79
                Type int @72..75
                default @78..79
                  Int 4 @78..79
              Field tags @83..103
                Type list @89..98
                  Type str @94..97
                default @101..103
                  List @101..103
            Type Port @107..122
              Type int @119..122
            Type M @123..153
              Type map @132..153
                Type str @136..139
                Optional @141..152
                  Type common.Web @141..151
            Type R @154..180
              Field a @165..171
                Type int @168..171
              Field b @173..178
                Unit @176..178
        "#]],
    );
}

#[test]
fn enums() {
    check(
        "enum Tier { frontend, /// docs\n backend, batch, }",
        expect![[r#"
        Enum Tier @0..49
          Variant frontend @12..20
          Variant backend docs="docs" @32..39
          Variant batch @41..46
    "#]],
    );
}

#[test]
fn params_and_groups() {
    check(
        "param release: str = \"2.4.0\"\nparam db_password: secret\ngroup web: Web = [\n  ssh(\"web-1\", user: \"deploy\", data: { port: 8080 }),\n]\ngroup control = [ssh(\"ctl-1\")]",
        expect![[r#"
            Param release @0..28
              Type str @15..18
              default @21..28
                Str @21..28
                  Text "2.4.0" @22..27
            Param db_password @29..54
              Type secret @48..54
            Group web @55..129
              Type Web @66..69
              List @72..129
                Call @76..126
                  Name ssh @76..79
                  Arg @80..87
                    Str @80..87
                      Text "web-1" @81..86
                  Arg user: @95..103
                    Str @95..103
                      Text "deploy" @96..102
                  Arg data: @111..125
                    Record @111..125
                      port: @113..117
                        Int 8080 @119..123
            Group control @130..160
              List @146..160
                Call @147..159
                  Name ssh @147..150
                  Arg @151..158
                    Str @151..158
                      Text "ctl-1" @152..157
        "#]],
    );
}

#[test]
fn stages() {
    check(
        "stage base on web, control { }\nstage token on one(control) -> str { shell(\"kubeadm token create\").stdout.trim() }\nstage app on web (serial: 2, max_failures: 1) { }",
        expect![[r#"
            Stage base @0..30
              Target web @14..17
              Target control @19..26
              Block @27..30
            Stage token @31..113
              Target one(control) @46..58
              Type str @62..65
              Block @66..113
                Call @68..111
                  Field .trim @68..109
                    Field .stdout @68..104
                      Call @68..97
                        Name shell @68..73
                        Arg @74..96
                          Str @74..96
                            Text "kubeadm token create" @75..95
            Stage app @114..163
              Target web @127..130
              Options serial: @140..141
                Int 2 @140..141
              Options max_failures: @157..158
                Int 1 @157..158
              Block @160..163
        "#]],
    );
}

#[test]
fn facts_native_and_with_body() {
    check(
        "pub fact os: OsRelease\npub fact file(path: str): File?\nfact port_open(port: int): bool {\n  probe(sh\"ss -ltn 'sport = :{port}'\").code == 0\n}",
        expect![[r#"
            pub Fact os @0..22
              Type OsRelease @13..22
              Native @0..22
            pub Fact file @23..54
              Param path @37..46
                Type str @43..46
              Optional @49..54
                Type File @49..53
              Native @23..54
            Fact port_open @55..139
              Param port @70..79
                Type int @76..79
              Type bool @82..86
              Block @87..139
                Binary == @91..137
                  Field .code @91..132
                    Call @91..127
                      Name probe @91..96
                      Arg @97..126
                        Sh @97..126
                          Text "ss -ltn 'sport = :" @100..118
                          Interp @118..124
                            Name port @119..123
                          Text "'" @124..125
                  Int 0 @136..137
        "#]],
    );
}

#[test]
fn ops_with_changes() {
    check(
        "op a(x: str) changes nothing { }\npub op directory(\n  /// The path.\n  path: str,\n  mode: int? = none,\n)\n    changes facts.file(path), facts.dir\n{\n  run(sh\"mkdir -p -- {path}\")\n}\nop b() { }",
        expect![[r#"
            Op a @0..32
              Param x @5..11
                Type str @8..11
              Changes nothing @21..28
              Block @29..32
            pub Op directory @33..176
              Param path docs="The path." @69..78
                Type str @75..78
              Param mode @82..99
                Optional @88..92
                  Type int @88..91
                default @95..99
                  None @95..99
              Changes @115..131
                Call @115..131
                  Field .file @115..125
                    Name facts @115..120
                  Arg @126..130
                    Name path @126..130
              Changes @133..142
                Field .dir @133..142
                  Name facts @133..138
              Block @143..176
                Call @147..174
                  Name run @147..150
                  Arg @151..173
                    Sh @151..173
                      Text "mkdir -p -- " @154..166
                      Interp @166..172
                        Name path @167..171
            Op b @177..187
              Block @184..187
        "#]],
    );
}

#[test]
fn fns_native_and_with_body() {
    check(
        "fn conf_path(name: str): str { \"/etc/app/{name}.conf\" }\nfn len(x: str): int\nfn unit() { return }",
        expect![[r#"
            Fn conf_path @0..55
              Param name @13..22
                Type str @19..22
              Type str @25..28
              Block @29..55
                Str @31..53
                  Text "/etc/app/" @32..41
                  Interp @41..47
                    Name name @42..46
                  Text ".conf" @47..52
            Fn len @56..75
              Param x @63..69
                Type str @66..69
              Type int @72..75
              Native @56..75
            Fn unit @76..96
              Block @86..96
                Return @88..94
        "#]],
    );
}

#[test]
fn keywords_as_names() {
    check(
        "pub fact group(name: str): Group?\nop attrs(group: str?) { if group != none { chgrp(group: group, type: 1) }; facts.group(group) }",
        expect![[r#"
            pub Fact group @0..33
              Param name @15..24
                Type str @21..24
              Optional @27..33
                Type Group @27..32
              Native @0..33
            Op attrs @34..129
              Param group @43..54
                Optional @50..54
                  Type str @50..53
              Block @56..129
                If @58..107
                  Binary != @61..74
                    Name group @61..66
                    None @70..74
                  Block @75..107
                    Call @77..105
                      Name chgrp @77..82
                      Arg group: @90..95
                        Name group @90..95
                      Arg type: @103..104
                        Int 1 @103..104
                Call @109..127
                  Field .group @109..120
                    Name facts @109..114
                  Arg @121..126
                    Name group @121..126
        "#]],
    );
}
