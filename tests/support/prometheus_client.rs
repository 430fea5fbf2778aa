//! The strict OpenMetrics parser of Python's `prometheus_client`
//! (`text_string_to_metric_families`), run as `python3 -c`: a parser
//! written by others, so our escaping is not checked by our own reading.

use std::io::Write;
use std::process::{Command, Stdio};

use super::content::{self, Entry, Meta};

/// How CI installs the parser (`.ci/run` pins the same version).
pub const INSTALL: &str = "pip install prometheus_client==0.21.1";

/// Reads the exposition on stdin, consumes every family, and prints the
/// families and samples as JSON; exit status 3 when the module is missing.
const SCRIPT: &str = r#"
import json, sys
try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError as err:
    print(err, file=sys.stderr)
    sys.exit(3)
families = list(text_string_to_metric_families(sys.stdin.buffer.read().decode("utf-8")))
json.dump({
    "families": [[f.name, f.type, f.documentation] for f in families],
    "samples": [[s.name, s.labels, repr(float(s.value))] for f in families for s in f.samples],
}, sys.stdout)
"#;

/// The families and samples `prometheus_client` read from `text`, sorted
/// as [`content`] sorts them; `None` when the parser is not installed and
/// `CI` is not `true`. Fails the test when the parser rejects `text`.
pub fn parse_openmetrics(text: &str) -> Option<(Vec<Entry>, Vec<Meta>)> {
    let python =
        super::require_binary("python3", &format!("apt-get install python3 && {INSTALL}"))?;
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("python3 reads the exposition");
    let output = child.wait_with_output().expect("python3 finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        super::skip_or_fail(
            &format!("Python's prometheus_client is missing ({})", stderr.trim()),
            INSTALL,
        );
        return None;
    }
    assert!(
        output.status.success(),
        "prometheus_client's OpenMetrics parser rejected the exposition:\n{stderr}\n--- exposition ---\n{text}"
    );
    let parsed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the script prints JSON");
    let strings = |value: &serde_json::Value| -> Vec<String> {
        let items = value.as_array().expect("a JSON array");
        items
            .iter()
            .map(|item| item.as_str().expect("a string").to_owned())
            .collect()
    };
    let mut families: Vec<Meta> = parsed["families"]
        .as_array()
        .expect("families")
        .iter()
        .map(|family| {
            let [name, kind, help] = <[String; 3]>::try_from(strings(family)).expect("3 strings");
            (name, kind, help)
        })
        .collect();
    families.sort();
    let mut samples: Vec<Entry> = parsed["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|sample| {
            let labels = sample[1].as_object().expect("labels").iter();
            let labels = labels.map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_owned()));
            let value: f64 = sample[2]
                .as_str()
                .and_then(|v| v.parse().ok())
                .expect("a float");
            content::entry(
                sample[0].as_str().expect("a name").to_owned(),
                labels.collect(),
                value,
            )
        })
        .collect();
    samples.sort();
    Some((samples, families))
}
