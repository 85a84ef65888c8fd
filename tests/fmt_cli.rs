//! `infrac fmt`: `--check` reports, plain `fmt` rewrites, comments stay.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::process::Command;

const MESSY: &str = "use std::files   // files\n\n\n\ngroup web = [local()]\nstage s on web {\n      files.directory(\"/tmp/x\",\n mode: 0o755)\n}\n";

fn fmt(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .arg("fmt")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run infrac fmt");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_then_format_then_check_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("site.infra");
    std::fs::write(&file, MESSY).expect("write");
    std::fs::write(dir.path().join("broken.infra"), "stage {").expect("write");

    let (code, out) = fmt(dir.path(), &["--check", "site.infra"]);
    assert_eq!((code, out.trim()), (1, "site.infra: not formatted"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_default(),
        MESSY,
        "--check changes nothing"
    );

    let (code, _) = fmt(dir.path(), &["site.infra"]);
    assert_eq!(code, 0);
    expect_test::expect![[r#"
        use std::files // files

        group web = [local()]
        stage s on web {
          files.directory("/tmp/x",
            mode: 0o755)
        }
    "#]]
    .assert_eq(&std::fs::read_to_string(&file).unwrap_or_default());
    assert_eq!(fmt(dir.path(), &["--check", "site.infra"]).0, 0);

    // A file that does not parse is left alone, with a message.
    let (code, out) = fmt(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("broken.infra: not formatted: 1 syntax error"),
        "{out}"
    );
}
