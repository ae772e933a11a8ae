//! `serve`'s log on stderr: `RUST_LOG` filters (`info` by default), below `info` only
//! strm-tui's own targets speak (`strm_model::logs`: libraries log websocket frames —
//! decrypted events — and headers there), and one known warning that says nothing a user
//! can act on is left out — every other warning stays.

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// apache-avro warns, each time it parses the 2021 `clickstream` schema, that its
/// `"logicalType": "date"` on a `long` is unknown. The schema is the published one and the
/// field is read as the long it is, so the warning is noise at every start.
pub const KNOWN_NOISE: &str = "Ignoring unknown logical type 'date'";

/// Drops log lines whose message starts with `KNOWN_NOISE`.
struct QuietKnownNoise;

struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for QuietKnownNoise {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let mut message = Message(String::new());
        event.record(&mut message);
        !message.0.starts_with(KNOWN_NOISE)
    }
}

/// Installs the stderr log of `strm-tui serve` (once; later calls do nothing).
pub fn to_stderr() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::registry()
        .with(QuietKnownNoise)
        .with(filter)
        .with(filter_fn(|meta| {
            *meta.level() <= tracing::Level::INFO
                || strm_model::logs::verbose_allowed(meta.target())
        }))
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
}
