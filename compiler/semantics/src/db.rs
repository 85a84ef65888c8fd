//! The salsa database: source files are inputs; everything else is derived.
//!
//! User files are loaded on demand through a [`FileLoader`] (the file
//! system, or an in-memory map in tests and the language server's overlay).
//! The standard library is embedded in the binary and stored with high
//! durability, so edits to user files never re-validate it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use salsa::{Durability, Setter};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));
}

/// Where a source file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    User,
    Std,
}

/// One `.infra` file. `text` is `None` when the file could not be read.
#[salsa::input(debug)]
pub struct SourceFile {
    /// The display path (`site.infra`, `lib/common.infra`, `<std>/files.infra`).
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(ref)]
    pub text: Option<String>,
    #[returns(copy)]
    pub origin: Origin,
}

impl SourceFile {
    pub fn is_std(self, db: &dyn Db) -> bool {
        self.origin(db) == Origin::Std
    }

    pub fn display_path(self, db: &dyn Db) -> String {
        self.path(db).display().to_string()
    }
}

/// Reads user files. Implementations: [`OsFileLoader`], [`MemoryFileLoader`].
pub trait FileLoader: Send + Sync {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// Whether `path` is a regular file (links followed; a controller
    /// file a program names), without reading it.
    fn exists(&self, path: &Path) -> bool;
}

/// Reads from the file system.
pub struct OsFileLoader;

impl FileLoader for OsFileLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        // A device or a FIFO would be read for ever.
        if !path.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        std::fs::read(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// Serves files from memory (tests, editor overlays).
#[derive(Default)]
pub struct MemoryFileLoader {
    pub files: HashMap<PathBuf, String>,
}

impl FileLoader for MemoryFileLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|text| text.clone().into_bytes())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

impl Database {
    /// Makes the file at `path` (its text `text`) the standard-library
    /// module `name`, in place of the embedded copy (or as a new module).
    /// Used to check a stdlib file being edited; diagnostics then name
    /// `path`. Call it before the first query.
    pub fn set_std_text(&mut self, name: &str, path: &Path, text: String) -> SourceFile {
        if let Some(file) = self.std_module(name) {
            file.set_text(self)
                .with_durability(Durability::HIGH)
                .to(Some(text));
            file.set_path(self)
                .with_durability(Durability::HIGH)
                .to(path.to_path_buf());
            return file;
        }
        let file = SourceFile::builder(path.to_path_buf(), Some(text), Origin::Std)
            .durability(Durability::HIGH)
            .new(self);
        let mut stdlib = (*self.stdlib).clone();
        stdlib.push((name.to_string(), file));
        stdlib.sort_by(|a, b| a.0.cmp(&b.0));
        self.stdlib = Arc::new(stdlib);
        file
    }

    /// The file whose display path is `path` (for renderers).
    pub fn file_by_display_path(&self, path: &str) -> Option<SourceFile> {
        let std = self
            .stdlib
            .iter()
            .map(|(_, f)| *f)
            .find(|f| f.display_path(self) == path);
        std.or_else(|| {
            let files = self.files.lock().ok()?;
            files
                .values()
                .copied()
                .find(|f| f.display_path(self) == path)
        })
    }
}

/// What the queries need from the database besides salsa itself.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The file at `path` (normalized), loading it on first use.
    fn file(&self, path: &Path) -> SourceFile;
    /// Whether the file at `path` (normalized) exists: a document set
    /// with [`Database::set_file_text`], or a file the loader finds.
    fn file_exists(&self, path: &Path) -> bool;
    /// The embedded standard-library module `name` (`files`, `facts`...).
    fn std_module(&self, name: &str) -> Option<SourceFile>;
    /// Every embedded module, in name order.
    fn std_modules(&self) -> &[(String, SourceFile)];
}

type EventSink = Box<dyn Fn(salsa::Event) + Send + Sync + 'static>;

#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    loader: Arc<dyn FileLoader>,
    files: Arc<Mutex<HashMap<PathBuf, SourceFile>>>,
    stdlib: Arc<Vec<(String, SourceFile)>>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    pub fn new(loader: Arc<dyn FileLoader>) -> Self {
        Self::build(loader, None)
    }

    /// A database that reports every salsa event to `sink` (tests of
    /// incrementality read the `WillExecute` events).
    pub fn with_event_sink(loader: Arc<dyn FileLoader>, sink: EventSink) -> Self {
        Self::build(loader, Some(sink))
    }

    fn build(loader: Arc<dyn FileLoader>, sink: Option<EventSink>) -> Self {
        let mut db = Database {
            storage: salsa::Storage::new(sink),
            loader,
            files: Arc::default(),
            stdlib: Arc::default(),
        };
        let stdlib = embedded::STDLIB
            .iter()
            .map(|(name, text)| {
                let file = SourceFile::builder(
                    PathBuf::from(format!("<std>/{name}.infra")),
                    Some((*text).to_string()),
                    Origin::Std,
                )
                .durability(Durability::HIGH)
                .new(&db);
                ((*name).to_string(), file)
            })
            .collect();
        db.stdlib = Arc::new(stdlib);
        db
    }

    /// Sets (or creates) the content of a user file, e.g. an editor buffer.
    pub fn set_file_text(&mut self, path: &Path, text: String) -> SourceFile {
        let path = normalize(path);
        let existing = self
            .files
            .lock()
            .ok()
            .and_then(|files| files.get(&path).copied());
        match existing {
            Some(file) => {
                file.set_text(self).to(Some(text));
                file
            }
            None => {
                let file = SourceFile::new(self, path.clone(), Some(text), Origin::User);
                if let Ok(mut files) = self.files.lock() {
                    files.insert(path, file);
                }
                file
            }
        }
    }
}

#[salsa::db]
impl Db for Database {
    fn file(&self, path: &Path) -> SourceFile {
        let path = normalize(path);
        if let Some(file) = self
            .files
            .lock()
            .ok()
            .and_then(|files| files.get(&path).copied())
        {
            return file;
        }
        let text = self
            .loader
            .read(&path)
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        // Files read from disk change rarely (an editor's open documents are
        // set with `set_file_text`, at low durability): salsa can then skip
        // re-validating everything derived from them after an edit.
        let file = SourceFile::builder(path.clone(), text, Origin::User)
            .durability(Durability::MEDIUM)
            .new(self);
        match self.files.lock() {
            // Another thread may have loaded it meanwhile: keep the first.
            Ok(mut files) => *files.entry(path).or_insert(file),
            Err(_) => file,
        }
    }

    fn file_exists(&self, path: &Path) -> bool {
        let path = normalize(path);
        let known = self
            .files
            .lock()
            .ok()
            .and_then(|files| files.get(&path).copied());
        match known {
            Some(file) => file.text(self).is_some(),
            // Present: not read (an upload's source may be large).
            None if self.loader.exists(&path) => true,
            // Missing: kept as a file without text, which the query that
            // asked depends on, so that creating it (an editor's reload
            // from disk) checks again.
            None => self.file(&path).text(self).is_some(),
        }
    }

    fn std_module(&self, name: &str) -> Option<SourceFile> {
        self.stdlib.iter().find(|(n, _)| n == name).map(|(_, f)| *f)
    }

    fn std_modules(&self) -> &[(String, SourceFile)] {
        &self.stdlib
    }
}

/// Removes `.` and resolves `..` lexically (no file-system access).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                // `a/..` cancels out; a leading `..` (or `../..`) stays.
                if out.file_name().is_some() {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
