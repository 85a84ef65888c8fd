//! A minimal tar (ustar) writer: regular files named `0`, `1`, ... with
//! mode 0600, the one shape the batch script unpacks with `tar -x`.

const BLOCK: usize = 512;

/// An archive of `files`, the i-th named `i`.
pub fn archive(files: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(files.iter().map(|f| f.len() + 2 * BLOCK).sum::<usize>());
    for (i, content) in files.iter().enumerate() {
        out.extend_from_slice(&header(&i.to_string(), content.len()));
        out.extend_from_slice(content);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
    }
    // The end of the archive: two zero blocks.
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

fn header(name: &str, size: usize) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let mut put = |at: usize, field: &[u8]| h[at..at + field.len()].copy_from_slice(field);
    put(0, name.as_bytes());
    put(100, b"0000600\0"); // mode
    put(108, b"0000000\0"); // uid
    put(116, b"0000000\0"); // gid
    put(124, format!("{size:011o}\0").as_bytes());
    put(136, b"00000000000\0"); // mtime
    put(156, b"0"); // a regular file
    put(257, b"ustar\0");
    put(263, b"00");
    // The checksum is computed with its own field as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn the_system_tar_unpacks_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![b"hello\n".to_vec(), Vec::new(), [0u8, 255, 7].repeat(400)];
        let mut child = Command::new("tar")
            .args(["-x", "-o", "-f", "-", "-C"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&archive(&files))
            .unwrap();
        assert!(child.wait().unwrap().success());
        for (i, content) in files.iter().enumerate() {
            let path = dir.path().join(i.to_string());
            assert_eq!(&std::fs::read(&path).unwrap(), content);
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
