//! Many snippets (fact readers, commands) in ONE shell script: each runs in
//! its own subshell, then the script prints a marker line with the
//! snippet's index and exit status on stdout (and the index on stderr); a
//! snippet may stop the script when it fails. The marker is random per
//! batch and never appears whole in the script text (it is assembled from
//! two shell variables), so no output — not even `ps` showing the script —
//! can forge it.

use infrac_connect::shell::random_hex;

use super::Section;

/// A batch script and what is needed to split its output.
pub struct Batch {
    pub script: String,
    marker: String,
    count: usize,
}

impl Batch {
    /// Joins `snippets` (shell code, run in order) into one script.
    pub fn new(snippets: &[&str]) -> Batch {
        let all: Vec<(&str, bool)> = snippets.iter().map(|s| (*s, false)).collect();
        Batch::with_marker(&all, random_marker())
    }

    /// Like [`Batch::new`]; a snippet paired with `true` ends the script
    /// when it exits with a non-zero status (the later ones do not run).
    pub fn stopping(snippets: &[(&str, bool)]) -> Batch {
        Batch::with_marker(snippets, random_marker())
    }

    fn with_marker(snippets: &[(&str, bool)], marker: String) -> Batch {
        let (left, right) = marker.split_at(marker.len() / 2);
        let mut script = format!("infrac_l={left}; infrac_r={right}\n");
        for (i, (snippet, stop)) in snippets.iter().enumerate() {
            script.push_str(&format!(
                "(\n{snippet}\n) </dev/null\n\
                 infrac_rc=$?\n\
                 printf '\\n%s%s {i} %s\\n' \"$infrac_l\" \"$infrac_r\" \"$infrac_rc\"\n\
                 printf '\\n%s%s {i}\\n' \"$infrac_l\" \"$infrac_r\" >&2\n"
            ));
            if *stop {
                script.push_str("[ \"$infrac_rc\" -eq 0 ] || exit 0\n");
            }
        }
        Batch {
            script,
            marker,
            count: snippets.len(),
        }
    }

    /// Splits the batch's stdout and stderr into one section per snippet,
    /// in order. A section whose marker is missing (the script was cut
    /// short) is an error that quotes the batch's last error output.
    pub fn split(&self, stdout: &str, stderr: &str) -> Vec<Result<Section, String>> {
        let mut out_pos = 0;
        let mut err_pos = 0;
        let mut sections = Vec::with_capacity(self.count);
        for i in 0..self.count {
            let section = self
                .next_stdout(stdout, &mut out_pos, i)
                .map(|(text, code)| {
                    let err_text = self
                        .next_stderr(stderr, &mut err_pos, i)
                        .unwrap_or_default();
                    Section {
                        code,
                        stdout: text.to_string(),
                        stderr: err_text.to_string(),
                    }
                })
                .ok_or_else(|| cut_short(stderr, err_pos));
            sections.push(section);
        }
        sections
    }

    /// The text up to `\nMARKER i CODE\n`, and CODE.
    fn next_stdout<'a>(
        &self,
        stdout: &'a str,
        pos: &mut usize,
        i: usize,
    ) -> Option<(&'a str, i32)> {
        let needle = format!("\n{} {i} ", self.marker);
        let rest = stdout.get(*pos..)?;
        let at = rest.find(&needle)?;
        let after = &rest[at + needle.len()..];
        let end = after.find('\n')?;
        let code = after[..end].parse().ok()?;
        *pos += at + needle.len() + end + 1;
        Some((&rest[..at], code))
    }

    fn next_stderr<'a>(&self, stderr: &'a str, pos: &mut usize, i: usize) -> Option<&'a str> {
        let needle = format!("\n{} {i}\n", self.marker);
        let rest = stderr.get(*pos..)?;
        let at = rest.find(&needle)?;
        *pos += at + needle.len();
        Some(&rest[..at])
    }
}

fn cut_short(stderr: &str, pos: usize) -> String {
    let tail = stderr.get(pos..).unwrap_or_default().trim();
    if tail.is_empty() {
        "the script stopped before this part ran".to_string()
    } else {
        format!("the script stopped before this part ran: {tail}")
    }
}

/// 128 random bits as hex.
fn random_marker() -> String {
    format!("INFRAC{}{}", random_hex(), random_hex())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn run(script: &str) -> (String, String) {
        let out = Command::new("sh").arg("-c").arg(script).output();
        let Ok(out) = out else {
            panic!("cannot run sh")
        };
        (
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }

    fn section(code: i32, stdout: &str, stderr: &str) -> Result<Section, String> {
        Ok(Section {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
        })
    }

    #[test]
    fn markers_are_random_and_absent_from_the_script() {
        let a = Batch::new(&["true"]);
        let b = Batch::new(&["true"]);
        assert_ne!(a.marker, b.marker);
        assert!(!a.script.contains(&a.marker));
    }

    #[test]
    fn sections_keep_exact_bytes_status_and_stderr() {
        let batch = Batch::new(&[
            "printf 'no newline'",
            "printf 'two\\n\\n'; echo oops >&2; exit 3",
            "printf ''",
            "exit 0",
        ]);
        let (stdout, stderr) = run(&batch.script);
        assert_eq!(
            batch.split(&stdout, &stderr),
            vec![
                section(0, "no newline", ""),
                section(3, "two\n\n", "oops\n"),
                section(0, "", ""),
                section(0, "", ""),
            ]
        );
    }

    #[test]
    fn delimiter_like_output_cannot_forge_a_section() {
        // Outputs that print the script itself and marker-like lines.
        let batch = Batch::new(&[
            "cat /proc/$$/cmdline 2>/dev/null; printf '\\nINFRAC0000 1 0\\n'",
            "set | grep infrac_ ; echo \"$infrac_l $infrac_r\"",
            "echo last",
        ]);
        let (stdout, stderr) = run(&batch.script);
        let sections = batch.split(&stdout, &stderr);
        assert_eq!(sections.len(), 3);
        assert!(
            sections[0]
                .as_ref()
                .is_ok_and(|s| s.stdout.contains("INFRAC0000 1 0"))
        );
        assert!(sections[1].as_ref().is_ok_and(|s| s.code == 0));
        assert_eq!(sections[2], section(0, "last\n", ""));
    }

    #[test]
    fn exit_in_a_snippet_does_not_stop_the_batch() {
        let batch = Batch::new(&["exit 7", "cd / && echo moved", "pwd"]);
        let (stdout, stderr) = run(&format!("cd /tmp && {}", batch.script));
        let sections = batch.split(&stdout, &stderr);
        assert_eq!(sections[0], section(7, "", ""));
        assert_eq!(sections[2], section(0, "/tmp\n", ""));
    }

    #[test]
    fn a_stopping_snippet_that_fails_ends_the_script() {
        let batch = Batch::stopping(&[("echo a", true), ("exit 4", true), ("echo c", false)]);
        let (stdout, stderr) = run(&batch.script);
        let sections = batch.split(&stdout, &stderr);
        assert_eq!(sections[0], section(0, "a\n", ""));
        assert_eq!(sections[1], section(4, "", ""));
        assert!(sections[2].is_err());
    }

    #[test]
    fn truncated_output_is_an_error_per_missing_section() {
        let batch = Batch::with_marker(&[("echo a", false), ("echo b", false)], "MARK".into());
        let stdout = "a\n\nMARK 0 0\nb\n";
        let sections = batch.split(stdout, "\nMARK 0\nConnection reset\n");
        assert_eq!(sections[0], section(0, "a\n", ""));
        assert_eq!(
            sections[1],
            Err("the script stopped before this part ran: Connection reset".into())
        );
        // Garbage everywhere: no panic, every section is an error.
        let garbage = batch.split("\nMARK 0 notanumber\n", "\u{0}\u{ffff}");
        assert!(garbage.iter().all(Result::is_err));
    }
}
