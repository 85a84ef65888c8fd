//! Quoting, end to end: nasty values given with `--set` go through
//! `sh"..."` and through the standard ops; the host must see exactly those
//! bytes, and nothing else may run (a `$(touch ...)` in a value stays text).

use proptest::prelude::*;

mod run_common;
use run_common::{Program, op_events, summary_of};

const PROGRAM: &str = r#"
use std::files

param root: str
param value: str
param name: str

group here = [local()]

/// Writes `value` with a command literal: the interpolation is quoted.
op write_raw(path: str, value: str) changes nothing {
  run(sh"printf '%s' {value} > {path}")
}

stage s on here {
  write_raw("{root}/raw", value)
  files.file("{root}/{name}", content: value)
  files.line("{root}/lines", value.replace("\n", " "))
}
"#;

/// Characters that shells, awk, sed and printf treat specially.
fn nasty() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "'",
        "\"",
        "$",
        "`",
        "\\",
        "\n",
        ";",
        "|",
        "&",
        "(",
        ")",
        "{",
        "}",
        "*",
        "?",
        "~",
        "#",
        "!",
        "<",
        ">",
        " ",
        "%s",
        "%",
        "-",
        "--",
        "$(touch PWNED)",
        "`touch PWNED`",
        "'; touch PWNED; '",
        "é",
        "\t",
        "[",
        "]",
        "^",
    ]);
    prop::collection::vec(
        prop_oneof![special.prop_map(str::to_string), "[a-z0-9]{1,3}"],
        1..8,
    )
    .prop_map(|parts| parts.concat())
}

/// A file name: no `/`, no newline (`files.line` needs none in the path),
/// never `.` or `..`.
fn file_name() -> impl Strategy<Value = String> {
    nasty().prop_map(|s| format!("f{}", s.replace(['/', '\n'], "_")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_host_sees_exactly_the_bytes(value in nasty(), name in file_name()) {
        let program = Program::new(PROGRAM);
        let set_value = format!("value={value}");
        let set_name = format!("name={name}");
        let out = program.run_json(&["--set", &set_value, "--set", &set_name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr);
        let root = program.root();
        prop_assert_eq!(std::fs::read(root.join("raw")).ok(), Some(value.clone().into_bytes()));
        prop_assert_eq!(std::fs::read(root.join(&name)).ok(), Some(value.clone().into_bytes()));
        let line = format!("{}\n", value.replace('\n', " "));
        prop_assert_eq!(std::fs::read(root.join("lines")).ok(), Some(line.into_bytes()));
        // Nothing but the three files: no injected command ran.
        let mut entries: Vec<String> = std::fs::read_dir(root)
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        entries.sort();
        let mut expected = vec!["lines".to_string(), "raw".to_string(), name.clone()];
        expected.sort();
        prop_assert_eq!(entries, expected);
        // Commands run in the program's folder: an injected `touch` lands there.
        prop_assert!(!root.parent().is_some_and(|d| d.join("PWNED").exists()));
        // `write_raw` ran exactly one command.
        let ops = op_events(&out);
        prop_assert_eq!(ops[0]["commands"].as_array().map(Vec::len), Some(1));
        prop_assert_eq!(&summary_of(&out)["failed"], 0);
    }
}
