//! Requests per minute by key (a partner's API key, an anonymous client's
//! address): one `governor` limiter per key, in a cache bounded in keys
//! where idle keys go. Each gateway replica counts for itself.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

pub struct KeyedLimiter<K> {
    limiters: moka::sync::Cache<K, Arc<DefaultDirectRateLimiter>>,
}

impl<K: Hash + Eq + Send + Sync + 'static> KeyedLimiter<K> {
    /// At most `max_keys` keys are tracked; one idle for `idle` is dropped.
    pub fn new(max_keys: u64, idle: Duration) -> Self {
        Self {
            limiters: moka::sync::Cache::builder()
                .max_capacity(max_keys)
                .time_to_idle(idle)
                .build(),
        }
    }

    /// Counts one request of `key`; Err with how long until the next one
    /// is allowed when it has used its `per_minute`.
    pub fn check(&self, key: K, per_minute: NonZeroU32) -> Result<(), Duration> {
        let limiter = self.limiters.get_with(key, || {
            Arc::new(RateLimiter::direct(Quota::per_minute(per_minute)))
        });
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_allowance() {
        let limiter = KeyedLimiter::new(10, Duration::from_secs(60));
        let two = NonZeroU32::new(2).unwrap();
        assert!(limiter.check("a", two).is_ok());
        assert!(limiter.check("a", two).is_ok());
        assert!(limiter.check("a", two).is_err());
        assert!(limiter.check("b", two).is_ok());
    }
}
