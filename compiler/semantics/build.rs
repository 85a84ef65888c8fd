//! Embeds every `stdlib/*.infra` file: generates a table of
//! `(module name, include_str!(path))` so that adding a stdlib file needs no
//! code change.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let stdlib = manifest.join("../../stdlib");
    println!("cargo:rerun-if-changed={}", stdlib.display());
    let mut modules: Vec<(String, PathBuf)> = std::fs::read_dir(&stdlib)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|p| p.extension().is_some_and(|e| e == "infra"))
                .filter_map(|p| {
                    let name = p.file_stem()?.to_str()?.to_string();
                    println!("cargo:rerun-if-changed={}", p.display());
                    Some((name, p))
                })
                .collect()
        })
        .unwrap_or_default();
    modules.sort();
    let mut out = String::from("/// `(module name, source)` of every embedded stdlib file.\n");
    out.push_str("pub const STDLIB: &[(&str, &str)] = &[\n");
    for (name, path) in &modules {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("stdlib.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
