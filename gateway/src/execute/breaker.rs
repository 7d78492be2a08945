//! A circuit breaker per subgraph: after a run of failed calls (no answer
//! in time, unreachable, a 5xx) a subgraph is not called for a cool-down,
//! and requests that need it fail at once instead of each waiting out the
//! timeout; then one probe call is let through, and its outcome closes the
//! circuit again or opens it for another cool-down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When a circuit opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit; 0 turns breaking off.
    pub failures: u32,
    /// How long an open circuit refuses calls before a probe.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failures: 5,
            cool_down: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One probe is in flight since then; a probe whose caller left is
    /// given up after a cool-down, and another is let through.
    Probing {
        since: Instant,
    },
}

/// The circuits of every subgraph, by name.
#[derive(Debug, Default)]
pub struct Breakers {
    settings: BreakerSettings,
    states: Mutex<HashMap<String, State>>,
}

impl Breakers {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            states: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `name` may be called now: false while its circuit is open,
    /// or while the one probe after a cool-down is in flight.
    pub fn admit(&self, name: &str) -> bool {
        if self.settings.failures == 0 {
            return true;
        }
        let now = Instant::now();
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let state = states
            .entry(name.to_string())
            .or_insert(State::Closed { failures: 0 });
        let refused = match *state {
            State::Closed { .. } => return true,
            State::Open { until } => now < until,
            State::Probing { since } => now < since + self.settings.cool_down,
        };
        if !refused {
            *state = State::Probing { since: now };
        }
        !refused
    }

    /// Records how a call to `name` ended.
    pub fn record(&self, name: &str, succeeded: bool) {
        if self.settings.failures == 0 {
            return;
        }
        let now = Instant::now();
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let state = states
            .entry(name.to_string())
            .or_insert(State::Closed { failures: 0 });
        *state = match (*state, succeeded) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.settings.failures => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            (State::Closed { .. } | State::Probing { .. }, false) => {
                tracing::warn!(
                    subgraph = name,
                    cool_down_ms = self.settings.cool_down.as_millis() as u64,
                    "subgraph circuit opened"
                );
                State::Open {
                    until: now + self.settings.cool_down,
                }
            }
            // A call admitted before the circuit opened: the cool-down stands.
            (open @ State::Open { .. }, false) => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_a_run_of_failures_and_probes_after_the_cool_down() {
        let breakers = Breakers::new(BreakerSettings {
            failures: 3,
            cool_down: Duration::ZERO,
        });
        for _ in 0..2 {
            assert!(breakers.admit("geo"));
            breakers.record("geo", false);
        }
        // A success in between starts the count again.
        breakers.record("geo", true);
        for _ in 0..3 {
            assert!(breakers.admit("geo"));
            breakers.record("geo", false);
        }
        // Open, cool-down zero: a probe goes through; its failure opens the
        // circuit again, its success closes it.
        assert!(breakers.admit("geo"));
        breakers.record("geo", false);
        assert!(breakers.admit("geo"));
        breakers.record("geo", true);
        assert!(breakers.admit("geo") && breakers.admit("geo"));
        // Other subgraphs are not affected.
        assert!(breakers.admit("feedback"));
    }

    #[test]
    fn an_open_circuit_refuses_until_its_cool_down_ends() {
        let breakers = Breakers::new(BreakerSettings {
            failures: 1,
            cool_down: Duration::from_secs(3600),
        });
        assert!(breakers.admit("geo"));
        breakers.record("geo", false);
        assert!(!breakers.admit("geo"));
        assert!(breakers.admit("feedback"));
    }
}
