//! The tracing subscriber: installed once, by the binary, and nowhere else.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Logs go to standard error so that standard output stays free for the lines `strongroom dev` prints for
/// `eval`. The filter comes from `RUST_LOG`, defaulting to `info`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
