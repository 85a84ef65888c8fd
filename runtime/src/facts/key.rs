//! Facts named on the command line (`infrac facts`): `NAME` or
//! `NAME:ARGUMENT`, checked against the native readers.

use infrac_vm::request::{FactArg, FactKey};

/// `NAME` or `NAME:ARGUMENT` (a leading `facts.` is allowed). A fact of N
/// arguments takes N colon-separated ones, the last one whole:
/// `has_line:/etc/hosts:127.0.0.1 localhost`.
pub fn parse_key(text: &str) -> Result<FactKey, String> {
    let text = text.trim();
    let text = text.strip_prefix("facts.").unwrap_or(text);
    let key = match text.split_once(':') {
        Some((name, args)) => {
            let name = name.trim();
            let n = super::arity(name).unwrap_or(1).max(1);
            FactKey {
                name: name.to_string(),
                args: args
                    .splitn(n, ':')
                    .map(|a| FactArg::Str(a.to_string()))
                    .collect(),
            }
        }
        None => FactKey {
            name: text.to_string(),
            args: Vec::new(),
        },
    };
    super::plan(&key).map(|_| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_names_and_arguments() {
        let key = parse_key("file:/etc/hosts").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.name, "file");
        assert_eq!(key.args, vec![FactArg::Str("/etc/hosts".into())]);
        let key = parse_key("facts.command:echo a:b").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.args, vec![FactArg::Str("echo a:b".into())]);
        assert_eq!(parse_key("os").map(|k| k.name), Ok("os".to_string()));
    }

    #[test]
    fn unknown_facts_and_wrong_arity_are_errors() {
        let unknown = parse_key("nope").err().unwrap_or_default();
        assert!(unknown.contains("no native reader"), "{unknown}");
        let arity = parse_key("file").err().unwrap_or_default();
        assert!(arity.contains("expected 1 argument"), "{arity}");
    }
}
