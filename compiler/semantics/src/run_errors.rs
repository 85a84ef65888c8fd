//! Run-time errors as diagnostics: a place of a compiled program (module +
//! byte span, [`infrac_bytecode::Place`]) turned into file, line and span
//! of the program's sources, so that a failed host is shown like a compile
//! error.

use infrac_bytecode::{Locate, Location, ModuleInfo, Place};
use infrac_syntax::ast::Span;

use crate::db::Database;
use crate::diagnostic::{Diagnostic, LineIndex, Severity};

/// The program's module sources, to turn places into file and line.
pub struct Sources {
    /// Display path and text, by module index.
    modules: Vec<(String, String)>,
}

impl Sources {
    /// The sources of `modules` (a program's `modules`) as `db` has them.
    pub fn new(db: &Database, modules: &[ModuleInfo]) -> Sources {
        let modules = modules
            .iter()
            .map(|m| {
                let text = db
                    .file_by_display_path(&m.path)
                    .and_then(|f| f.text(db).clone())
                    .unwrap_or_default();
                (m.path.clone(), text)
            })
            .collect();
        Sources { modules }
    }

    /// A run-time error as a diagnostic: `title`, and `message` under its
    /// place; `notes` (the call chain) as `message: file:line` notes. A
    /// message's lines after the first (a command's stderr) are a note.
    pub fn diagnostic(
        &self,
        title: String,
        message: &str,
        place: Option<Place>,
        notes: &[(String, Place)],
    ) -> Diagnostic {
        let (file, span) = match place {
            Some(place) => (self.path(place.module), self.first_line(place)),
            None => (String::new(), Span::default()),
        };
        let (label, output) = message.split_once('\n').unwrap_or((message, ""));
        let mut notes: Vec<String> = notes
            .iter()
            .map(|(message, place)| {
                let loc = self.locate(*place);
                format!("{message}: {}:{}", loc.file, loc.line)
            })
            .collect();
        if !output.trim().is_empty() {
            notes.insert(0, format!("output:\n{}", output.trim_end()));
        }
        Diagnostic {
            severity: Severity::Error,
            code: "run",
            message: title,
            file,
            span,
            label: Some(label.to_string()),
            labels: Vec::new(),
            notes,
            help: None,
        }
    }

    /// The place's span, cut at the end of its first line: a whole stage
    /// (the place of a connection failure) is shown by its header.
    fn first_line(&self, place: Place) -> Span {
        let text = self
            .modules
            .get(place.module as usize)
            .map_or("", |(_, t)| t.as_str());
        let (start, end) = (place.span.start, place.span.end);
        let line_end = text
            .get(start as usize..)
            .and_then(|rest| rest.find('\n'))
            .and_then(|n| u32::try_from(n).ok())
            .map_or(end, |n| start + n);
        Span::new(start, end.min(line_end).max(start))
    }

    fn path(&self, module: u32) -> String {
        self.modules
            .get(module as usize)
            .map(|(p, _)| p.clone())
            .unwrap_or_default()
    }
}

impl Locate for Sources {
    fn locate(&self, place: Place) -> Location {
        let Some((file, text)) = self.modules.get(place.module as usize) else {
            return Location {
                file: String::from("?"),
                line: 0,
            };
        };
        let (line, _) = LineIndex::new(text).line_col(place.span.start);
        Location {
            file: file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use infrac_bytecode::Span as CodeSpan;

    use super::*;
    use crate::db::MemoryFileLoader;

    #[test]
    fn an_error_is_shown_at_the_first_line_of_its_place_with_its_output_as_a_note() {
        let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
        let text = "group g = [local()]\nstage s on g {\n  run(sh\"false\")\n}\n";
        db.set_file_text(std::path::Path::new("site.infra"), text.to_string());
        let modules = [ModuleInfo {
            path: "site.infra".into(),
            is_std: false,
        }];
        let sources = Sources::new(&db, &modules);
        let stage = Place {
            module: 0,
            span: CodeSpan::new(20, text.len() as u32),
        };
        let call = Place {
            module: 0,
            span: CodeSpan::new(37, 51),
        };
        let diag = sources.diagnostic(
            "host `h` failed in stage `s`".into(),
            "command failed\nboom",
            Some(stage),
            &[("called here".into(), call)],
        );
        assert_eq!(diag.file, "site.infra");
        assert_eq!(
            &text[diag.span.start as usize..diag.span.end as usize],
            "stage s on g {"
        );
        assert_eq!(diag.label.as_deref(), Some("command failed"));
        assert_eq!(diag.notes, ["output:\nboom", "called here: site.infra:3"]);
    }
}
