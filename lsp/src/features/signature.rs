//! Signature help: the parameters of the op, fn, fact or built-in whose
//! argument list the cursor is in, with the current one highlighted.
//!
//! The call is found in the text (the code being typed rarely parses):
//! the innermost unclosed `(` before the cursor, outside strings and
//! comments, and the dotted name before it.

use infrac_compiler::Semantics;
use infrac_syntax::Span;
use tower_lsp_server::ls_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, SignatureHelp,
    SignatureInformation,
};

use super::completion::speculate;
use crate::state::Snapshot;

pub fn signature_help(snap: &Snapshot, offset: u32) -> Option<SignatureHelp> {
    let before = snap.text.get(..offset as usize)?;
    let call = open_call(before)?;
    let Callee {
        label: label_name,
        params,
        docs,
    } = callee_params(snap, &call, offset)?;
    let mut label = format!("{label_name}(");
    let mut infos = Vec::new();
    for (i, (name, ty)) in params.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        let start = label.encode_utf16().count() as u32;
        label.push_str(&format!("{name}: {ty}"));
        let end = label.encode_utf16().count() as u32;
        infos.push(ParameterInformation {
            label: ParameterLabel::LabelOffsets([start, end]),
            documentation: None,
        });
    }
    label.push(')');
    // The argument being written: the one it names, else the first
    // parameter neither covered by the positional arguments before it nor
    // given by name.
    let active = match &call.named {
        Some(n) => params.iter().position(|(p, _)| p == n),
        None => params
            .iter()
            .enumerate()
            .position(|(i, (p, _))| i >= call.positional && !call.given.contains(p)),
    };
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: docs.map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            parameters: Some(infos),
            active_parameter: active.map(|a| a as u32),
        }],
        active_signature: Some(0),
        active_parameter: active.map(|a| a as u32),
    })
}

/// The call the cursor is in.
#[derive(Debug, PartialEq, Eq)]
struct OpenCall {
    /// `["files", "directory"]`
    callee: Vec<String>,
    /// Where the callee's text ends (its last name's end).
    callee_end: usize,
    /// Positional arguments before the cursor's.
    positional: usize,
    /// Names of the named arguments before the cursor's.
    given: Vec<String>,
    /// The name of the cursor's argument when it is written `name: ...`.
    named: Option<String>,
}

/// Scans `text` (up to the cursor) for the innermost open call.
fn open_call(text: &str) -> Option<OpenCall> {
    // Stack of (index of the bracket, indexes of the commas at its depth).
    let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => stack.push((i, Vec::new())),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.1.push(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    let (open, commas) = stack.pop()?;
    if bytes[open] != b'(' {
        return None;
    }
    let head = text[..open].trim_end();
    let name_start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |p| p + 1);
    let callee: Vec<String> = head[name_start..].split('.').map(str::to_string).collect();
    if callee.iter().any(String::is_empty) {
        return None;
    }
    // The arguments before the cursor's, and the cursor's.
    let mut bounds = vec![open];
    bounds.extend(&commas);
    let args: Vec<&str> = bounds
        .iter()
        .zip(commas.iter().chain([&text.len()]))
        .map(|(&a, &b)| &text[a + 1..b])
        .collect();
    let name_of = |arg: &str| {
        let (name, _) = arg.split_once(':')?;
        let name = name.trim();
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then(|| name.to_string())
    };
    let (current, before) = args.split_last()?;
    let given: Vec<String> = before.iter().filter_map(|a| name_of(a)).collect();
    Some(OpenCall {
        callee,
        callee_end: head.len(),
        positional: before.len() - given.len(),
        given,
        named: name_of(current),
    })
}

/// What signature help shows of a callee: its name, its parameters
/// (`(name, type)`) and its documentation.
struct Callee {
    label: String,
    params: Vec<(String, String)>,
    docs: Option<String>,
}

/// What the open call's callee takes, as the checker resolved it in the
/// text with a placeholder at the cursor.
fn callee_params(snap: &Snapshot, call: &OpenCall, offset: u32) -> Option<Callee> {
    let last = call.callee.last()?;
    let end = call.callee_end as u32;
    let span = Span::new(end.checked_sub(last.len() as u32)?, end);
    let spec = speculate(snap, offset)?;
    let def = *spec.check.as_ref()?.def_at(span)?;
    let sema = Semantics::new(&snap.db);
    let sig = sema.signature(&def)?;
    Some(Callee {
        label: call.callee.join("."),
        params: sig
            .params
            .iter()
            .map(|p| (p.name.clone(), p.ty.to_string()))
            .collect(),
        docs: sema.docs(&def),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(text: &str) -> Option<(String, usize, Option<String>)> {
        open_call(text).map(|c| (c.callee.join("."), c.positional, c.named))
    }

    #[test]
    fn finds_the_innermost_open_call() {
        assert_eq!(
            call("files.directory(\"/x\", "),
            Some(("files.directory".into(), 1, None))
        );
        assert_eq!(
            call("f(a, g(b), mode: "),
            Some(("f".into(), 2, Some("mode".into())))
        );
        assert_eq!(call("f(\"a, (b\", "), Some(("f".into(), 1, None)));
        assert_eq!(call("f(a)"), None);
        assert_eq!(call("let x = [1, "), None);
        assert_eq!(call("f({ a: 1, "), None);
    }
}
