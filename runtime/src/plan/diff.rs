//! Unified diffs of the files a plan would upload, with secrets redacted.

use infrac_vm::local_files::{MAX_PROGRAM_FILE, read_regular};
use infrac_vm::request::{UploadRequest, UploadSource};
use similar::TextDiff;

use crate::secrets::redact;

/// Diffs longer than this many lines are cut.
const MAX_LINES: usize = 400;

/// The diff from the file's current content to the uploaded one. `None`
/// when the plan did not read the current content.
pub fn upload_diff(
    request: &UploadRequest,
    current: &Option<Option<Vec<u8>>>,
    secret: bool,
    secrets: &[String],
) -> Option<String> {
    let current = current.as_ref()?;
    if secret {
        return Some("(secret content: not shown)\n".into());
    }
    let new = match &request.source {
        UploadSource::Content(bytes) => bytes.clone(),
        UploadSource::LocalFile(path) => match read_regular(path, MAX_PROGRAM_FILE) {
            Ok(bytes) => bytes,
            Err(e) => return Some(format!("({e})\n")),
        },
    };
    let old = current.as_deref().unwrap_or_default();
    let (Some(old_text), Some(new_text)) = (text(old), text(&new)) else {
        return Some(format!(
            "(binary content: {} bytes -> {} bytes)\n",
            old.len(),
            new.len()
        ));
    };
    // A file that holds a secret is not shown at all: its current content
    // may hold the previous value of that secret, which nothing redacts.
    if secrets
        .iter()
        .any(|s| !s.is_empty() && new_text.contains(s.as_str()))
    {
        return Some("(content with a secret: not shown)\n".into());
    }
    let (old_text, new_text) = (redact(old_text, secrets), redact(new_text, secrets));
    let old_name = match current {
        Some(_) => format!("{} (now)", request.remote),
        None => "/dev/null".to_string(),
    };
    let diff = TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("{} (planned)", request.remote))
        .to_string();
    Some(cut(diff))
}

/// Text when it is UTF-8 without NUL bytes.
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|t| !t.contains('\0'))
}

fn cut(diff: String) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= MAX_LINES {
        return diff;
    }
    let mut out = lines[..MAX_LINES].join("\n");
    out.push_str(&format!("\n... ({} more lines)\n", lines.len() - MAX_LINES));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content: &str) -> UploadRequest {
        UploadRequest {
            source: UploadSource::Content(content.as_bytes().to_vec()),
            remote: "/etc/app.conf".into(),
            mode: None,
            owner: None,
            group: None,
            sudo: None,
        }
    }

    #[test]
    fn a_file_with_a_secret_is_not_shown_and_others_are_redacted() {
        // The file's current content may hold the secret's previous value.
        let old = Some(Some(b"port = 80\npassword = old\n".to_vec()));
        let secrets = vec!["hunter2".to_string()];
        let diff = upload_diff(
            &request("port = 8080\npassword = hunter2\n"),
            &old,
            false,
            &secrets,
        );
        assert_eq!(
            diff.as_deref(),
            Some("(content with a secret: not shown)\n")
        );
        // A secret that only the current content holds is redacted there.
        let old = Some(Some(b"port = 80\npassword = hunter2\n".to_vec()));
        let diff = upload_diff(&request("port = 8080\n"), &old, false, &secrets);
        expect_test::expect![[r#"
            --- /etc/app.conf (now)
            +++ /etc/app.conf (planned)
            @@ -1,2 +1 @@
            -port = 80
            -password = ***
            +port = 8080
        "#]]
        .assert_eq(&diff.unwrap_or_default());
    }

    #[test]
    fn new_file_secret_and_unread() {
        let diff = upload_diff(&request("a\n"), &Some(None), false, &[]);
        expect_test::expect![[r#"
            --- /dev/null
            +++ /etc/app.conf (planned)
            @@ -0,0 +1 @@
            +a
        "#]]
        .assert_eq(&diff.unwrap_or_default());
        let secret = upload_diff(&request("pw"), &Some(None), true, &[]);
        assert_eq!(secret.as_deref(), Some("(secret content: not shown)\n"));
        assert_eq!(upload_diff(&request("a"), &None, false, &[]), None);
    }
}
