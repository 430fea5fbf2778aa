//! What the encoding bench measures besides time (sample lines, sizes,
//! allocations), written to a JSON file that `report` reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::counting::Allocations;

/// The facts of one run of the encoding bench.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct EncodingFacts {
    /// Sample lines (neither comments nor blank) of what a criterion
    /// benchmark encodes, by its id; for protobuf, those of the text
    /// exposition of the same registry.
    pub lines: BTreeMap<String, u64>,
    /// Bytes of what a criterion benchmark writes, by its id.
    pub bytes: BTreeMap<String, u64>,
    /// Allocations of encodes into a reused buffer.
    pub allocations: Vec<AllocationRow>,
}

/// The allocations of encoding one registry twice into the same buffer.
#[derive(Debug, Serialize, Deserialize)]
pub struct AllocationRow {
    /// The series and the encoder, for the table.
    pub what: String,
    /// Label sets in the registry.
    pub label_sets: u64,
    /// The first encode, into an empty buffer.
    pub first: Allocations,
    /// An encode after it, the buffer cleared.
    pub later: Allocations,
}

/// Sample lines of an exposition in a text format: neither comments
/// (`# HELP`, `# TYPE`, `# EOF`) nor blank lines.
pub fn sample_lines(text: &[u8]) -> u64 {
    text.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty() && !line.starts_with(b"#"))
        .count() as u64
}

/// The cargo target directory: `CARGO_TARGET_DIR`, else the workspace's.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Where the encoding bench writes its facts, beside criterion's results
/// in `criterion_dir`.
pub fn facts_path(criterion_dir: &Path) -> PathBuf {
    criterion_dir
        .parent()
        .unwrap_or(criterion_dir)
        .join("metrics-benches/encoding.json")
}
