//! Encoding for the exporters: a collector that panics costs one
//! exposition, not the exporter.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use prometheus::Registry;

use super::Format;

/// A collector panicked while the registry was gathered; nothing was encoded.
#[derive(Debug, Clone)]
pub(crate) struct CollectorPanic {
    message: String,
}

impl CollectorPanic {
    /// The message the collector panicked with.
    #[cfg_attr(not(any(feature = "push", feature = "remote-write")), allow(dead_code))]
    pub(crate) fn into_message(self) -> String {
        self.message
    }
}

impl fmt::Display for CollectorPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a collector panicked while the registry was gathered: {}",
            self.message
        )
    }
}

impl std::error::Error for CollectorPanic {}

/// `format.encode(registry)`, or the panic of one of its collectors.
///
/// `prometheus::Registry::gather` runs every collector and lets a panic
/// through. The exporters must outlive it, and must not send or write a
/// partial exposition: they skip this one and try again later.
pub(crate) fn try_encode(format: Format, registry: &Registry) -> Result<Vec<u8>, CollectorPanic> {
    let mut out = Vec::new();
    try_encode_into(format, registry, &mut out).map(|()| out)
}

/// [`try_encode`] into `out`, which is left empty on a panic.
pub(crate) fn try_encode_into(
    format: Format,
    registry: &Registry,
    out: &mut Vec<u8>,
) -> Result<(), CollectorPanic> {
    // Unwind safe: a gather only reads the registry (its lock is taken for
    // reading, which a panic does not poison), and on a panic the text
    // being built is thrown away.
    panic::catch_unwind(AssertUnwindSafe(|| format.encode_into(registry, out))).map_err(|payload| {
        out.clear();
        CollectorPanic {
            message: panic_message(payload.as_ref()),
        }
    })
}

/// The families of `registry`, gathered as
/// [`registration::gather`](crate::registration::gather) does, or the
/// panic of one of its collectors: exporters that send samples rather
/// than an exposition skip this gather, as they would skip an encode.
#[cfg(any(feature = "remote-write", feature = "statsd"))]
pub(crate) fn try_gather(
    registry: &Registry,
) -> Result<Vec<prometheus::proto::MetricFamily>, CollectorPanic> {
    // Unwind safe for the reason given in `try_encode_into`.
    panic::catch_unwind(AssertUnwindSafe(|| crate::registration::gather(registry))).map_err(
        |payload| CollectorPanic {
            message: panic_message(payload.as_ref()),
        },
    )
}

/// The message a panic was raised with, when it is text.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::core::{Collector, Desc};
    use prometheus::proto::MetricFamily;

    struct Panicking(Desc);

    impl Collector for Panicking {
        fn desc(&self) -> Vec<&Desc> {
            vec![&self.0]
        }

        fn collect(&self) -> Vec<MetricFamily> {
            panic!("collector on fire")
        }
    }

    #[test]
    fn a_panicking_collector_is_an_error_and_the_registry_still_works() {
        let registry = Registry::new();
        let desc = Desc::new("x".into(), "X.".into(), vec![], Default::default()).unwrap();
        registry.register(Box::new(Panicking(desc))).unwrap();
        for format in [Format::Text, Format::OpenMetrics] {
            let err = try_encode(format, &registry).unwrap_err();
            assert!(err.to_string().contains("collector on fire"), "{err}");
        }
        let empty = Registry::new();
        assert!(try_encode(Format::Text, &empty).unwrap().is_empty());
    }
}
