//! A real editor: headless Neovim (Debian 12's 0.7.2, or newer) with the
//! plugin in editors/nvim, talking to the real `infrac lsp` binary.
//! Skipped, with a message, when `nvim` is not installed
//! (scripts/test-all installs it). `INFRAC_TEST_NVIM=/path/to/nvim` runs
//! another Neovim (e.g. 0.11, whose plugin path is `vim.lsp.config`).

use std::path::Path;
use std::process::Command;

const SITE: &str = r#"use std::files

group web = [local()]

stage s on web {
  let f = facts.file("/etc/hosts")
  files.directroy("/tmp/x")
}
"#;

#[test]
fn neovim_gets_diagnostics_completion_and_hover() {
    let nvim = std::env::var("INFRAC_TEST_NVIM").unwrap_or_else(|_| "nvim".into());
    if Command::new(&nvim).arg("--version").output().is_err() {
        eprintln!("skipped: {nvim} is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("site.infra");
    std::fs::write(&file, SITE).expect("write site.infra");
    let out = dir.path().join("out.txt");
    let status = Command::new("timeout")
        .arg("60")
        .arg(&nvim)
        .args(["--headless", "--clean", "--cmd"])
        .arg(format!("set rtp^={}", root.join("editors/nvim").display()))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            root.join("editors/nvim/tests/lsp_smoke.lua").display()
        ))
        .env("INFRAC_BIN", env!("CARGO_BIN_EXE_infrac"))
        .env("INFRA_FILE", &file)
        .env("OUT", &out)
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .status()
        .expect("run nvim");
    let report = std::fs::read_to_string(&out).unwrap_or_else(|_| "<no output>".into());
    assert!(status.success(), "nvim exited with {status}:\n{report}");
    expect_test::expect![[r#"
        filetype infra
        diagnostic 5:6 unused variable `f` | help: if this is intentional, prefix it with an underscore: `_f`
        diagnostic 6:8 module `files` has no op or fn `directroy` | help: did you mean `directory`?
        completion has file, os: true
        hover ```infra | let f: File? | ```
        errors after the fix: 0
        PASS
    "#]].assert_eq(&report);
}
