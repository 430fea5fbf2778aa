//! Replacing a file atomically: a temporary file beside it, synced, then
//! renamed over it, keeping what the old file's readers rely on.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Symbolic links followed at most, as Linux's own limit.
const MAX_LINKS: usize = 40;

/// The permission bits a new file is created with, before the umask.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o644;

/// Replaces the file at `path` (the file a symbolic link there points to)
/// with `contents`; on an error, `path` is left as it was.
pub(super) fn replace(path: &Path, contents: &[u8]) -> io::Result<()> {
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        ));
    }
    let target = follow_links(path)?;
    let (mut file, temp) = create_temp(&target)?;
    keep_permissions(&file, &target);
    // Synced before the rename: otherwise a crash could leave `target`
    // naming an empty file.
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    let result = written.and_then(|()| fs::rename(&temp, &target));
    if result.is_err() {
        // The first error is the one worth returning; if the directory is
        // gone, so is the temporary file.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Where `path` leads once the symbolic links at its last component are
/// followed: renaming over a link would replace the link with a file.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                // A relative target is relative to the link's directory.
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            // Not a link, or nothing there yet: the file to write.
            _ => return Ok(path),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("`{}`: too many levels of symbolic links", path.display()),
    ))
}

/// A new, empty temporary file in the directory of `target`, and its path.
///
/// Named `.{pid}.{n}.tmp`: hidden, not `*.prom` (node_exporter never reads
/// it), and short, so that any valid file name can be written.
fn create_temp(target: &Path) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    // The same directory, so that the rename never crosses file systems.
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{}.{n}.tmp", std::process::id()));
        // `create_new`: never write into a file someone else is writing, e.g.
        // a process with the same pid in another container sharing the
        // directory.
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, NEW_FILE_MODE);
        match options.open(&temp) {
            Ok(file) => return Ok((file, temp)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Gives `file` the permission bits of the file at `target`, if there is
/// one, and its owner and group where allowed: a node_exporter running as
/// another user must still be able to read the new file.
///
/// Best effort: a file system that refuses (vfat, say) still gets the new
/// contents, with a warning.
#[cfg(unix)]
fn keep_permissions(file: &File, target: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let Ok(old) = fs::metadata(target) else {
        return; // a new file: `NEW_FILE_MODE` less the umask
    };
    if !old.is_file() {
        return; // the rename will fail and say why
    }
    keep_owner(file, &old);
    // After the owner: changing it may clear the set-id bits.
    let mode = fs::Permissions::from_mode(old.mode() & 0o7777);
    if let Err(err) = file.set_permissions(mode) {
        log::warn!(
            "cannot keep the permissions {:o} of `{}`: {err}",
            old.mode() & 0o7777,
            target.display()
        );
    }
}

#[cfg(not(unix))]
fn keep_permissions(_: &File, _: &Path) {}

/// Gives `file` the owner and group of `old`: only root may give a file
/// away; others may still set a group they belong to.
#[cfg(unix)]
fn keep_owner(file: &File, old: &fs::Metadata) {
    use std::os::unix::fs::{fchown, MetadataExt};

    let Ok(new) = file.metadata() else { return };
    let uid = (old.uid() != new.uid()).then_some(old.uid());
    let gid = (old.gid() != new.gid()).then_some(old.gid());
    if uid.is_none() && gid.is_none() {
        return;
    }
    if fchown(file, uid, gid).is_err() && uid.is_some() && gid.is_some() {
        let _ = fchown(file, None, gid);
    }
}
