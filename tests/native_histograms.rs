//! `#[instrumented(native_histogram)]` and `#[metric(native_histogram)]`:
//! exponential buckets beside the classic ones, in the protobuf exposition
//! only, and a real Prometheus with native histograms on computes
//! quantiles from them that match the values recorded here within the
//! schema's bound.

mod support;

use std::time::{Duration, Instant};

use metrics_runtime::encoding::Format;
use metrics_runtime::{http, instrumented, Family, Histogram, LabelSet, MetricsFamily};

use support::protobuf_model::Histogram as HistogramProto;

#[instrumented(name = "native_wait", labels(phase), native_histogram, buckets = [0.01, 0.1])]
fn wait(phase: &str, millis: u64) {
    let _ = phase;
    std::thread::sleep(Duration::from_millis(millis));
}

#[derive(LabelSet)]
struct Account<'a> {
    account: &'a str,
}

#[derive(MetricsFamily)]
struct Ledger {
    /// Amount of each booking, in euros; refunds are negative.
    #[metric(native_histogram, buckets = [0.0, 100.0])]
    native_booking_euros: Family<Account<'static>, Histogram>,
}

/// Bucket `index`'s upper bound at schema 3: `2^(index / 8)` seconds.
fn upper_bound(index: i32) -> f64 {
    2f64.powf(f64::from(index) / 8.0)
}

/// The `native_wait_duration_seconds` histogram of `phase`, decoded.
fn histogram_of(phase: &str) -> HistogramProto {
    let body = Format::Protobuf.encode(metrics_runtime::registry());
    support::protobuf_model::histogram(&body, "native_wait_duration_seconds", &[("phase", phase)])
}

#[test]
fn durations_land_in_the_native_bucket_that_holds_them() {
    let mut measured = Vec::new();
    for millis in [1, 2, 4, 8, 16, 32] {
        let started = Instant::now();
        wait("local", millis);
        measured.push(started.elapsed().as_secs_f64());
    }
    let histogram = histogram_of("local");
    assert_eq!(histogram.schema, Some(3));
    assert_eq!(histogram.sample_count, Some(6));
    assert_eq!(histogram.zero_count, Some(0));
    let buckets = histogram.positive_buckets();
    assert_eq!(buckets.iter().map(|(_, count)| count).sum::<u64>(), 6);
    // Each call took at least its sleep and at most what the test measured
    // around it (1 % either way for the two clocks): a bucket holding a
    // call overlaps that range.
    for (millis, outer) in [1, 2, 4, 8, 16, 32].iter().zip(&measured) {
        let (low, high) = (*millis as f64 / 1000.0 * 0.99, outer * 1.01);
        assert!(
            buckets
                .iter()
                .any(|(index, _)| upper_bound(*index) >= low && upper_bound(index - 1) < high),
            "no bucket of {buckets:?} holds a call of {low}..{high} s"
        );
    }
    // The classic buckets are still there, in every format.
    let bounds: Vec<f64> = histogram
        .bucket
        .iter()
        .filter_map(|b| b.upper_bound)
        .collect();
    assert_eq!(bounds, [0.01, 0.1]);
    // The same classic count in text (a loaded machine can stretch the
    // 8 ms call past 10 ms, so the count itself is not fixed).
    let below = histogram.bucket[0].cumulative_count.unwrap();
    assert!(below <= 4, "{below}");
    let text = metrics_runtime::gather_text();
    assert!(
        text.contains(&format!(
            r#"native_wait_duration_seconds_bucket{{phase="local",le="0.01"}} {below}"#
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_quantiles_from_native_buckets_match_the_recorded_durations() {
    let ours = http::serve("127.0.0.1:0").await.unwrap();
    let target = ours.local_addr();
    let result = tokio::task::spawn_blocking(move || {
        let server = support::prometheus::start(target, &["--enable-feature=native-histograms"])?;
        // Scraped once before the calls, so that `rate` sees all of them.
        wait("scraped", 1);
        let bookings = Ledger::global()
            .native_booking_euros
            .with(&Account { account: "shop" });
        for cents in 1..=1000 {
            bookings.observe(f64::from(cents) / 10.0);
            bookings.observe(-f64::from(cents) / 100.0);
        }
        let up = support::prometheus::poll(Duration::from_secs(30), || {
            support::prometheus::target_up(&server).then_some(())
        });
        assert!(up.is_some(), "the target never came up:\n{}", server.log());
        std::thread::sleep(Duration::from_secs(2));
        let mut durations = Vec::new();
        for millis in 1..=40 {
            let started = Instant::now();
            wait("scraped", millis);
            durations.push(started.elapsed().as_secs_f64());
        }
        let query =
            "histogram_quantile(0.9, rate(native_wait_duration_seconds{phase=\"scraped\"}[1m]))";
        let count = "histogram_count(rate(native_wait_duration_seconds{phase=\"scraped\"}[1m]))";
        // Once a scrape after the calls is in, the rate holds all 40.
        let settled = support::prometheus::poll(Duration::from_secs(30), || {
            let count = support::prometheus::scalar(&server, count)?;
            (count > 0.0).then_some(())
        });
        std::thread::sleep(Duration::from_secs(3));
        let estimate = settled.and_then(|()| support::prometheus::scalar(&server, query));
        let field = |promql: &str| support::prometheus::scalar(&server, promql);
        let booked = (
            field("histogram_count(native_booking_euros{account=\"shop\"})"),
            field("histogram_sum(native_booking_euros{account=\"shop\"})"),
            field("histogram_quantile(0.9, native_booking_euros{account=\"shop\"})"),
        );
        Some((durations, estimate, booked, server.log()))
    })
    .await
    .unwrap();
    ours.shutdown().await.unwrap();
    let Some((mut durations, estimate, booked, log)) = result else {
        return;
    };
    // A field's native histogram, negative buckets and all: count and sum
    // exact, and the 0.9 quantile of 2,000 bookings (1,000 refunds of
    // 0.01..10, 1,000 payments of 0.1..100) is the 800th payment, 80.
    let (count, sum, quantile) = booked;
    assert_eq!(count, Some(2000.0), "log:\n{log}");
    let expected_sum = 50_050.0 - 5_005.0;
    assert!(
        sum.is_some_and(|sum| (sum - expected_sum).abs() < 1e-6),
        "{sum:?}"
    );
    let quantile = quantile.expect("a quantile of the field");
    let width = 2f64.powf(1.0 / 8.0);
    eprintln!("field 0.9 quantile: Prometheus {quantile}, recorded 80");
    assert!(
        quantile <= 80.0 * width && quantile >= 80.0 / width,
        "{quantile}"
    );
    // The call before the first scrape is not in the rate.
    durations.sort_by(f64::total_cmp);
    let estimate = estimate.unwrap_or_else(|| panic!("no quantile from Prometheus; log:\n{log}"));
    // The true 0.9 quantile lies in the bucket Prometheus interpolates in,
    // so the estimate is within one bucket's width (2^(1/8), +9.05%) of it.
    let rank = (0.9 * durations.len() as f64).ceil() as usize - 1;
    let truth = durations[rank];
    let bound = 2f64.powf(1.0 / 8.0);
    eprintln!("0.9 quantile: Prometheus {estimate} s, recorded {truth} s");
    assert!(
        estimate <= truth * bound && estimate >= truth / bound,
        "estimate {estimate} s against the recorded 0.9 quantile {truth} s (±{:.1}%)",
        (bound - 1.0) * 100.0
    );
}
