//! The standard library as read-only files on disk, so that "go to
//! definition" on `files.directory` opens a real document in any client
//! (Neovim 0.7 and VS Code alike open `file://` URIs, not custom schemes).
//!
//! The embedded modules are written once into a folder of the temporary
//! directory named after a hash of their text, then made read-only.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use infrac_compiler::{Database, Db};

/// Where the stdlib copy lives.
#[derive(Debug, Clone)]
pub struct StdlibFiles {
    dir: PathBuf,
}

impl StdlibFiles {
    /// Writes the modules of `db` below `root` (normally the temporary
    /// directory). Failing to write only disables navigation into the
    /// stdlib; the error is returned for the log.
    pub fn materialize(db: &Database, root: &Path) -> Result<Self, std::io::Error> {
        let modules: Vec<(String, String)> = db
            .std_modules()
            .iter()
            .map(|(name, file)| (name.clone(), file.text(db).clone().unwrap_or_default()))
            .collect();
        let mut hasher = DefaultHasher::new();
        modules.hash(&mut hasher);
        let dir = root.join(format!("infrac-std-{:016x}", hasher.finish()));
        std::fs::create_dir_all(&dir)?;
        for (name, text) in &modules {
            let path = dir.join(format!("{name}.infra"));
            // The folder name is the hash of every text: an existing file
            // already holds this text (and is read-only).
            if !path.exists() {
                let tmp = dir.join(format!(".{name}.infra.{}", std::process::id()));
                std::fs::write(&tmp, text)?;
                let mut perms = std::fs::metadata(&tmp)?.permissions();
                perms.set_readonly(true);
                std::fs::set_permissions(&tmp, perms)?;
                std::fs::rename(&tmp, &path)?;
            }
        }
        Ok(StdlibFiles { dir })
    }

    /// The on-disk path of stdlib module `name`.
    pub fn path_of(&self, module: &str) -> PathBuf {
        self.dir.join(format!("{module}.infra"))
    }

    /// The stdlib module a path belongs to, if it is one of ours.
    pub fn module_of(&self, path: &Path) -> Option<String> {
        if path.parent()? != self.dir {
            return None;
        }
        Some(path.file_stem()?.to_str()?.to_string())
    }
}
