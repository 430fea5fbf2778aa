//! Label sets: a struct whose fields are the labels of a [`Family`](crate::Family).

/// A fixed set of labels, usually from `#[derive(LabelSet)]` on a struct
/// whose fields implement [`LabelValue`](crate::LabelValue): the field
/// names are the label names, checked at compile time.
///
/// ```
/// use metrics_runtime::{LabelSet, LabelValue};
///
/// #[derive(LabelValue, Clone, Copy)]
/// enum Status { Success, RateLimited }
///
/// #[derive(LabelSet)]
/// struct CallLabels<'a> { tool: &'a str, status: Status }
///
/// assert_eq!(CallLabels::NAMES, ["tool", "status"]);
/// let labels = CallLabels { tool: "grep", status: Status::RateLimited };
/// labels.with_values(|values| assert_eq!(values, ["grep", "rate_limited"]));
/// ```
pub trait LabelSet {
    /// This label set with every lifetime `'static`: the sets that differ
    /// only in lifetimes share it, so a `Family<Call<'static>, M>` takes a
    /// `Call<'a>` borrowing for any `'a`. The derive sets it.
    type Static: ?Sized;

    /// Label names, in field order.
    const NAMES: &'static [&'static str];

    /// The number of distinct label sets when every label has a fixed
    /// cardinality (derived enums, `bool`); `None` otherwise.
    const CARDINALITY: Option<usize>;

    /// Calls `f` with the label values, in the order of [`NAMES`](LabelSet::NAMES).
    fn with_values<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R;

    /// With [`CARDINALITY`](LabelSet::CARDINALITY) `Some(n)`: this set's
    /// position below `n`.
    fn index(&self) -> usize;

    /// With [`CARDINALITY`](LabelSet::CARDINALITY) `Some(n)`: calls `f`
    /// with the label values of the set at `index` below `n`, so that a
    /// family can create every child at zero in advance; `None` when a
    /// label cannot name its values. The derive gives it.
    fn values_at<R>(index: usize, f: impl FnOnce(&[&str]) -> R) -> Option<R> {
        let _ = (index, f);
        None
    }
}
