//! F22: two runs of infrac changing lines of one file at once must not
//! lose either change (rewrites of one directory take turns on the host).

use crate::run_common::Program;

const PROGRAM: &str = r#"
use std::files
param root: str
param key: str
param file: str
group here = [local()]
stage s on here {
  files.line(file, "{key}=new", replace: "^{key}=")
  files.line(file, "added-{key}")
}
"#;

#[test]
fn concurrent_line_updates_are_never_lost() {
    let a = Program::new(PROGRAM);
    let b = Program::new(PROGRAM);
    let file = a.root().join("conc.conf");
    let file_arg = format!("file={}", file.display());
    for trial in 0..20 {
        std::fs::write(&file, "A=old\nB=old\n").unwrap_or_else(|e| panic!("{e}"));
        let run_a = a.spawn_json(&["--set", "key=A", "--set", &file_arg]);
        let run_b = b.spawn_json(&["--set", "key=B", "--set", &file_arg]);
        for run in [run_a, run_b] {
            let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        assert_eq!(
            lines,
            ["A=new", "B=new", "added-A", "added-B"],
            "trial {trial}: {text:?}"
        );
    }
}
