//! Reading files on the controller (templates, uploads' sources,
//! inventories) with bounds: only regular files (a link to `/dev/zero` or
//! a FIFO would be read for ever), and at most a given size.

use std::io::Read;
use std::path::Path;

/// The largest file read for a program (a template, `read_file`, an
/// upload's source): 1 GiB.
pub const MAX_PROGRAM_FILE: u64 = 1 << 30;

/// The content of the regular file at `path` (links followed), or why not.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(format!("cannot read {shown}: it is {kind}"));
    }
    if meta.len() > max {
        return Err(format!(
            "cannot read {shown}: it is larger than {max} bytes"
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut bytes = Vec::new();
    // The file may grow after the check: never past the bound.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "cannot read {shown}: it is larger than {max} bytes"
        ));
    }
    Ok(bytes)
}

/// [`read_regular`], as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> Result<String, String> {
    String::from_utf8(read_regular(path, max)?)
        .map_err(|_| format!("cannot read {}: it is not UTF-8 text", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_bound_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "abc").unwrap();
        assert_eq!(read_regular(&file, 3).unwrap(), b"abc");
        assert!(
            read_regular(&file, 2)
                .unwrap_err()
                .contains("larger than 2 bytes")
        );
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(
            read_regular(&link, 10)
                .unwrap_err()
                .ends_with("it is not a regular file")
        );
        assert!(
            read_regular(dir.path(), 10)
                .unwrap_err()
                .ends_with("it is a directory")
        );
    }
}
