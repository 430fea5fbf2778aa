//! The node_exporter textfile collector: the exposition written to a file.
