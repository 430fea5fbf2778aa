//! One child of a bounded family: its label values, its metric, and the
//! text of its labels for the exposition.

use std::collections::HashMap;

use crate::encoding::direct::{render_pair, LabelPairs};

/// A child, the label values it was made for, and their text.
#[derive(Debug)]
pub(crate) struct Child<M> {
    /// The hash of its values, under its family's seed.
    pub(super) hash: u64,
    values: Box<[Box<str>]>,
    pub(crate) metric: M,
    /// Every label pair of its samples, constant ones included, sorted by
    /// name as the `prometheus` crate writes them; empty when not rendered.
    text: Text,
}

/// Bytes of label text kept in the child itself.
const INLINE: usize = 38;

/// A child's label text: inside the child when it is short, as most are,
/// so that a scrape walking the children reads it with them rather than
/// from one more place in memory per child.
#[derive(Debug)]
enum Text {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Text {
    fn new(text: &str) -> Text {
        let bytes = text.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut inline = [0; INLINE];
                inline[..bytes.len()].copy_from_slice(bytes);
                Text::Inline { len, bytes: inline }
            }
            _ => Text::Heap(bytes.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Text::Heap(bytes) => bytes,
        }
    }
}

impl<M> Child<M> {
    pub(crate) fn new(values: &[&str], metric: M, labels: Option<&ChildLabels>) -> Self {
        Child {
            hash: 0,
            values: values.iter().map(|value| Box::from(*value)).collect(),
            metric,
            text: Text::new(
                &labels
                    .map(|labels| labels.render(values))
                    .unwrap_or_default(),
            ),
        }
    }

    pub(super) fn has_values(&self, values: &[&str]) -> bool {
        self.values.iter().map(|v| &**v).eq(values.iter().copied())
    }

    /// Its labels as the exposition writes them, under `labels`.
    pub(crate) fn pairs<'a>(&'a self, labels: &'a ChildLabels) -> ChildPairs<'a> {
        ChildPairs {
            values: &self.values,
            text: self.text.as_bytes(),
            labels,
        }
    }
}

/// The label names of a family's children and its constant labels.
#[derive(Debug, Clone)]
pub(crate) struct ChildLabels {
    names: Box<[Box<str>]>,
    constant: Box<[(Box<str>, Box<str>)]>,
}

impl ChildLabels {
    pub(crate) fn new(names: &[&str], constant: &HashMap<String, String>) -> Self {
        ChildLabels {
            names: names.iter().map(|name| Box::from(*name)).collect(),
            constant: constant
                .iter()
                .map(|(name, value)| (Box::from(name.as_str()), Box::from(value.as_str())))
                .collect(),
        }
    }

    /// `name="value",…` of `values` and the constant labels, by name.
    fn render(&self, values: &[&str]) -> Box<str> {
        let mut pairs: Vec<(&str, &str)> = self
            .names
            .iter()
            .map(|n| &**n)
            .zip(values.iter().copied())
            .collect();
        pairs.extend(
            self.constant
                .iter()
                .map(|(name, value)| (&**name, &**value)),
        );
        pairs.sort_unstable_by_key(|&(name, _)| name);
        let mut text = String::new();
        for (name, value) in pairs {
            render_pair(&mut text, name, value);
        }
        text.into()
    }
}

/// The labels of one child, as [`LabelPairs`].
#[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
pub(crate) struct ChildPairs<'a> {
    values: &'a [Box<str>],
    text: &'a [u8],
    labels: &'a ChildLabels,
}

impl LabelPairs for ChildPairs<'_> {
    fn text(&self) -> &[u8] {
        self.text
    }

    fn for_each_pair<'p>(&'p self, each: &mut dyn FnMut(&'p str, &'p str)) {
        for (name, value) in self.labels.names.iter().zip(self.values) {
            each(name, value);
        }
        for (name, value) in self.labels.constant.iter() {
            each(name, value);
        }
    }
}
