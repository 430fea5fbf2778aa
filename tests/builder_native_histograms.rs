//! `builder().native_histograms(true)`: native buckets for every
//! instrumented function and every `Histogram` field of a `global()`
//! struct, not for a struct registered in a registry of its own.
//! One test per binary: the settings are process-wide.

mod support;

use metrics_runtime::encoding::Format;
use metrics_runtime::{instrumented, Histogram, MetricsFamily};

use support::protobuf_model::Histogram as HistogramProto;

#[instrumented(name = "resize")]
fn resize() {}

#[derive(MetricsFamily)]
struct Images {
    /// Size of each image, in kilobytes.
    #[metric(buckets = [10.0, 100.0])]
    image_kilobytes: Histogram,
}

/// The first series of family `name` in `registry`'s protobuf exposition.
fn histogram(registry: &prometheus::Registry, name: &str) -> HistogramProto {
    support::protobuf_model::histogram(&Format::Protobuf.encode(registry), name, &[])
}

#[test]
fn the_builder_switch_reaches_functions_and_global_histogram_fields() {
    metrics_runtime::builder()
        .native_histograms(true)
        .install()
        .expect("nothing was recorded yet");
    resize();
    Images::global().image_kilobytes.observe(42.0);
    let own = prometheus::Registry::new();
    Images::register(&own)
        .unwrap()
        .image_kilobytes
        .observe(42.0);

    let global = metrics_runtime::registry();
    assert!(histogram(global, "resize_duration_seconds").is_native());
    let field = histogram(global, "image_kilobytes");
    assert!(field.is_native());
    // 42 is in `(2^(43/8), 2^(44/8)]`.
    assert_eq!(field.positive_buckets(), [(44, 1)]);
    assert!(!histogram(&own, "image_kilobytes").is_native());
}
