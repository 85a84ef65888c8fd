//! Params files (`--params vars.yaml`, like Ansible's `-e @file`): a YAML
//! or JSON mapping from param names to values, each with its line.

use std::path::Path;

use infrac_bytecode::Program;
use infrac_vm::controller::{InputOrigin, InputValue, ParamInput, holds_secret};

use crate::inventory::tree::{self, Kind};

/// The largest params file read.
const MAX_PARAMS_FILE: u64 = 16 << 20;

/// The values of a params file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsFile {
    pub inputs: Vec<ParamInput>,
    /// Users other than its owner may read it (group or world readable).
    pub readable_by_others: bool,
}

/// Reads the params file at `path`: JSON when it ends in `.json`, else YAML.
/// Errors are `path:line: message` (`path: message` for the whole file).
pub fn read(path: &Path) -> Result<ParamsFile, String> {
    let shown = path.display().to_string();
    let text = infrac_vm::local_files::read_regular_text(path, MAX_PARAMS_FILE)
        .map_err(|e| format!("{shown}: cannot read the params file: {e}"))?;
    let readable_by_others = readable_by_others(path);
    let at = |line: usize, message: String| format!("{shown}:{line}: {message}");
    // serde_json says precisely what is wrong with malformed JSON; the
    // tree (JSON is YAML) then gives each key its line.
    if path.extension().is_some_and(|e| e == "json")
        && let Err(e) = serde_json::from_str::<serde_json::Value>(&text)
    {
        return Err(at(e.line(), format!("invalid JSON: {e}")));
    }
    let root = tree::load(&text).map_err(|e| at(e.line, e.message))?;
    let entries = match &root {
        None => &[][..],
        Some(root) => match &root.kind {
            Kind::Map(entries) => entries.as_slice(),
            _ => {
                return Err(at(
                    root.line,
                    "a params file maps param names to values (`release: 2.4.1`)".into(),
                ));
            }
        },
    };
    let inputs = entries
        .iter()
        .map(|e| ParamInput {
            name: e.key.clone(),
            value: InputValue::Json(e.value.to_json()),
            origin: InputOrigin::File {
                path: shown.clone(),
                line: e.line,
            },
        })
        .collect();
    Ok(ParamsFile {
        inputs,
        readable_by_others,
    })
}

/// A warning for each param that may hold a secret and is read from one of
/// the `exposed` files (which users other than its owner can read).
pub fn exposed_secrets(
    program: &Program,
    inputs: &[ParamInput],
    exposed: &[String],
) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|input| match &input.origin {
            InputOrigin::File { path, line } if exposed.contains(path) => Some((input, path, line)),
            _ => None,
        })
        .filter(|(input, _, _)| {
            program
                .params
                .iter()
                .any(|p| p.name == input.name && holds_secret(&p.ty, program))
        })
        .map(|(input, path, line)| {
            format!(
                "{path}:{line}: the secret param `{}` is in a file other users can read: make it private (chmod 600 {path})",
                input.name
            )
        })
        .collect()
}

fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}
