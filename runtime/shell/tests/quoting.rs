//! Shell quoting: whatever bytes a value holds, the quoted word is exactly
//! those bytes to the shell.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::process::Command;

use proptest::prelude::*;

fn shell_prints(word: &str) -> Vec<u8> {
    let script = format!("printf %s {}", infrac_shell::quote(word));
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "sh failed on {script:?}");
    out.stdout
}

fn nasty() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        " ", "'", "\"", "$(id)", "`id`", ";", "\n", "*", "?", "[a]", "-rf", "--", "\\", "$HOME",
        "é", "日本", "!", "&&", "|", ">", "#", "~", "{a,b}", "\t", "%s", "a", "0",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn quoted_words_reach_the_shell_unchanged(word in nasty()) {
        prop_assert_eq!(shell_prints(&word), word.as_bytes());
    }

    #[test]
    fn arbitrary_text_is_one_word(word in "\\PC{0,20}") {
        // A NUL byte cannot be in a shell argument at all.
        prop_assume!(!word.contains('\0'));
        prop_assert_eq!(shell_prints(&word), word.as_bytes());
    }
}

#[test]
fn leading_dashes_stay_one_word() {
    let script = format!(
        "for a in {}; do printf '<%s>' \"$a\"; done",
        infrac_shell::quote("-n x")
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("sh runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "<-n x>");
}
