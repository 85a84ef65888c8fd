//! What the server knows between requests: the database (with open
//! documents overlaid on the file system), the open documents, and the
//! negotiated position encoding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, Db, OsFileLoader, SourceFile};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::document::Document;
use crate::line_index::{Encoding, LineIndex};
use crate::stdlib_files::StdlibFiles;

pub struct State {
    pub db: Database,
    pub docs: HashMap<Uri, Document>,
    pub encoding: Encoding,
    pub stdlib: Option<StdlibFiles>,
}

/// What a request needs, taken under the lock and used after it is
/// released: a database snapshot, the file and the text the client sees.
pub struct Snapshot {
    pub db: Database,
    pub uri: Uri,
    pub file: SourceFile,
    pub text: Arc<str>,
    pub index: Arc<LineIndex>,
    pub encoding: Encoding,
    pub stdlib: Option<StdlibFiles>,
    /// The files of every open document (for references, rename and
    /// workspace symbols).
    pub open_files: Vec<SourceFile>,
}

impl Default for State {
    fn default() -> Self {
        State {
            db: Database::new(Arc::new(OsFileLoader)),
            docs: HashMap::new(),
            encoding: Encoding::Utf16,
            stdlib: None,
        }
    }
}

impl State {
    /// The database file behind `uri`: a stdlib module for our read-only
    /// copies, else the user file at that path.
    pub fn file_of(&self, uri: &Uri) -> Option<SourceFile> {
        let path = uri.to_file_path()?;
        if let Some(module) = self.stdlib.as_ref().and_then(|s| s.module_of(&path)) {
            return self.db.std_module(&module);
        }
        Some(self.db.file(&path))
    }

    fn is_stdlib(&self, path: &Path) -> bool {
        self.stdlib
            .as_ref()
            .is_some_and(|s| s.module_of(path).is_some())
    }

    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        self.overlay(&uri, &text);
        self.docs.insert(uri, Document::new(text, version));
    }

    /// Applies an edit; returns false (and changes nothing) for an unknown
    /// document or a version older than the one we have.
    pub fn change(
        &mut self,
        uri: &Uri,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
    ) -> bool {
        let enc = self.encoding;
        let Some(doc) = self.docs.get_mut(uri) else {
            return false;
        };
        if version <= doc.version {
            return false;
        }
        doc.apply(changes, version, enc);
        let text = doc.text.to_string();
        self.overlay(uri, &text);
        true
    }

    /// Forgets the editor's copy: the file is what is on disk again.
    pub fn close(&mut self, uri: &Uri) {
        self.docs.remove(uri);
        self.reload_from_disk(uri);
    }

    /// A file changed on disk; the editor's copy, if open, still wins.
    pub fn reload_from_disk(&mut self, uri: &Uri) {
        if self.docs.contains_key(uri) {
            return;
        }
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return;
        };
        if self.is_stdlib(&path) {
            return;
        }
        if let Ok(bytes) = std::fs::read(&path) {
            self.db
                .set_file_text(&path, String::from_utf8_lossy(&bytes).into_owned());
        }
    }

    fn overlay(&mut self, uri: &Uri, text: &str) {
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return;
        };
        // The stdlib copies are read-only views of the embedded modules.
        if !self.is_stdlib(&path) {
            self.db.set_file_text(&path, text.to_string());
        }
    }

    /// A snapshot for a request on `uri`. Open documents give the text the
    /// client sees; other files (a stdlib copy, a file on disk) the text the
    /// database has.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let file = self.file_of(uri)?;
        let (text, index) = match self.docs.get(uri) {
            Some(doc) => (doc.text.clone(), doc.index.clone()),
            None => {
                let text: Arc<str> = file.text(&self.db).clone().unwrap_or_default().into();
                let index = Arc::new(LineIndex::new(&text));
                (text, index)
            }
        };
        Some(Snapshot {
            db: self.db.clone(),
            uri: uri.clone(),
            file,
            text,
            index,
            encoding: self.encoding,
            stdlib: self.stdlib.clone(),
            open_files: self.docs.keys().filter_map(|u| self.file_of(u)).collect(),
        })
    }
}

impl Snapshot {
    /// The user files a workspace-wide search looks at: the open documents
    /// and every module they use.
    pub fn workspace_files(&self) -> Vec<SourceFile> {
        infrac_compiler::Semantics::new(&self.db).user_modules(&self.open_files)
    }

    /// The URI under which the client can open `file`.
    pub fn uri_of(&self, file: SourceFile) -> Option<Uri> {
        uri_of(&self.db, self.stdlib.as_ref(), file)
    }

    /// The byte offset of a client position in this snapshot's text.
    pub fn offset(&self, pos: tower_lsp_server::ls_types::Position) -> u32 {
        self.index.offset(&self.text, pos, self.encoding)
    }

    pub fn range(&self, span: infrac_syntax::Span) -> tower_lsp_server::ls_types::Range {
        self.index.range(&self.text, span, self.encoding)
    }
}

pub fn uri_of(db: &Database, stdlib: Option<&StdlibFiles>, file: SourceFile) -> Option<Uri> {
    let path: PathBuf = if file.is_std(db) {
        let module = file.path(db).file_stem()?.to_str()?.to_string();
        stdlib?.path_of(&module)
    } else {
        file.path(db).clone()
    };
    Uri::from_file_path(path)
}
