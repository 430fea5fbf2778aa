//! `set_enabled` and `builder().enabled(false)` switch recording off and on.
//! One test per binary: the flag is process-wide.

mod support;

use metrics_runtime::instrumented;

#[instrumented(name = "toggled", labels(label = counted(label)))]
fn toggled(label: &str) -> Result<(), ()> {
    let _ = label;
    Ok(())
}

static LABELS_EVALUATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn counted(label: &str) -> &str {
    LABELS_EVALUATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    label
}

#[tokio::test]
async fn recording_switches_off_and_on_at_run_time() {
    metrics_runtime::builder().enabled(false).install().unwrap();
    assert!(!metrics_runtime::is_enabled());

    toggled("x").unwrap();
    assert_eq!(
        LABELS_EVALUATED.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    assert!(!metrics_runtime::gather_text().contains("toggled_total"));

    metrics_runtime::set_enabled(true);
    toggled("x").unwrap();
    assert_eq!(
        support::read("toggled_total", &[("label", "x"), ("result", "ok")]),
        1.0
    );

    metrics_runtime::set_enabled(false);
    toggled("x").unwrap();
    assert_eq!(
        support::read("toggled_total", &[("label", "x"), ("result", "ok")]),
        1.0
    );
    assert_eq!(
        LABELS_EVALUATED.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}
