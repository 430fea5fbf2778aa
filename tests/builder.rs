//! `builder()…install()`: namespace and constant labels, set once before use.
//! One test per binary: the settings are process-wide.

mod support;

use metrics_runtime::{instrumented, Error};

#[instrumented(name = "checkout", labels(step))]
fn checkout(step: &str) {
    let _ = step;
}

#[test]
fn settings_apply_to_every_family_and_freeze_on_first_use() {
    let invalid = metrics_runtime::builder().namespace("shop-front").install();
    assert!(matches!(
        invalid,
        Err(Error::InvalidName {
            what: "namespace",
            ..
        })
    ));
    let reserved = metrics_runtime::builder().const_label("le", "1").install();
    assert!(matches!(
        reserved,
        Err(Error::InvalidName { what: "label", .. })
    ));

    metrics_runtime::builder()
        .namespace("shop")
        .const_label("service", "cart")
        .const_label("instance", "a\"1")
        .install()
        .expect("nothing was recorded yet");

    checkout("pay");

    let text = metrics_runtime::gather_text();
    let labels = [
        ("step", "pay"),
        ("result", "ok"),
        ("service", "cart"),
        ("instance", "a\"1"),
    ];
    assert_eq!(
        support::value(&text, "shop_checkout_total", &labels),
        Some(1.0)
    );
    assert_eq!(
        support::value(&text, "shop_checkout_in_flight", &[("service", "cart")]),
        Some(0.0)
    );
    assert!(!text.contains("\ncheckout_total"));

    let again = metrics_runtime::builder().namespace("late").install();
    assert!(matches!(again, Err(Error::AlreadyInstalled)));
    assert!(again
        .unwrap_err()
        .to_string()
        .contains("builder().install()"));
}
