//! Reading the samples of gathered `prometheus::proto` families, whichever
//! of its two models (`protobuf` feature on or off) the dependency graph
//! gave the `prometheus` crate.
//!
//! The models agree on everything the toolkit reads but the value of a
//! counter, gauge or untyped sample: the plain model has `get_value()`, the
//! protobuf one `value()`. Inherent methods win over trait methods, so the
//! [`SampleValue`] trait below fills in whichever of the two is missing,
//! and callers name `value()`.

use prometheus::proto::{Counter, Gauge, Metric};

/// `value()` and `get_value()` for both models; each default calls the
/// other, and the inherent one of the model in use ends the chain.
#[allow(dead_code)] // unused under the model whose inherent `value()` wins
trait SampleValue {
    fn value(&self) -> f64;
    fn get_value(&self) -> f64;
}

macro_rules! sample_value {
    ($($ty:ty),*) => {$(
        impl SampleValue for $ty {
            #[allow(unconditional_recursion)] // never both missing: see the module doc
            fn value(&self) -> f64 {
                self.get_value()
            }
            #[allow(unconditional_recursion)]
            fn get_value(&self) -> f64 {
                self.value()
            }
        }
    )*};
}

sample_value!(Counter, Gauge);

/// The value of a counter sample.
pub(crate) fn counter_value(metric: &Metric) -> f64 {
    let counter: &Counter = metric.get_counter();
    counter.value()
}

/// The value of a gauge sample.
pub(crate) fn gauge_value(metric: &Metric) -> f64 {
    let gauge: &Gauge = metric.get_gauge();
    gauge.value()
}

/// The value of an untyped sample (0 when it has none).
///
/// Neither model has an accessor for it that the other shares (the plain
/// one's is deprecated, the protobuf one has a public field instead), and
/// the `prometheus` crate's text encoder does not write untyped samples.
/// Both models derive `Debug`, though, so the value is read from that:
/// `Untyped { value: 42.5 }` in the plain model,
/// `MessageField(Some(Untyped { value: Some(42.5), … }))` in the protobuf one.
pub(crate) fn untyped_value(metric: &Metric) -> f64 {
    let mut unlabelled = metric.clone();
    unlabelled.set_label(Vec::new()); // no label value can look like a field
    let debug = format!("{unlabelled:?}");
    read_untyped(&debug).unwrap_or(f64::NAN)
}

fn read_untyped(debug: &str) -> Option<f64> {
    let (_, field) = debug.split_once("untyped: ")?;
    let field = field.strip_prefix("MessageField(").unwrap_or(field);
    if field.starts_with("None") {
        return Some(0.0);
    }
    let field = field.strip_prefix("Some(").unwrap_or(field);
    let value = field.strip_prefix("Untyped { value: ")?;
    if value.starts_with("None") {
        return Some(0.0);
    }
    let value = value.strip_prefix("Some(").unwrap_or(value);
    let end = value.find([',', ')', ' ', '}'])?;
    value[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gathered(
        collector: impl prometheus::core::Collector + 'static,
    ) -> Vec<prometheus::proto::MetricFamily> {
        let registry = prometheus::Registry::new();
        registry.register(Box::new(collector)).unwrap();
        registry.gather()
    }

    #[test]
    fn counters_and_gauges_read_their_values() {
        let counter = prometheus::IntCounter::new("c_total", "C.").unwrap();
        counter.inc_by(7);
        let families = gathered(counter);
        assert_eq!(counter_value(&families[0].get_metric()[0]), 7.0);

        let gauge = prometheus::Gauge::new("g", "G.").unwrap();
        gauge.set(-2.5);
        let families = gathered(gauge);
        assert_eq!(gauge_value(&families[0].get_metric()[0]), -2.5);
    }

    #[test]
    fn untyped_values_are_read_from_either_model_debug_output() {
        let plain = "Metric { label: [], gauge: Gauge { value: 0.0 }, counter: Counter { value: 0.0 }, \
            summary: Summary { sample_count: 0, sample_sum: 0.0, quantile: [] }, \
            untyped: Untyped { value: -42.5 }, histogram: Histogram { sample_count: 0 }, timestamp_ms: 0 }";
        assert_eq!(read_untyped(plain), Some(-42.5));
        let protobuf =
            "Metric { label: [], gauge: MessageField(None), counter: MessageField(None), \
            summary: MessageField(None), untyped: MessageField(Some(Untyped { value: Some(1e300), \
            special_fields: SpecialFields { unknown_fields: UnknownFields { fields: None } } })), \
            histogram: MessageField(None), timestamp_ms: None }";
        assert_eq!(read_untyped(protobuf), Some(1e300));
        let absent = "Metric { label: [], untyped: MessageField(None), histogram: MessageField(Some(Histogram { sample_count: Some(3) })) }";
        assert_eq!(read_untyped(absent), Some(0.0));
        assert_eq!(
            read_untyped("untyped: Untyped { value: inf }"),
            Some(f64::INFINITY)
        );
    }
}
