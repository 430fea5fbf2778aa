//! A real VictoriaMetrics (Debian's `victoria-metrics`) on 127.0.0.1,
//! receiving remote writes; its query API is Prometheus' (see `prometheus`).

use super::Server;

/// Starts VictoriaMetrics on `port`, its data in a scratch directory,
/// answering queries with samples as fresh as the last
/// [`flush`]; `None` where it is not installed and `CI` is not `true`.
pub fn start_on(port: u16) -> Option<Server> {
    let program = super::require_binary("victoria-metrics", "apt-get install victoria-metrics")?;
    let args = [
        "-httpListenAddr=127.0.0.1:{port}",
        "-storageDataPath={dir}/data",
        // By default the last 30 s are left out of query results, and
        // answers are cached: a test reads what it has just written.
        "-search.latencyOffset=0s",
        "-search.disableCache",
        "-loggerLevel=WARN",
    ];
    Some(Server::start_on(port, &program, &args, "/health"))
}

/// Makes every sample received so far searchable (VictoriaMetrics buffers
/// them for up to a few seconds otherwise).
pub fn flush(server: &Server) {
    let _ = super::http_get(&format!("{}/internal/force_flush", server.url));
}
