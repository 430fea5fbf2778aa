//! A textfile write that runs out of space fails with an error, leaves the
//! previous file whole and no temporary file behind, and the program goes
//! on. "Out of space" is a file size limit (`RLIMIT_FSIZE`) set in a child
//! process: this test runs itself again with the limit in place.

use std::path::Path;
use std::process::Command;

const CHILD: &str = "METRICS_TEXTFILE_FULL_DISK_CHILD";

fn registry_of(series: usize) -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new("disk_rows_total", "Rows written."),
        &["table"],
    )
    .unwrap();
    registry.register(Box::new(counter.clone())).unwrap();
    for table in 0..series {
        counter
            .with_label_values(&[&format!("table_{table}")])
            .inc();
    }
    registry
}

/// In the child: write a small file, then a file larger than the limit.
fn child(dir: &Path) {
    let target = dir.join("job.prom");
    metrics_runtime::textfile::write(&registry_of(1), &target).expect("a small file fits");
    // SAFETY: plain libc calls with valid arguments, made before any other
    // thread of this process writes files.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit {
            rlim_cur: 4096,
            rlim_max: 4096,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    let error = metrics_runtime::textfile::write(&registry_of(500), &target)
        .expect_err("a file over the limit cannot be written");
    println!("error: {error}");
    let content = std::fs::read_to_string(&target).unwrap();
    assert!(content.contains(r#"disk_rows_total{table="table_0"} 1"#));
    assert!(!content.contains("table_499"), "the previous file is whole");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name != "job.prom")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    println!("child done");
}

#[test]
fn a_full_disk_is_an_error_and_loses_nothing() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let dir = std::env::temp_dir().join(format!("metrics-full-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_full_disk_is_an_error_and_loses_nothing",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("child done"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("error: File too large"), "{stdout}");
}
