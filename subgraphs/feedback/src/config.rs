//! Settings of the feedback subgraph, given by whoever starts it (the
//! `congdan` binary reads them with the rest of its configuration).

use std::path::PathBuf;
use std::time::Duration;

/// The `congdan` binary's settings and defaults:
///
/// | variable | default | what |
/// | --- | --- | --- |
/// | `FEEDBACK_AUTO_CLOSE_DAYS` | `7` | a resolved or rejected report closes this many days later unless rated |
/// | `FEEDBACK_PHOTOS_DIR` | `data/feedback-photos` | where the file object store keeps photos |
/// | `FEEDBACK_PHOTO_MAX_BYTES` | `5242880` | largest photo (5 MiB) |
/// | `FEEDBACK_PHOTO_URL_PREFIX` | `/feedback/photos` | path (or absolute URL) photo links start with |
/// | `FEEDBACK_DISPATCH_AGENCY` | `hotline-1022` | officers of this agency dispatch received reports |
/// | `FEEDBACK_MAINTENANCE_SECS` | `3600` | how often the maintenance job closes expired reports |
#[derive(Debug, Clone)]
pub struct FeedbackConfig {
    pub auto_close_after_days: i64,
    pub photos_dir: PathBuf,
    pub photo_max_bytes: usize,
    pub photo_url_prefix: String,
    /// How long a photo link works.
    pub photo_url_ttl: Duration,
    pub dispatch_agency: String,
    pub maintenance_interval: Duration,
}

/// Most photos in one submission or one workflow step.
pub const MAX_PHOTOS: usize = 5;

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            auto_close_after_days: 7,
            photos_dir: PathBuf::from("data/feedback-photos"),
            photo_max_bytes: 5 * 1024 * 1024,
            photo_url_prefix: "/feedback/photos".into(),
            photo_url_ttl: Duration::from_secs(15 * 60),
            dispatch_agency: "hotline-1022".into(),
            maintenance_interval: Duration::from_secs(3600),
        }
    }
}

impl FeedbackConfig {
    /// The largest request body the subgraph accepts: every photo of one
    /// request at the largest size, and room for the rest.
    pub fn body_limit(&self) -> usize {
        self.photo_max_bytes * MAX_PHOTOS + 1024 * 1024
    }
}
