//! Snapshots of the bytecode of small programs (`UPDATE_EXPECT=1` to
//! refresh), checked and compiled as `infrac run` does; only the user
//! module's functions are shown, so the output stays short.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::path::Path;
use std::sync::Arc;

use expect_test::{Expect, expect};
use infrac_compiler::{Database, MemoryFileLoader};

/// The bytecode of `src` (as `site.infra`): the program's tables, then
/// the functions of `site.infra` (the standard library's are left out).
fn check(src: &str, expected: Expect) {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    let file = db.set_file_text(Path::new("site.infra"), src.to_string());
    let program = match infrac_compiler::compile(&db, file) {
        Ok(program) => program,
        Err(diags) => panic!("{diags:#?}"),
    };
    let text = program.to_string();
    let (tables, functions) = text.split_once("\n\n").unwrap_or((&text, ""));
    let functions: Vec<&str> = functions
        .split("\n\n")
        .filter(|block| block.contains(", site.infra,"))
        .collect();
    // The tables' lines for the user's items: those naming one of its
    // functions.
    let own = |line: &&str| {
        functions.iter().any(|f| {
            let number = f.split_whitespace().next().unwrap_or("");
            line.ends_with(&format!("= {number}")) || line.contains(&format!("= {number} "))
        })
    };
    let tables: Vec<&str> = tables.lines().filter(own).collect();
    expected.assert_eq(&format!(
        "{}\n\n{}",
        tables.join("\n"),
        functions.join("\n\n")
    ));
}

#[test]
fn stage_with_options_and_value() {
    check(
        r#"param who: str = "world"
group g = [local()]
stage hello on one(g) (serial: "30%", sudo: true) -> str { "hello {who:03}" }"#,
        expect![[r#"
            param #0 who: str = fn#3
            group #0 g: () = fn#4
            stage #0 hello on one(g) (serial: 30%, sudo: true) -> value = fn#5

            fn#3 param who default (Default, site.infra, arity 0, locals 0)
              0000 Const "world"                     @17..24
              0001 Return                            @17..24

            fn#4 group g (Group, site.infra, arity 0, locals 0)
              0000 PushNone                          @36..43
              0001 PushFalse                         @36..43
              0002 PushNone                          @36..43
              0003 PushNone                          @36..43
              0004 CallBuiltin local/4               @36..43
              0005 MakeList 1                        @35..44
              0006 Return                            @35..44

            fn#5 stage hello (Stage, site.infra, arity 0, locals 0)
              0000 Const "hello "                    @105..111
              0001 LoadParam who                     @112..115
              0002 Format {:03}                      @111..119
              0003 Concat 2                          @104..120
              0004 Return                            @102..122
        "#]],
    );
}

#[test]
fn changes_with_lists_of_entries_loop_over_them() {
    check(
        r#"fact exists(path: str): bool { true }
fn above(path: str): list<str> { [path] }
op make(path: str, more: list<str>) changes facts.exists(path), facts.exists(above(path)), facts.exists(more), facts.exists(["/a"]) {
  run(sh"true")
}"#,
        expect![[r#"
            fact #0 site.exists/1 = fn#0
            op #0 site.make/2 = fn#2 changes listed

            fn#0 fact site.exists (Fact, site.infra, arity 1, locals 1)
              0000 PushTrue                          @31..35
              0001 Return                            @29..37

            fn#1 site.above (Fn, site.infra, arity 1, locals 1)
              0000 LoadLocal 0                       @72..76
              0001 MakeList 1                        @71..77
              0002 Return                            @69..79

            fn#2 op site.make (Op, site.infra, arity 2, locals 4)
              0000 Const "true"                      @223..227
              0001 MakeCmd 1                         @220..228
              0002 PushNone                          @216..229
              0003 PushTrue                          @216..229
              0004 PushNone                          @216..229
              0005 CallBuiltin run/4                 @216..229
              0006 Pop                               @212..231
              0007 OpChanged                         @124..142
              0008 JumpIfFalse 34                    @124..142
              0009 LoadLocal 0                       @137..141
              0010 Invalidate site.exists/1          @124..142
              0011 LoadLocal 0                       @163..167
              0012 Call fn#1 site.above/1            @157..168
              0013 StoreLocal 2                      @144..169
              0014 Const 0                           @144..169
              0015 StoreLocal 3                      @144..169
              0016 IterNext slot 2 exit 19           @144..169
              0017 Invalidate site.exists/1          @144..169
              0018 Jump 16                           @144..169
              0019 LoadLocal 1                       @184..188
              0020 StoreLocal 2                      @171..189
              0021 Const 0                           @171..189
              0022 StoreLocal 3                      @171..189
              0023 IterNext slot 2 exit 26           @171..189
              0024 Invalidate site.exists/1          @171..189
              0025 Jump 23                           @171..189
              0026 Const "/a"                        @205..209
              0027 MakeList 1                        @204..210
              0028 StoreLocal 2                      @191..211
              0029 Const 0                           @191..211
              0030 StoreLocal 3                      @191..211
              0031 IterNext slot 2 exit 34           @191..211
              0032 Invalidate site.exists/1          @191..211
              0033 Jump 31                           @191..211
              0034 PushNone                          @124..142
              0035 Return                            @124..142"#]],
    );
}

#[test]
fn op_with_changes_and_record_defaults() {
    check(
        r#"type Opts = { mode: int = 0o644 }
fact exists(path: str): bool { probe(sh"test -e {path}").code == 0 }
op put(path: str, o: Opts = {}) changes facts.exists(path) {
  if o.mode > 0 { return }
  run(sh"touch {path}")
}"#,
        expect![[r#"
            fact #0 site.exists/1 = fn#0
            op #0 site.put/2 = fn#1 changes listed

            fn#0 fact site.exists (Fact, site.infra, arity 1, locals 1)
              0000 Const "test -e "                  @74..82
              0001 LoadLocal 0                       @83..87
              0002 ShQuote                           @82..88
              0003 MakeCmd 2                         @71..89
              0004 PushNone                          @65..90
              0005 CallBuiltin probe/2               @65..90
              0006 GetField "code"                   @65..95
              0007 Const 0                           @99..100
              0008 Eq                                @65..100
              0009 Return                            @63..102

            fn#1 op site.put (Op, site.infra, arity 2, locals 2)
              0000 LoadLocal 1                       @169..170
              0001 GetField "mode"                   @169..175
              0002 Const 0                           @178..179
              0003 Gt                                @169..179
              0004 JumpIfFalse 9                     @166..190
              0005 PushNone                          @182..188
              0006 Pop                               @182..188
              0007 Jump 20                           @182..188
              0008 Jump 10                           @166..190
              0009 PushNone                          @166..190
              0010 Pop                               @166..190
              0011 Const "touch "                    @200..206
              0012 LoadLocal 0                       @207..211
              0013 ShQuote                           @206..212
              0014 MakeCmd 2                         @197..213
              0015 PushNone                          @193..214
              0016 PushTrue                          @193..214
              0017 PushNone                          @193..214
              0018 CallBuiltin run/4                 @193..214
              0019 Pop                               @162..216
              0020 OpChanged                         @143..161
              0021 JumpIfFalse 24                    @143..161
              0022 LoadLocal 0                       @156..160
              0023 Invalidate site.exists/1          @143..161
              0024 PushNone                          @143..161
              0025 Return                            @143..161

            fn#5 site.Opts.mode default (Default, site.infra, arity 0, locals 0)
              0000 Const 420                         @26..31
              0001 Return                            @26..31

            fn#6 site.put default o (Default, site.infra, arity 0, locals 0)
              0000 Call fn#5 site.Opts.mode default/0 @131..133
              0001 MakeRecord {mode}                 @131..133
              0002 Return                            @131..133
        "#]],
    );
}

#[test]
fn loops_matches_and_optionals() {
    check(
        r#"enum Mode { a, b }
fn f(xs: list<str>, m: Mode, o: str?): str {
  for x in xs { if x == "" { return "empty" } }
  let k = match m { Mode.a => 1, _ => 2 }
  sh"echo {raw(o ?? "-")} {k:x}"
  o?.trim() ?? "none"
}"#,
        expect![[r#"


            fn#0 site.f (Fn, site.infra, arity 3, locals 6)
              0000 LoadLocal 0                       @75..77
              0001 StoreLocal 3                      @75..77
              0002 Const 0                           @75..77
              0003 StoreLocal 4                      @75..77
              0004 IterNext slot 3 exit 16           @75..77
              0005 StoreLocal 5                      @70..71
              0006 LoadLocal 5                       @83..84
              0007 Const ""                          @88..90
              0008 Eq                                @83..90
              0009 JumpIfFalse 13                    @80..109
              0010 Const "empty"                     @100..107
              0011 Return                            @93..107
              0012 Jump 14                           @80..109
              0013 PushNone                          @80..109
              0014 Pop                               @78..111
              0015 Jump 4                            @78..111
              0016 LoadLocal 1                       @128..129
              0017 StoreLocal 3                      @122..153
              0018 LoadLocal 3                       @132..138
              0019 Const Mode.a                      @132..138
              0020 Eq                                @132..138
              0021 JumpIfTrue 23                     @132..138
              0022 Jump 25                           @132..143
              0023 Const 1                           @142..143
              0024 Jump 32                           @132..143
              0025 Const 2                           @150..151
              0026 Jump 32                           @145..151
              0027 Const "no match arm matches "     @122..153
              0028 LoadLocal 3                       @122..153
              0029 Format                            @122..153
              0030 Concat 2                          @122..153
              0031 Fail                              @122..153
              0032 StoreLocal 3                      @114..153
              0033 Const "echo "                     @159..164
              0034 LoadLocal 2                       @169..170
              0035 Dup                               @169..177
              0036 IsNone                            @169..177
              0037 JumpIfFalse 40                    @169..177
              0038 Pop                               @169..177
              0039 Const "-"                         @174..177
              0040 ShRaw                             @164..179
              0041 Const " "                         @179..180
              0042 LoadLocal 3                       @181..182
              0043 Format {:x}                       @180..185
              0044 ShQuote                           @180..185
              0045 MakeCmd 4                         @156..186
              0046 Pop                               @156..186
              0047 LoadLocal 2                       @189..190
              0048 Dup                               @189..198
              0049 IsNone                            @189..198
              0050 JumpIfTrue 52                     @189..198
              0051 CallMethod "trim"/0               @189..198
              0052 Dup                               @189..208
              0053 IsNone                            @189..208
              0054 JumpIfFalse 57                    @189..208
              0055 Pop                               @189..208
              0056 Const "none"                      @202..208
              0057 Return                            @62..210"#]],
    );
}
