//! The toolkit's own `Histogram` as a `MetricsFamily` field, alone and in a
//! `Family`: the same exposition as a `prometheus::Histogram` in every
//! format, and with `#[metric(native_histogram)]` native buckets of both
//! signs in protobuf that always add up to the count.

mod support;

use metrics_runtime::encoding::Format;
use metrics_runtime::{Family, Histogram, LabelSet, MetricsFamily};
use prometheus::{Encoder, HistogramOpts, Registry, TextEncoder};

use support::content;
use support::protobuf_model::{decode_delimited, Histogram as HistogramProto};

#[derive(LabelSet)]
struct Direction<'a> {
    direction: &'a str,
}

#[derive(MetricsFamily)]
struct Payments {
    /// Amount of each payment, in euros.
    #[metric(buckets = [1.0, 10.0, 100.0])]
    payment_euros: Histogram,
    /// Amount of each transfer, in euros; refunds are negative.
    #[metric(buckets = [-10.0, 0.0, 10.0], native_histogram)]
    transfer_euros: Family<Direction<'static>, Histogram>,
}

const AMOUNTS: [f64; 7] = [0.5, 1.0, 3.0, 10.0, 99.9, 250.0, 1e9];

/// The samples of `registry` as text, through the toolkit's encoder.
fn text_samples(registry: &Registry) -> Vec<content::Entry> {
    content::samples(&metrics_runtime::encode_text(registry))
}

#[test]
fn a_histogram_field_reads_as_a_prometheus_histogram_does_in_every_format() {
    let ours = Registry::new_custom(None, Some([("shop".into(), "lyon".into())].into())).unwrap();
    let payments = Payments::register(&ours).unwrap();
    let theirs = Registry::new_custom(None, Some([("shop".into(), "lyon".into())].into())).unwrap();
    let opts = HistogramOpts::new("payment_euros", "Amount of each payment, in euros.")
        .buckets(vec![1.0, 10.0, 100.0]);
    let reference = prometheus::Histogram::with_opts(opts).unwrap();
    theirs.register(Box::new(reference.clone())).unwrap();
    for amount in AMOUNTS {
        payments.payment_euros.observe(amount);
        reference.observe(amount);
    }

    let mut expected = Vec::new();
    TextEncoder::new()
        .encode(&theirs.gather(), &mut expected)
        .unwrap();
    let expected = content::samples(&String::from_utf8(expected).unwrap());
    assert_eq!(text_samples(&ours), expected);
    // `gather()` outside an encode builds the same families.
    let mut gathered = Vec::new();
    TextEncoder::new()
        .encode(&ours.gather(), &mut gathered)
        .unwrap();
    assert_eq!(
        content::samples(&String::from_utf8(gathered).unwrap()),
        expected
    );
    let (openmetrics, _) = content::openmetrics(&metrics_runtime::encode_openmetrics(&ours));
    let (protobuf, _) = content::protobuf(&Format::Protobuf.encode(&ours));
    assert_eq!(protobuf, expected);
    assert_eq!(openmetrics, expected);
    assert_eq!(payments.payment_euros.get_sample_count(), 7);
    assert!(!payments.payment_euros.is_native());
}

/// The transfer histogram of `direction`, decoded from a protobuf scrape.
fn transfers(registry: &Registry, direction: &str) -> HistogramProto {
    let body = Format::Protobuf.encode(registry);
    support::protobuf_model::histogram(&body, "transfer_euros", &[("direction", direction)])
}

#[test]
fn native_buckets_count_both_signs_beside_the_classic_ones() {
    let registry = Registry::new();
    let payments = Payments::register(&registry).unwrap();
    let outgoing = payments
        .transfer_euros
        .with(&Direction { direction: "out" });
    for amount in [-1.0, -1.0, -2.0, 0.0, 1.0, 2.0, 2.0, 2.0] {
        outgoing.observe(amount);
    }
    assert!(outgoing.is_native());

    let histogram = transfers(&registry, "out");
    assert_eq!(histogram.schema, Some(3));
    assert_eq!(histogram.sample_count, Some(8));
    assert_eq!(histogram.sample_sum, Some(3.0));
    assert_eq!(histogram.zero_count, Some(1));
    // 1 is bucket 0 (`(2^(-1/8), 1]`), 2 is bucket 8.
    assert_eq!(histogram.positive_buckets(), [(0, 1), (8, 3)]);
    assert_eq!(histogram.negative_buckets(), [(0, 2), (8, 1)]);
    let classic: Vec<(f64, u64)> = histogram
        .bucket
        .iter()
        .map(|b| (b.upper_bound.unwrap(), b.cumulative_count.unwrap()))
        .collect();
    assert_eq!(classic, [(-10.0, 0), (0.0, 4), (10.0, 8)]);
    // The text formats keep the classic buckets only.
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains(r#"transfer_euros_bucket{direction="out",le="0"} 4"#),
        "{text}"
    );
}

#[test]
fn family_histograms_can_be_taken_out_and_cleared() {
    let registry = Registry::new();
    let payments = Payments::register(&registry).unwrap();
    payments
        .transfer_euros
        .with(&Direction { direction: "in" })
        .observe(5.0);
    payments
        .transfer_euros
        .with(&Direction { direction: "out" })
        .observe(5.0);
    assert!(payments
        .transfer_euros
        .remove(&Direction { direction: "in" }));
    let text = metrics_runtime::encode_text(&registry);
    assert!(!text.contains(r#"direction="in""#), "{text}");
    assert!(
        text.contains(r#"transfer_euros_count{direction="out"} 1"#),
        "{text}"
    );
    payments.transfer_euros.clear();
    assert!(!metrics_runtime::encode_text(&registry).contains("transfer_euros_count"));
    // A label set used again starts at zero.
    payments
        .transfer_euros
        .with(&Direction { direction: "in" })
        .observe(1.0);
    assert_eq!(transfers(&registry, "in").sample_count, Some(1));
}

#[test]
fn every_scrape_during_observations_has_native_buckets_that_add_up() {
    let registry = Registry::new();
    let payments = Payments::register(&registry).unwrap();
    let busy = payments
        .transfer_euros
        .with(&Direction { direction: "busy" });
    let writers: Vec<_> = (0..2)
        .map(|thread| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                for i in 0..50_000u32 {
                    busy.observe(f64::from(i % 200) - 100.0 + f64::from(thread));
                }
            })
        })
        .collect();
    let mut scrapes = 0;
    while scrapes < 50 || writers.iter().any(|writer| !writer.is_finished()) {
        scrapes += 1;
        let histogram = transfers(&registry, "busy");
        // Buckets that did not add up in a few reads are left out.
        if histogram.is_native() {
            let native: u64 = histogram.zero_count.unwrap_or(0)
                + histogram
                    .positive_buckets()
                    .iter()
                    .chain(&histogram.negative_buckets())
                    .map(|(_, count)| count)
                    .sum::<u64>();
            assert_eq!(Some(native), histogram.sample_count);
        }
    }
    for writer in writers {
        writer.join().unwrap();
    }
    let histogram = transfers(&registry, "busy");
    assert_eq!(histogram.sample_count, Some(100_000));
    assert!(histogram.is_native());
}

#[test]
fn a_histogram_of_its_own_registers_in_any_registry() {
    let registry = Registry::new();
    let opts = HistogramOpts::new("queue_wait_seconds", "Time in the queue.")
        .const_label("queue", "mail")
        .buckets(vec![0.1, 1.0]);
    let wait = Histogram::native_with_opts(opts).unwrap();
    registry.register(Box::new(wait.clone())).unwrap();
    wait.start_timer().observe_duration();
    wait.observe(0.5);
    let text = metrics_runtime::encode_text(&registry);
    assert!(
        text.contains(r#"queue_wait_seconds_bucket{queue="mail",le="1"} 2"#),
        "{text}"
    );
    let families = decode_delimited(&Format::Protobuf.encode(&registry));
    let histogram = families[0].metric[0].histogram.clone().unwrap();
    assert_eq!(histogram.sample_count, Some(2));
    assert!(histogram.is_native());
    let bad = HistogramOpts::new("bad_seconds", "Bad.").buckets(vec![2.0, 1.0]);
    assert!(Histogram::with_opts(bad).is_err());
}
