//! `build_info{crate, version, revision} 1`: which build is running.

use prometheus::{IntGaugeVec, Opts};

use crate::Error;

/// Registers `build_info` in [`crate::registry()`] for the crate that calls
/// it: its name and version from Cargo, and its revision from the first
/// of the build-time variables `METRICS_BUILD_REVISION`, `GIT_COMMIT` and
/// `GITHUB_SHA` that is set (empty otherwise). Registering it twice is an
/// [`Error`].
///
/// ```
/// metrics_runtime::build_info!().unwrap();
/// let version = format!(r#"version="{}""#, env!("CARGO_PKG_VERSION"));
/// assert!(metrics_runtime::gather_text().lines().any(|line| {
///     line.starts_with("build_info{") && line.contains(&version) && line.ends_with(" 1")
/// }));
/// assert!(metrics_runtime::build_info!().is_err(), "only once");
/// ```
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::__private::register_build_info(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
            [
                ::core::option_env!("METRICS_BUILD_REVISION"),
                ::core::option_env!("GIT_COMMIT"),
                ::core::option_env!("GITHUB_SHA"),
            ],
        )
    };
}

/// What [`build_info!`] expands to.
#[doc(hidden)]
pub fn register_build_info(
    name: &str,
    version: &str,
    revisions: [Option<&str>; 3],
) -> Result<(), Error> {
    let revision = revisions.into_iter().flatten().next().unwrap_or("");
    let gauge = IntGaugeVec::new(
        Opts::new(
            "build_info",
            "The running build: crate, version and revision; always 1.",
        ),
        &["crate", "version", "revision"],
    )?;
    gauge.with_label_values(&[name, version, revision]).set(1);
    crate::registry().register(Box::new(gauge))?;
    Ok(())
}
