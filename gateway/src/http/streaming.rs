//! What every streaming transport (WebSocket, SSE) shares: the end of a
//! subscription when the caller's credential expires, and a bounded queue
//! per client so a slow reader costs bounded memory and is disconnected
//! when it overflows.

use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use tokio::sync::mpsc;

use crate::execute::response::{GraphQLError, GraphQLResponse};

/// Responses queued for one client before it counts as too slow.
pub const CLIENT_QUEUE: usize = 256;
/// How often an idle connection is pinged.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// What a streaming transport sends for one operation.
pub enum Outgoing {
    Next(GraphQLResponse),
    /// The client did not keep up; its queue overflowed and it is cut off.
    Overflowed,
}

/// The error a subscription ends with when the access token expires.
pub fn expired() -> GraphQLResponse {
    GraphQLResponse::request_error(GraphQLError::new(
        "the access token has expired; the subscription has ended. Refresh the token and subscribe again",
        "TOKEN_EXPIRED",
    ))
}

/// Ends `stream` with [`expired`] at `expires_at` (Unix seconds).
pub fn until_expiry(
    stream: BoxStream<'static, GraphQLResponse>,
    expires_at: Option<i64>,
) -> BoxStream<'static, GraphQLResponse> {
    let Some(expires_at) = expires_at else {
        return stream;
    };
    let left = (expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
    let deadline = Box::pin(tokio::time::sleep(Duration::from_secs(left)));
    futures::stream::unfold(
        (stream, deadline, false),
        |(mut stream, mut deadline, ended)| async move {
            if ended {
                return None;
            }
            tokio::select! {
                item = stream.next() => item.map(|response| (response, (stream, deadline, false))),
                _ = &mut deadline => Some((expired(), (stream, deadline, true))),
            }
        },
    )
    .boxed()
}

/// Reads `stream` into a queue of `capacity`; when the reader falls that
/// far behind, the queue is dropped and the reader gets
/// [`Outgoing::Overflowed`] after what was queued.
pub fn bounded(
    mut stream: BoxStream<'static, GraphQLResponse>,
    capacity: usize,
) -> BoxStream<'static, Outgoing> {
    let (tx, rx) = mpsc::channel(capacity);
    let (overflow_tx, overflow_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tx.closed() => break,
                item = stream.next() => {
                    let Some(item) = item else { break };
                    match tx.try_send(item) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            let _ = overflow_tx.send(());
                            break;
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => break,
                    }
                }
            }
        }
    });
    let overflowed = futures::stream::once(overflow_rx)
        .filter_map(|r| futures::future::ready(r.ok().map(|()| Outgoing::Overflowed)));
    tokio_stream::wrappers::ReceiverStream::new(rx)
        .map(Outgoing::Next)
        .chain(overflowed)
        .boxed()
}
