//! `metrics_runtime::textfile::write` and the file it replaces: long names,
//! permissions and owner, symbolic links.

mod support;

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use metrics_runtime::textfile;
use prometheus::{IntCounter, Registry};

use support::scratch::{entries, Scratch};

/// A registry counting `jobs_total`, at `value`.
fn registry(value: u64) -> Registry {
    let registry = Registry::new();
    let jobs = IntCounter::new("jobs_total", "Jobs run.").unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    jobs.inc_by(value);
    registry
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

/// Sets the process's umask while alive, and restores it on drop.
struct Umask(libc::mode_t);

impl Umask {
    fn set(mask: libc::mode_t) -> Umask {
        // SAFETY: `umask` only swaps a process-wide integer.
        Umask(unsafe { libc::umask(mask) })
    }
}

impl Drop for Umask {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::umask(self.0) };
    }
}

/// Regression: the temporary file was named `.{name}.{pid}.{n}.tmp`, so a
/// valid 250-byte name failed with ENAMETOOLONG.
#[test]
fn a_250_byte_file_name_can_be_written() {
    let scratch = Scratch::new("long-name");
    let name = format!("{}.prom", "a".repeat(245));
    assert_eq!(name.len(), 250);

    textfile::write(&registry(1), scratch.join(&name)).expect("a valid name is written");
    let text = std::fs::read_to_string(scratch.join(&name)).unwrap();
    assert!(text.ends_with("jobs_total 1\n"), "{text}");
    assert_eq!(entries(scratch.path()), [name]);
}

/// Regression: the file was replaced by one of mode 0666 less the umask,
/// so a 0640 file became 0600 under `umask 077` and a node_exporter of
/// another user could no longer read it. All umask cases are in this one
/// test: the umask is the whole process's.
#[test]
fn an_existing_files_mode_is_kept_and_a_new_file_is_0644_less_the_umask() {
    let scratch = Scratch::new("mode");
    let path = scratch.join("app.prom");
    {
        let _umask = Umask::set(0o077);
        textfile::write(&registry(1), &path).unwrap();
        assert_eq!(mode(&path), 0o600, "a new file under umask 077");
        for kept in [0o640, 0o604, 0o444] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(kept)).unwrap();
            textfile::write(&registry(2), &path).unwrap();
            assert_eq!(mode(&path), kept, "{kept:o} kept under umask 077");
        }
    }
    for (umask, expected) in [(0o022, 0o644), (0o002, 0o644), (0o000, 0o644)] {
        let _umask = Umask::set(umask);
        let path = scratch.join(&format!("new-{umask:o}.prom"));
        textfile::write(&registry(1), &path).unwrap();
        assert_eq!(mode(&path), expected, "a new file under umask {umask:o}");
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        metrics_runtime::encode_text(&registry(2))
    );
    assert_eq!(entries(scratch.path()).len(), 4, "no temporary file left");
}

/// Regression: the file was replaced by one owned by the writer. As root
/// (as CI runs) the owner and group are kept; others can only keep a
/// group they are in, which this test cannot set up.
#[test]
fn the_owner_and_group_are_kept_when_root() {
    // SAFETY: `geteuid` reads an integer and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    let scratch = Scratch::new("owner");
    let path = scratch.join("app.prom");
    textfile::write(&registry(1), &path).unwrap();
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();

    textfile::write(&registry(2), &path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(meta.mode() & 0o7777, 0o640);
}

/// Regression: a symbolic link at the path was replaced by a regular file.
/// It is followed, through a chain and to a file not written yet, and
/// stays a link.
#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let scratch = Scratch::new("symlink");
    let real = scratch.join("real");
    std::fs::create_dir(&real).unwrap();
    let links = scratch.join("links");
    std::fs::create_dir(&links).unwrap();
    textfile::write(&registry(1), real.join("app.prom")).unwrap();
    // Relative targets: relative to the link's own directory.
    symlink("../real/app.prom", links.join("app.prom")).unwrap();
    symlink("app.prom", links.join("chain.prom")).unwrap();
    symlink("../real/later.prom", links.join("dangling.prom")).unwrap();

    textfile::write(&registry(2), links.join("app.prom")).unwrap();
    let read = |path: PathBuf| std::fs::read_to_string(path).unwrap();
    assert!(read(real.join("app.prom")).ends_with("jobs_total 2\n"));
    textfile::write(&registry(3), links.join("chain.prom")).unwrap();
    assert!(read(real.join("app.prom")).ends_with("jobs_total 3\n"));
    textfile::write(&registry(4), links.join("dangling.prom")).unwrap();
    assert!(read(real.join("later.prom")).ends_with("jobs_total 4\n"));

    for name in ["app.prom", "chain.prom", "dangling.prom"] {
        let meta = std::fs::symlink_metadata(links.join(name)).unwrap();
        assert!(meta.file_type().is_symlink(), "{name} is still a link");
    }
    assert_eq!(entries(&links), ["app.prom", "chain.prom", "dangling.prom"]);
    assert_eq!(entries(&real), ["app.prom", "later.prom"]);
}

#[test]
fn a_symbolic_link_loop_is_an_error() {
    let scratch = Scratch::new("loop");
    symlink("b.prom", scratch.join("a.prom")).unwrap();
    symlink("a.prom", scratch.join("b.prom")).unwrap();

    let err = textfile::write(&registry(1), scratch.join("a.prom")).unwrap_err();
    assert!(err.to_string().contains("symbolic links"), "{err}");
    assert_eq!(entries(scratch.path()), ["a.prom", "b.prom"]);
}
