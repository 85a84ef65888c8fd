//! Where a run's events go: a human view (live on a terminal, plain lines
//! otherwise) or JSON lines; values as JSON.

mod human;
mod json;
mod value_json;

pub use human::HumanSink;
pub use json::JsonSink;
pub use value_json::value_json;

use crate::event::{RunEvent, RunSummary};

/// Receives every event of a run in order, then the summary.
pub trait Sink: Send {
    fn event(&mut self, event: &RunEvent);
    fn finish(&mut self, summary: &RunSummary);
}

/// `1.234s`, `56ms`: durations as the outputs print them.
pub fn format_duration(d: std::time::Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

/// `text` with its control characters other than newline and tab written
/// out (`\x1b`): text from hosts (a command's error output) must not drive
/// the user's terminal (set its title, erase or hide lines).
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn control_characters_from_hosts_are_written_out() {
        assert_eq!(terminal_safe("ok\n\tline"), "ok\n\tline");
        assert_eq!(
            terminal_safe("ok\u{1b}]0;PWNED\u{7}\u{1b}[2K\r\u{9b}x"),
            "ok\\x1b]0;PWNED\\x07\\x1b[2K\\x0d\\x9bx"
        );
    }
}
