//! Label values: how a Rust value becomes the text of a Prometheus label.

use std::borrow::Cow;

/// A value that can stand as a Prometheus label value.
///
/// Implemented for `str`, `String`, `Cow<str>`, `bool`, `char`, the integer
/// types and references to any of them. Formatting goes into a stack buffer,
/// so turning a number into a label never allocates.
///
/// ```
/// use metrics_runtime::{LabelBuf, LabelValue};
///
/// let mut buf = LabelBuf::new();
/// assert_eq!((-42i64).label_value(&mut buf), "-42");
/// assert_eq!("eu-west".label_value(&mut buf), "eu-west");
/// ```
///
/// Implement it for your own types to use them in `labels(…)`:
///
/// ```
/// use metrics_runtime::{LabelBuf, LabelValue};
///
/// enum Region { Eu, Us }
///
/// impl LabelValue for Region {
///     fn label_value<'a>(&'a self, _buf: &'a mut LabelBuf) -> &'a str {
///         match self { Region::Eu => "eu", Region::Us => "us" }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric label value",
    label = "the type of this label does not implement `LabelValue`",
    note = "implement `metrics_runtime::LabelValue` for `{Self}`, or label with an expression such as `name = value.to_string()`"
)]
pub trait LabelValue {
    /// For a type with a fixed set of values, such as a field-less enum
    /// with `#[derive(LabelValue)]`: how many there are. Series of such a
    /// label are then found by [`label_index`](LabelValue::label_index),
    /// without hashing.
    const CARDINALITY: Option<usize> = None;

    /// The label text; may borrow from `self` or be written into `buf`.
    fn label_value<'a>(&'a self, buf: &'a mut LabelBuf) -> &'a str;

    /// With [`CARDINALITY`](LabelValue::CARDINALITY) `Some(n)`: this
    /// value's position, below `n`, the same for values with the same text.
    fn label_index(&self) -> usize {
        0
    }

    /// With [`CARDINALITY`](LabelValue::CARDINALITY) `Some(n)`: the text of
    /// the value at `index` below `n`, so that a family can create every
    /// child at zero in advance. The derive gives it.
    fn label_at(index: usize) -> Option<&'static str> {
        let _ = index;
        None
    }

    /// Tells label types apart where one call site serves several (a
    /// generic function): a type's series are indexed only with it. The
    /// derive gives it; `None` keeps the type's series hashed.
    fn label_type() -> Option<std::any::TypeId> {
        None
    }
}

/// Stack space for formatting one label value (any integer or `char` fits).
#[derive(Debug, Clone)]
pub struct LabelBuf {
    bytes: [u8; LabelBuf::CAPACITY],
}

impl LabelBuf {
    const CAPACITY: usize = 40;

    /// An empty buffer.
    #[inline]
    pub const fn new() -> Self {
        LabelBuf {
            bytes: [0; Self::CAPACITY],
        }
    }

    /// Writes the decimal form of `magnitude` (with a leading `-` when
    /// `negative`) and returns it.
    #[inline]
    fn write_decimal(&mut self, negative: bool, mut magnitude: u128) -> &str {
        let mut start = Self::CAPACITY;
        loop {
            start -= 1;
            self.bytes[start] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            self.bytes[start] = b'-';
        }
        // Only ASCII digits and '-' were written.
        std::str::from_utf8(&self.bytes[start..]).unwrap_or_default()
    }
}

impl Default for LabelBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl LabelValue for str {
    #[inline]
    fn label_value<'a>(&'a self, _buf: &'a mut LabelBuf) -> &'a str {
        self
    }
}

impl LabelValue for String {
    #[inline]
    fn label_value<'a>(&'a self, _buf: &'a mut LabelBuf) -> &'a str {
        self
    }
}

impl LabelValue for Cow<'_, str> {
    #[inline]
    fn label_value<'a>(&'a self, _buf: &'a mut LabelBuf) -> &'a str {
        self
    }
}

macro_rules! forward_label_value {
    ($($pointer:ty),*) => {$(
        impl<T: LabelValue + ?Sized> LabelValue for $pointer {
            const CARDINALITY: Option<usize> = T::CARDINALITY;

            #[inline]
            fn label_value<'a>(&'a self, buf: &'a mut LabelBuf) -> &'a str {
                (**self).label_value(buf)
            }

            #[inline]
            fn label_index(&self) -> usize {
                (**self).label_index()
            }

            fn label_at(index: usize) -> Option<&'static str> {
                T::label_at(index)
            }

            #[inline]
            fn label_type() -> Option<std::any::TypeId> {
                T::label_type()
            }
        }
    )*};
}

forward_label_value!(&T, &mut T, Box<T>);

impl LabelValue for bool {
    const CARDINALITY: Option<usize> = Some(2);

    #[inline]
    fn label_index(&self) -> usize {
        usize::from(*self)
    }

    fn label_at(index: usize) -> Option<&'static str> {
        ["false", "true"].get(index).copied()
    }

    #[inline]
    fn label_type() -> Option<std::any::TypeId> {
        Some(std::any::TypeId::of::<bool>())
    }

    #[inline]
    fn label_value<'a>(&'a self, _buf: &'a mut LabelBuf) -> &'a str {
        if *self {
            "true"
        } else {
            "false"
        }
    }
}

impl LabelValue for char {
    #[inline]
    fn label_value<'a>(&'a self, buf: &'a mut LabelBuf) -> &'a str {
        self.encode_utf8(&mut buf.bytes)
    }
}

macro_rules! unsigned_label_value {
    ($($ty:ty),*) => {$(
        impl LabelValue for $ty {
            #[inline]
            fn label_value<'a>(&'a self, buf: &'a mut LabelBuf) -> &'a str {
                buf.write_decimal(false, *self as u128)
            }
        }
    )*};
}

macro_rules! signed_label_value {
    ($($ty:ty),*) => {$(
        impl LabelValue for $ty {
            #[inline]
            fn label_value<'a>(&'a self, buf: &'a mut LabelBuf) -> &'a str {
                buf.write_decimal(*self < 0, (*self as i128).unsigned_abs())
            }
        }
    )*};
}

unsigned_label_value!(u8, u16, u32, u64, u128, usize);
signed_label_value!(i8, i16, i32, i64, i128, isize);

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: LabelValue + ?Sized>(value: &T) -> String {
        value.label_value(&mut LabelBuf::new()).to_owned()
    }

    #[test]
    fn integers_cover_their_whole_range() {
        assert_eq!(text(&0u8), "0");
        assert_eq!(text(&u128::MAX), u128::MAX.to_string());
        assert_eq!(text(&i128::MIN), i128::MIN.to_string());
        assert_eq!(text(&i64::MIN), i64::MIN.to_string());
        assert_eq!(text(&-7i8), "-7");
        assert_eq!(text(&usize::MAX), usize::MAX.to_string());
    }

    #[test]
    fn text_like_values_are_borrowed_unchanged() {
        assert_eq!(text("a\"b\\c\n"), "a\"b\\c\n");
        assert_eq!(text(&String::from("s")), "s");
        assert_eq!(text(&Cow::Borrowed("c")), "c");
        assert_eq!(text(&&&"deep"), "deep");
    }

    #[test]
    fn bools_and_chars() {
        assert_eq!(text(&true), "true");
        assert_eq!(text(&false), "false");
        assert_eq!(text(&'é'), "é");
        assert_eq!(text(&'🦀'), "🦀");
    }
}
