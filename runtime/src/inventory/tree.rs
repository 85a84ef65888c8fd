//! A YAML (or JSON, which is YAML) document as a small tree whose nodes
//! know their line, for the YAML and JSON inventory readers and params
//! files.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::Value;

use super::{LineError, line_error};

#[derive(Debug)]
pub(crate) struct Node {
    /// 1-based.
    pub line: usize,
    pub kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Scalar(Value),
    Seq(Vec<Node>),
    /// Entries in document order.
    Map(Vec<Entry>),
}

/// A mapping entry; keys are scalars, as text.
#[derive(Debug)]
pub(crate) struct Entry {
    pub key: String,
    /// The key's line (1-based).
    pub line: usize,
    pub value: Node,
}

/// The most values a document may expand to: YAML aliases copy what
/// they name, so 600 bytes can expand to billions of values ("billion
/// laughs").
const MAX_VALUES: usize = 1_000_000;

/// Parses a one-document file; `None` when it is empty.
pub(crate) fn load(text: &str) -> Result<Option<Node>, LineError> {
    expanded_size(text)?;
    let docs = MarkedYaml::load_from_str(text)
        .map_err(|e| line_error(e.marker().line(), e.info().to_owned()))?;
    match docs.as_slice() {
        [] => Ok(None),
        [doc] => convert(doc).map(Some),
        [_, second, ..] => Err(line_error(
            second.span.start.line(),
            "more than one document in the file",
        )),
    }
}

/// Counts the values `text` expands to, aliases included, from the parser's
/// events alone (nothing is copied); an error past [`MAX_VALUES`].
fn expanded_size(text: &str) -> Result<(), LineError> {
    use saphyr_parser::{Event, Parser};
    // The values counted in each open collection, and its anchor.
    let mut open: Vec<(usize, usize)> = vec![(0, 0)];
    let mut anchors: std::collections::HashMap<usize, usize> = Default::default();
    for item in Parser::new_from_str(text) {
        // A scan error is reported by the loader, with its place.
        let Ok((event, span)) = item else {
            return Ok(());
        };
        let (size, anchor) = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((0, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some((n, anchor)) => (n.saturating_add(1), anchor),
                None => continue,
            },
            Event::Scalar(_, _, anchor, _) => (1, anchor),
            Event::Alias(id) => (anchors.get(&id).copied().unwrap_or(1), 0),
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, size);
        }
        if let Some(parent) = open.last_mut() {
            parent.0 = parent.0.saturating_add(size);
            if parent.0 > MAX_VALUES {
                return Err(line_error(
                    span.start.line(),
                    format!(
                        "the document expands to more than {MAX_VALUES} values (through YAML aliases)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn convert(node: &MarkedYaml<'_>) -> Result<Node, LineError> {
    let line = node.span.start.line();
    let kind = match &node.data {
        YamlData::Value(scalar) => Kind::Scalar(scalar_value(scalar)),
        YamlData::Representation(text, _, _) => Kind::Scalar(Value::String(text.to_string())),
        YamlData::Tagged(_, inner) => return convert(inner),
        YamlData::Sequence(items) => {
            Kind::Seq(items.iter().map(convert).collect::<Result<_, _>>()?)
        }
        YamlData::Mapping(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key_line = key.span.start.line();
                let key = match convert(key)?.kind {
                    Kind::Scalar(Value::String(s)) => s,
                    Kind::Scalar(Value::Null) => {
                        return Err(line_error(key_line, "a key is empty"));
                    }
                    Kind::Scalar(other) => other.to_string(),
                    Kind::Seq(_) | Kind::Map(_) => {
                        return Err(line_error(key_line, "keys must be plain values"));
                    }
                };
                out.push(Entry {
                    key,
                    line: key_line,
                    value: convert(value)?,
                });
            }
            Kind::Map(out)
        }
        YamlData::Alias(_) => {
            return Err(line_error(line, "YAML aliases (*name) are not supported"));
        }
        YamlData::BadValue => return Err(line_error(line, "a value that YAML cannot represent")),
    };
    Ok(Node { line, kind })
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
            .map_or_else(|| Value::String(f.to_string()), Value::Number),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

impl Node {
    /// The node as a JSON value (for variables).
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Scalar(v) => v.clone(),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Entries of a mapping; `null` (an empty YAML value) counts as an
    /// empty mapping. Anything else is an error saying what was expected.
    pub fn entries(&self, what: &str) -> Result<&[Entry], LineError> {
        match &self.kind {
            Kind::Map(entries) => Ok(entries),
            Kind::Scalar(Value::Null) => Ok(&[]),
            _ => Err(line_error(self.line, format!("{what} must be a mapping"))),
        }
    }
}
