//! The tree's shape, checked: each crate's dependencies on the
//! workspace's crates are exactly those ARCHITECTURE.md's "Dependency
//! direction" lists, and every source file opens with its `//!` doc.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate's workspace dependencies: normal ones, and dev-dependencies.
#[derive(Debug, Default, PartialEq, Eq)]
struct Edges {
    normal: BTreeSet<String>,
    dev: BTreeSet<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The directories of the workspace's packages: the root and its members.
fn package_dirs() -> Vec<PathBuf> {
    let manifest = read(&root().join("Cargo.toml"));
    let start = manifest
        .find("members = [")
        .expect("the workspace lists its members");
    let list = &manifest[start..];
    let list = &list[..list.find(']').expect("the members list ends")];
    let members = list.split('"').skip(1).step_by(2).map(|m| root().join(m));
    std::iter::once(root().to_path_buf())
        .chain(members)
        .collect()
}

/// The value of `key = "VALUE"` on a manifest line.
fn string_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
    rest.trim().strip_prefix('"')?.strip_suffix('"')
}

/// A manifest's package name and every dependency it names, by section
/// kind (`[dependencies]`, `[dev-dependencies]`, `[dependencies.NAME]`,
/// target-specific tables alike); build-dependencies count as normal.
fn manifest(path: &Path) -> (String, Edges) {
    let (mut name, mut edges) = (None, Edges::default());
    let mut section = String::new();
    for line in read(path).lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.to_string();
            if let Some((table, dep)) = header.rsplit_once('.')
                && table.ends_with("dependencies")
            {
                deps_of(&mut edges, table).insert(dep.trim_matches('"').to_string());
            }
            continue;
        }
        if section == "package" && name.is_none() {
            name = string_value(line, "name").map(str::to_string);
        }
        let table = section.ends_with("dependencies") && !section.starts_with("workspace");
        if table && !line.is_empty() && !line.starts_with('#') {
            let key = line.split(['=', '.']).next().unwrap_or_default().trim();
            deps_of(&mut edges, &section).insert(key.to_string());
        }
    }
    let name = name.unwrap_or_else(|| panic!("{}: no package name", path.display()));
    (name, edges)
}

fn deps_of<'a>(edges: &'a mut Edges, section: &str) -> &'a mut BTreeSet<String> {
    match section.ends_with("dev-dependencies") {
        true => &mut edges.dev,
        false => &mut edges.normal,
    }
}

/// What the Cargo.toml files say, workspace edges only.
fn actual_edges() -> BTreeMap<String, Edges> {
    let crates: Vec<(String, Edges)> = package_dirs()
        .iter()
        .map(|dir| manifest(&dir.join("Cargo.toml")))
        .collect();
    let names: BTreeSet<String> = crates.iter().map(|(n, _)| n.clone()).collect();
    let keep = |deps: BTreeSet<String>| deps.into_iter().filter(|d| names.contains(d)).collect();
    crates
        .into_iter()
        .map(|(name, edges)| {
            let edges = Edges {
                normal: keep(edges.normal),
                dev: keep(edges.dev),
            };
            (name, edges)
        })
        .collect()
}

/// The names in backquotes on a line, before its reason (after ` — `).
fn quoted_names(line: &str) -> Vec<String> {
    let names = line.split(" — ").next().unwrap_or_default();
    names
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// What ARCHITECTURE.md's "Dependency direction" says: `- \`a\` → \`b\`,
/// \`c\`` (or `→ nothing`) per crate, `- dev \`a\` → \`b\` — reason` per
/// crate with workspace dev-dependencies.
fn documented_edges() -> BTreeMap<String, Edges> {
    let text = read(&root().join("ARCHITECTURE.md"));
    let start = text
        .find("\n## Dependency direction\n")
        .expect("ARCHITECTURE.md has a Dependency direction section");
    let section = &text[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |n| n + 1)];
    let mut documented: BTreeMap<String, Edges> = BTreeMap::new();
    for line in section.lines().filter(|l| l.contains(" → ")) {
        let (dev, bullet) = match line.strip_prefix("- dev ") {
            Some(rest) => (true, rest),
            None => (false, line.strip_prefix("- ").unwrap_or(line)),
        };
        let mut names = quoted_names(bullet).into_iter();
        let krate = names
            .next()
            .unwrap_or_else(|| panic!("no crate in `{line}`"));
        let edges = documented.entry(krate).or_default();
        let deps = if dev {
            &mut edges.dev
        } else {
            &mut edges.normal
        };
        deps.extend(names);
    }
    documented
}

#[test]
fn crate_dependencies_are_the_documented_ones() {
    let (actual, documented) = (actual_edges(), documented_edges());
    let mut problems = Vec::new();
    for (krate, edges) in &actual {
        match documented.get(krate) {
            None => problems.push(format!("`{krate}` has no bullet in ARCHITECTURE.md")),
            Some(doc) if doc.normal != edges.normal => problems.push(format!(
                "`{krate}` depends on {:?}; ARCHITECTURE.md says {:?}",
                edges.normal, doc.normal
            )),
            Some(doc) if doc.dev != edges.dev => problems.push(format!(
                "`{krate}` dev-depends on {:?}; ARCHITECTURE.md says {:?}",
                edges.dev, doc.dev
            )),
            Some(_) => {}
        }
    }
    for krate in documented.keys().filter(|k| !actual.contains_key(*k)) {
        problems.push(format!(
            "ARCHITECTURE.md lists `{krate}`, not a workspace crate"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_opens_with_its_doc() {
    let mut files = Vec::new();
    for dir in package_dirs() {
        rust_files(&dir.join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let undocumented: Vec<String> = files
        .iter()
        .filter(|f| !read(f).starts_with("//!"))
        .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not start with a `//!` doc saying their job:\n{}",
        undocumented.join("\n")
    );
}
