//! An inventory service whose per-box utilization gauge follows its boxes:
//! set at every scrape from the boxes that exist, boxes gone disappear.

use std::sync::Mutex;

use metrics_runtime::{Family, LabelSet, MetricsFamily};
use prometheus::{Gauge, IntCounter, Registry};

#[derive(LabelSet)]
struct BoxLabels {
    r#box: String,
    site: &'static str,
}

/// The boxes the service knows now, as its poller leaves them.
static BOXES: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

fn utilization() -> Vec<(BoxLabels, f64)> {
    BOXES
        .lock()
        .unwrap()
        .iter()
        .map(|(name, used)| {
            (
                BoxLabels {
                    r#box: name.clone(),
                    site: "lab",
                },
                *used,
            )
        })
        .collect()
}

#[derive(MetricsFamily)]
struct Inventory {
    /// Share of each box in use, read at every scrape.
    #[metric(collect = utilization)]
    box_utilization: Family<BoxLabels, Gauge>,
    /// Polls of the boxes.
    polls_total: IntCounter,
}

fn set_boxes(boxes: &[(&str, f64)]) {
    *BOXES.lock().unwrap() = boxes.iter().map(|(b, u)| (b.to_string(), *u)).collect();
}

#[test]
fn the_gauge_follows_the_boxes_at_every_scrape() {
    let registry = Registry::new();
    let inventory = Inventory::register(&registry).unwrap();
    inventory.polls_total.inc();

    set_boxes(&[("a", 0.5), ("b", 0.25)]);
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains(r#"box_utilization{box="a",site="lab"} 0.5"#),
        "{text}"
    );
    assert!(
        text.contains(r#"box_utilization{box="b",site="lab"} 0.25"#),
        "{text}"
    );

    set_boxes(&[("b", 0.75), ("c", 1.0)]);
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        !text.contains(r#"box="a""#),
        "a box gone disappears:\n{text}"
    );
    assert!(
        text.contains(r#"box_utilization{box="b",site="lab"} 0.75"#),
        "{text}"
    );
    assert!(
        text.contains(r#"box_utilization{box="c",site="lab"} 1"#),
        "{text}"
    );

    set_boxes(&[]);
    let text = metrics_runtime::encode_text(&registry);
    assert!(!text.contains("box_utilization{"), "{text}");
    assert!(text.contains("polls_total 1"), "{text}");
}
