//! A count of what this process's event machinery has done: events the
//! relay published, subscriptions made (consumers' and GraphQL
//! subscriptions'), events handled (or given up on).
//! Whoever waits for the effect of an event — a test, a readiness check —
//! re-checks when the count moves, instead of polling on a timer.

use std::sync::LazyLock;

use tokio::sync::watch;

static PROGRESS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Counts one step (the bus's consumers here, the outbox relay elsewhere).
pub fn step() {
    PROGRESS.send_modify(|count| *count = count.wrapping_add(1));
}

/// Follows the count: `changed()` resolves at the next step.
pub fn watch() -> watch::Receiver<u64> {
    PROGRESS.subscribe()
}
