//! Logs, set up the same way by both binaries: `PARVIS_LOG` filters them
//! (default `warn,parvis_api=info`). Every request is logged once, by
//! [`crate::http`], with its route template (never the path itself, which
//! may carry a personal token), status and latency.

use tracing_subscriber::EnvFilter;

/// Where the logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A terminal or a service manager: timestamps and colours.
    Server,
    /// CloudWatch: it timestamps lines itself and shows no colours.
    Lambda,
}

/// The default filter.
pub const DEFAULT_FILTER: &str = "warn,parvis_api=info";

/// Installs the global subscriber.
pub fn init(output: Output) {
    let filter =
        EnvFilter::try_from_env("PARVIS_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match output {
        Output::Server => builder.init(),
        Output::Lambda => builder.with_ansi(false).without_time().init(),
    }
}
