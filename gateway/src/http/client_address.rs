//! The client's address, for the limits on anonymous callers: the TCP
//! peer, or behind a proxy that appends it, the last `X-Forwarded-For`
//! entry. It travels to the handlers in a header of the gateway's own,
//! which is always overwritten, so a client cannot choose its address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

const HEADER: &str = "x-congdan-client-address";

/// Writes the client's address into the request, over anything a client
/// sent under that name.
pub async fn stamp(trust_forwarded_for: bool, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded = trust_forwarded_for
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
                .next_back()
        })
        .flatten();
    let headers = request.headers_mut();
    headers.remove(HEADER);
    if let Some(address) = forwarded.or(peer) {
        if let Ok(value) = HeaderValue::from_str(&address.to_string()) {
            headers.insert(HEADER, value);
        }
    }
    next.run(request).await
}

/// The address [`stamp`] wrote.
pub fn of(headers: &HeaderMap) -> Option<IpAddr> {
    headers.get(HEADER)?.to_str().ok()?.parse().ok()
}
