//! Logs through `tracing`, as text or JSON.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(level: &str, format: LogFormat) {
    // Database drivers log every statement at info; keep them quiet unless asked.
    let filter = EnvFilter::try_new(format!("sqlx=warn,sea_orm=warn,{level}"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // Already initialised (tests start the system several times): keep the first.
    let _ = result;
}
