//! Files mamori writes hold a map of the hospital (the database, backups, exports, evidence,
//! keys): on Unix they are created readable by mamori's own user only, folders 0700 and files
//! 0600, whatever the umask. (On Windows the folder's ACL applies.)

use std::io;
use std::path::Path;

/// Creates a folder (and its parents) for mamori's data, and makes the folder itself 0700.
pub fn private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)?;
    restrict(path, 0o700)
}

/// Writes a file readable by mamori's user only (replacing one that exists).
pub fn write_private(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // A file that existed keeps its old mode through open: set it.
    restrict(path, 0o600)?;
    file.write_all(bytes.as_ref())?;
    file.sync_all()
}

/// Makes an existing file 0600 (a file another program created, such as SQLite's database).
/// A missing file is left alone.
pub fn make_private(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(_) => restrict(path, 0o600),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn folders_and_files_are_for_mamori_only() {
        let dir = std::env::temp_dir().join(format!("mamori-files-{}", std::process::id()));
        let nested = dir.join("a/b");
        private_dir(&nested).expect("dir");
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("x.txt");
        std::fs::write(&file, "open").expect("write");
        write_private(&file, "closed").expect("private");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "closed");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        make_private(&file).expect("make private");
        assert_eq!(mode(&file), 0o600);
        make_private(&nested.join("missing")).expect("missing is fine");
        std::fs::remove_dir_all(&dir).expect("clean");
    }
}
