//! Sample lines, which text 0.0.4 and OpenMetrics write alike:
//! `name_suffix{labels} value`, numbers written without allocating.

use std::io::Write;

use super::direct::{Exemplar, HistogramSample, Labels, Number, Samples};

/// Writes the samples of one family as lines into `out`.
pub(crate) struct LineWriter<'a> {
    pub(crate) out: &'a mut Vec<u8>,
    /// The family's name as gathered (`N_total` for a counter).
    pub(crate) name: &'a str,
    /// Appended to counter sample names: `_total` where OpenMetrics needs it.
    pub(crate) counter_suffix: &'a str,
    /// Labels the registry adds to every sample, rendered.
    pub(crate) common: &'a str,
    /// Whether exemplars are written (OpenMetrics).
    pub(crate) exemplars: bool,
}

impl LineWriter<'_> {
    fn line(&mut self, suffix: &str, labels: Labels<'_>, last: &str, value: Number) {
        let extra = labels.extra.map_or("", |pair| pair.text);
        let parts = [
            labels.series.text(),
            extra.as_bytes(),
            labels.constant.text(),
            self.common.as_bytes(),
            last.as_bytes(),
        ];
        write_line(self.out, self.name, suffix, &parts, value);
    }

    /// ` # {trace_id="…",span_id="…"} value timestamp` at the end of the
    /// line just written.
    fn exemplar(&mut self, exemplar: Option<Exemplar>) {
        let Some(exemplar) = exemplar.filter(|_| self.exemplars) else {
            return;
        };
        let (trace, span) = exemplar.hex_ids();
        let out = &mut *self.out;
        out.pop();
        out.extend_from_slice(b" # {trace_id=\"");
        out.extend_from_slice(&trace);
        out.extend_from_slice(b"\",span_id=\"");
        out.extend_from_slice(&span);
        out.extend_from_slice(b"\"} ");
        write_f64(out, exemplar.value);
        out.push(b' ');
        let _ = write!(out, "{:.3}", exemplar.timestamp);
        out.push(b'\n');
    }
}

impl Samples for LineWriter<'_> {
    fn counter(&mut self, labels: Labels<'_>, value: Number, exemplar: Option<Exemplar>) {
        let suffix = self.counter_suffix;
        self.line(suffix, labels, "", value);
        self.exemplar(exemplar);
    }

    fn gauge(&mut self, labels: Labels<'_>, value: Number) {
        self.line("", labels, "", value);
    }

    fn histogram(&mut self, labels: Labels<'_>, histogram: HistogramSample<'_>) {
        for (index, &cumulative) in histogram.cumulative.iter().enumerate() {
            let le = histogram.bounds.text(index);
            self.line("_bucket", labels, le, Number::Unsigned(cumulative));
            let exemplars = histogram.exemplars;
            self.exemplar(exemplars.and_then(|exemplars| exemplars.bucket(index)));
        }
        self.line("_sum", labels, "", Number::Float(histogram.sum));
        self.line("_count", labels, "", Number::Unsigned(histogram.count));
    }
}

/// `name` + `suffix`, the non-empty `label_parts` (rendered label pairs)
/// joined by commas in braces, and `value`.
pub(crate) fn write_line(
    out: &mut Vec<u8>,
    name: &str,
    suffix: &str,
    label_parts: &[&[u8]],
    value: Number,
) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    let mut open = false;
    for part in label_parts.iter().filter(|part| !part.is_empty()) {
        out.push(if open { b',' } else { b'{' });
        open = true;
        out.extend_from_slice(part);
    }
    if open {
        out.push(b'}');
    }
    out.push(b' ');
    write_number(out, value);
    out.push(b'\n');
}

/// A value as the exposition formats spell it.
pub(crate) fn write_number(out: &mut Vec<u8>, value: Number) {
    match value {
        Number::Unsigned(value) => write_u64(out, value),
        Number::Float(value) => write_f64(out, value),
    }
}

/// `value` in decimal digits.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// `+Inf`, `-Inf`, `NaN`, or the shortest decimal that reads back as
/// `value` (`3` for 3.0), as the `prometheus` crate's encoder writes it.
pub(crate) fn write_f64(out: &mut Vec<u8>, value: f64) {
    if value == f64::INFINITY {
        out.extend_from_slice(b"+Inf");
    } else if value == f64::NEG_INFINITY {
        out.extend_from_slice(b"-Inf");
    } else if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        // Whole numbers, the common case, skip float formatting.
        if value.is_sign_negative() {
            out.push(b'-');
        }
        write_u64(out, value.abs() as u64);
    } else {
        // Writing into a `Vec` cannot fail, and formatting a float allocates nothing.
        let _ = write!(out, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_text(value: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_read_as_the_text_encoder_writes_them() {
        for value in [
            0.0,
            1.0,
            3.0,
            0.25,
            1e-9,
            123_456.789,
            1e300,
            2f64.powi(60),
            -7.0,
        ] {
            let expected = value.to_string();
            assert_eq!(f64_text(value), expected, "{value}");
        }
        assert_eq!(f64_text(-0.0), "-0");
        assert_eq!(f64_text(f64::INFINITY), "+Inf");
        assert_eq!(f64_text(f64::NEG_INFINITY), "-Inf");
        assert_eq!(f64_text(f64::NAN), "NaN");
        for value in [0, 9, 10, 1_234_567_890, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }

    #[test]
    fn lines_skip_empty_label_parts() {
        let mut out = Vec::new();
        let parts: [&[u8]; 4] = [b"", b"x=\"1\"", b"", b"y=\"2\""];
        write_line(&mut out, "a", "_sum", &parts, Number::Unsigned(3));
        write_line(&mut out, "b", "", &[b"", b""], Number::Float(0.5));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a_sum{x=\"1\",y=\"2\"} 3\nb 0.5\n"
        );
    }
}
