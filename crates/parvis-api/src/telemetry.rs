//! Logs, set up the same way by both binaries: `PARVIS_LOG` filters them
//! (default `warn,parvis_api=info`). Every request is logged once, by
//! [`crate::http`], with its route template (never the path itself, which
//! may carry a personal token), status and latency.
//!
//! The filter is a list of `target=level` directives, a bare level for
//! everything else (`tracing_subscriber`'s `Targets`). It needs no regular
//! expressions, so neither binary carries a regex engine for its logs.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

/// The filter `PARVIS_LOG` asks for, or the default when it is unset or
/// empty, with the reason a value that does not parse was refused.
fn filter(value: Option<&str>) -> (Targets, Option<String>) {
    let default = || DEFAULT_FILTER.parse().expect("the default filter parses");
    match value.map(str::trim).filter(|value| !value.is_empty()) {
        None => (default(), None),
        Some(value) => match value.parse() {
            Ok(targets) => (targets, None),
            Err(error) => (default(), Some(format!("{value:?}: {error}"))),
        },
    }
}

/// Installs the global subscriber. A `PARVIS_LOG` that does not parse is
/// not fatal: the default applies, and the first line logged says so.
pub fn init(output: Output) {
    let (targets, refused) = filter(std::env::var("PARVIS_LOG").ok().as_deref());
    let layer = tracing_subscriber::fmt::layer();
    let registry = tracing_subscriber::registry().with(targets);
    match output {
        Output::Server => registry.with(layer).init(),
        Output::Lambda => registry.with(layer.with_ansi(false).without_time()).init(),
    }
    if let Some(reason) = refused {
        tracing::warn!("PARVIS_LOG ignored, the default {DEFAULT_FILTER:?} applies: {reason}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_default_logs_requests_and_warnings_only() {
        for value in [None, Some(""), Some("  ")] {
            let (targets, refused) = filter(value);
            assert_eq!(refused, None);
            assert!(targets.would_enable("parvis_api::request", &Level::INFO));
            assert!(!targets.would_enable("parvis_api::request", &Level::DEBUG));
            assert!(targets.would_enable("sqlx::query", &Level::WARN));
            assert!(!targets.would_enable("sqlx::query", &Level::INFO));
        }
    }

    #[test]
    fn the_documented_directives_apply() {
        let (targets, refused) = filter(Some("warn,parvis_api=info,parvis_api::request=off"));
        assert_eq!(refused, None);
        assert!(!targets.would_enable("parvis_api::request", &Level::ERROR));
        assert!(targets.would_enable("parvis_api::mail", &Level::INFO));
        assert!(targets.would_enable("hyper", &Level::WARN));
        assert!(!targets.would_enable("hyper", &Level::INFO));
        let (targets, _) = filter(Some("debug"));
        assert!(targets.would_enable("sqlx::query", &Level::DEBUG));
    }

    #[test]
    fn a_value_that_does_not_parse_falls_back_to_the_default_and_says_why() {
        let (targets, reason) = filter(Some("parvis_api=loud"));
        let reason = reason.expect("the value is refused");
        assert!(reason.contains("parvis_api=loud"), "{reason}");
        assert!(targets.would_enable("parvis_api::request", &Level::INFO));
        assert!(!targets.would_enable("sqlx::query", &Level::INFO));
    }
}
