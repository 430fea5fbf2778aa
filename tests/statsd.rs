//! DogStatsD to a real StatsD daemon (npm's `statsd`, installed by
//! `.ci/run`): what it aggregated, read back through its management port,
//! is exactly what the program counted and timed.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_runtime::instrumented;
use metrics_runtime::statsd::Statsd;
use prometheus::{Gauge, IntCounterVec, Opts, Registry};

#[instrumented(name = "statsd_resize", labels(size))]
fn resize(size: &str, millis: u64) {
    let _ = size;
    std::thread::sleep(Duration::from_millis(millis));
}

#[instrumented(name = "statsd_lookup", sample = 0.5)]
fn lookup() {}

/// The README's `lookup`, its timings sampled one call in a hundred.
#[instrumented(name = "statsd_raw_lookup", labels(table), sample = 0.01)]
fn raw_lookup(table: &str) {
    let _ = table;
}

/// Measured calls go to one exporter at a time: the tests take turns.
static ONE_EXPORTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Polls the daemon until `check` accepts what it aggregated.
fn settled<T>(mut read: impl FnMut() -> T, check: impl Fn(&T) -> bool) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let value = read();
        if check(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_daemon_aggregates_exact_counts_gauges_and_timings() {
    let _turn = ONE_EXPORTER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(daemon) = support::statsd::start() else {
        return;
    };
    let registry = Registry::new();
    let jobs = IntCounterVec::new(Opts::new("statsd_jobs_total", "Jobs."), &["queue"]).unwrap();
    let depth = Gauge::new("statsd_depth", "Depth.").unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    registry.register(Box::new(depth.clone())).unwrap();
    let exporter = Statsd::new(daemon.udp.to_string())
        .registry(registry)
        .tag("env", "ci")
        .flush_every(Duration::from_millis(100))
        .spawn()
        .unwrap();
    assert!(exporter.receives_calls());

    jobs.with_label_values(&["mail"]).inc_by(4);
    jobs.with_label_values(&["big queue"]).inc();
    depth.set(-3.0);
    for millis in [2, 3, 4] {
        resize("small", millis);
    }
    resize("large", 20);
    // Fewer than 100 timings: the daemon's `util.inspect` lists no more.
    for _ in 0..60 {
        lookup();
    }
    // Increases after a flush are sent as increases, not totals.
    std::thread::sleep(Duration::from_millis(300));
    jobs.with_label_values(&["mail"]).inc_by(3);
    exporter.shutdown();

    let counters = settled(
        || daemon.numbers("counters"),
        |c| c.get("statsd_jobs_total;queue=mail;env=ci") == Some(&7.0),
    );
    let expect = |key: &str, value: f64, table: &BTreeMap<String, f64>| {
        assert_eq!(table.get(key), Some(&value), "{key} in {table:#?}");
    };
    expect("statsd_jobs_total;queue=mail;env=ci", 7.0, &counters);
    expect("statsd_jobs_total;queue=big_queue;env=ci", 1.0, &counters);
    expect("statsd.bad_lines_seen", 0.0, &counters);
    let gauges = daemon.numbers("gauges");
    expect("statsd_depth;env=ci", -3.0, &gauges);

    let timers = daemon.timers();
    let small = &timers["statsd_resize_duration;size=small;result=ok;env=ci"];
    assert_eq!(small.len(), 3, "{timers:#?}");
    for (millis, timing) in [2.0, 3.0, 4.0].iter().zip(small) {
        assert!(timing >= millis && *timing < millis + 50.0, "{small:?}");
    }
    let large = &timers["statsd_resize_duration;size=large;result=ok;env=ci"];
    assert!(large.len() == 1 && large[0] >= 20.0, "{large:?}");
    // `sample = 0.5`: each sampled call's timing, as many as the
    // function's own histogram observed.
    let sampled = support::read("statsd_lookup_duration_seconds_count", &[]);
    let lookups = &timers["statsd_lookup_duration;result=ok;env=ci"];
    assert_eq!(lookups.len() as f64, sampled, "{lookups:?}");
    assert!((10.0..=50.0).contains(&sampled), "{sampled} of 60 sampled");
}

#[test]
fn lines_are_those_the_readme_shows() {
    let _turn = ONE_EXPORTER.lock().unwrap_or_else(|e| e.into_inner());
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let registry = Registry::new();
    let jobs = IntCounterVec::new(Opts::new("jobs_total", "Jobs."), &["queue"]).unwrap();
    registry.register(Box::new(jobs.clone())).unwrap();
    let exporter = Statsd::new(socket.local_addr().unwrap().to_string())
        .registry(registry)
        .tag("service", "checkout")
        .spawn()
        .unwrap();
    jobs.with_label_values(&["mail"]).inc_by(3);
    // Until one call in a hundred was sampled.
    let sampled = || {
        let text = metrics_runtime::gather_text();
        support::value(&text, "statsd_raw_lookup_duration_seconds_count", &[]).unwrap_or(0.0)
    };
    while sampled() < 1.0 {
        for _ in 0..1000 {
            raw_lookup("users");
        }
    }
    exporter.shutdown();
    let mut lines = Vec::new();
    let mut buffer = [0u8; 2048];
    while !lines.iter().any(|l: &String| l.starts_with("jobs_total")) {
        let len = socket.recv(&mut buffer).expect("a datagram");
        lines.extend(
            String::from_utf8_lossy(&buffer[..len])
                .lines()
                .map(str::to_owned),
        );
    }
    let timing = lines
        .iter()
        .find_map(|line| line.strip_prefix("statsd_raw_lookup_duration:"))
        .unwrap_or_else(|| panic!("no timing in {lines:?}"));
    let (millis, rest) = timing.split_once('|').unwrap();
    assert!(millis.parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{timing}");
    assert_eq!(rest, "ms|@0.01|#table:users,result:ok,service:checkout");
    assert!(
        lines.contains(&"jobs_total:3|c|#queue:mail,service:checkout".to_owned()),
        "{lines:?}"
    );
}
