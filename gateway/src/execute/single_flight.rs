//! Work that identical requests in flight at the same moment share: the
//! first one with a key runs it, the others wait for its result. Used for
//! subgraph queries (`subgraph`) and for whole query operations
//! (`pipeline`).
//!
//! The table holds weak handles: when every waiter has gone (clients
//! disconnected), the work is dropped and its entry removed, so nothing
//! runs on for nobody and no entry is left behind.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use futures::future::{BoxFuture, FutureExt, WeakShared};

/// A key: a SHA-256 of everything the result depends on.
pub type Key = [u8; 32];

type Table<T> = Mutex<HashMap<Key, (u64, WeakShared<BoxFuture<'static, T>>)>>;

pub struct SingleFlight<T: Clone> {
    table: Arc<Table<T>>,
    next_id: AtomicU64,
}

impl<T: Clone> Default for SingleFlight<T> {
    fn default() -> Self {
        Self {
            table: Arc::new(Mutex::new(HashMap::new())),
            next_id: AtomicU64::new(0),
        }
    }
}

/// Removes its entry when the work finishes or is dropped, unless another
/// run has taken the key since.
struct Leave<T: Clone> {
    table: Weak<Table<T>>,
    key: Key,
    id: u64,
}

impl<T: Clone> Drop for Leave<T> {
    fn drop(&mut self) {
        if let Some(table) = self.table.upgrade() {
            let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
            if table.get(&self.key).is_some_and(|(id, _)| *id == self.id) {
                table.remove(&self.key);
            }
        }
    }
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    /// The result of `work`, or of the identical work already in flight
    /// under `key`; true when it was shared (this caller's `work` did not
    /// run).
    pub async fn run<F>(&self, key: Key, work: F) -> (T, bool)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let (shared, joined) = {
            let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
            match table.get(&key).and_then(|(_, weak)| weak.upgrade()) {
                Some(shared) => (shared, true),
                None => {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let leave = Leave {
                        table: Arc::downgrade(&self.table),
                        key,
                        id,
                    };
                    let shared = async move {
                        let result = work.await;
                        drop(leave);
                        result
                    }
                    .boxed()
                    .shared();
                    if let Some(weak) = shared.downgrade() {
                        table.insert(key, (id, weak));
                    }
                    (shared, false)
                }
            }
        };
        (shared.await, joined)
    }
}
