//! Plain HTTP routes a subgraph serves beside GraphQL, reached through the
//! gateway's address: the configured table of path prefixes and their
//! subgraphs ([`PassthroughRoute`]; the `congdan` binary's default routes
//! feedback's signed photo links and its Open311 facade). The request goes
//! to the owning subgraph's base URL with the same path and query; nothing
//! of the caller's credentials is forwarded (photo links are signed,
//! Open311 carries its `api_key`).
//!
//! Only a path that stays under its prefix is forwarded: a dot segment in
//! any spelling (`..`, `%2e%2E`), an encoded slash or backslash, an empty
//! segment or a control character answers 404 here, before any URL
//! library could resolve it into another route of the subgraph.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;

use super::Gateway;
use crate::config::PassthroughRoute;

pub fn router(gateway: Gateway) -> Router {
    gateway
        .passthrough
        .iter()
        .fold(Router::new(), |router, route| {
            router.route(&format!("{}{{*rest}}", route.prefix), any(forward))
        })
        .with_state(gateway)
}

async fn forward(State(gateway): State<Gateway>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    // The longest prefix the path is under.
    let Some(PassthroughRoute { prefix, subgraph }) = gateway
        .passthrough
        .iter()
        .filter(|route| path.starts_with(&route.prefix))
        .max_by_key(|route| route.prefix.len())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !stays_under_prefix(&path[prefix.len()..]) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(url) = gateway
        .pipeline()
        .current()
        .supergraph
        .endpoints
        .get(subgraph)
        .cloned()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let base = url.trim_end_matches("/graphql").trim_end_matches('/');
    let target = match request.uri().query() {
        Some(query) => format!("{base}{path}?{query}"),
        None => format!("{base}{path}"),
    };
    // The URL as it will be sent must still be under the prefix.
    match reqwest::Url::parse(&target) {
        Ok(url) if url.path().starts_with(prefix) => {}
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    let method = request.method().clone();
    let mut outgoing = gateway.http().request(method, target);
    for name in [header::CONTENT_TYPE, header::ACCEPT, header::IF_NONE_MATCH] {
        if let Some(value) = request.headers().get(&name) {
            outgoing = outgoing.header(name, value);
        }
    }
    if let Some(id) = request.headers().get("x-request-id") {
        outgoing = outgoing.header("x-request-id", id);
    }
    let body = match axum::body::to_bytes(request.into_body(), gateway.max_body_bytes()).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    match outgoing.body(body).send().await {
        Ok(upstream) => {
            let status = upstream.status();
            // Forwarded answers are typed by their subgraph; never sniffed.
            let mut response = Response::builder()
                .status(status.as_u16())
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
            for name in [
                header::CONTENT_TYPE,
                header::CACHE_CONTROL,
                header::ETAG,
                header::CONTENT_DISPOSITION,
            ] {
                if let Some(value) = upstream.headers().get(name.as_str()) {
                    response = response.header(name, value.as_bytes());
                }
            }
            match upstream.bytes().await {
                Ok(bytes) => response
                    .body(Body::from(bytes))
                    .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
                // The subgraph broke off its answer: not an empty success.
                Err(error) => {
                    tracing::warn!(subgraph, %error, "pass-through answer cut short");
                    unavailable(subgraph)
                }
            }
        }
        Err(error) => {
            tracing::warn!(subgraph, %error, "pass-through request failed");
            unavailable(subgraph)
        }
    }
}

/// Whether the path after a route's prefix names something under it: every
/// segment non-empty and, percent-decoded, neither `.` nor `..` and free of
/// slashes, backslashes, percent signs and control characters.
fn stays_under_prefix(rest: &str) -> bool {
    rest.split('/').all(|segment| {
        let Some(decoded) = percent_decode(segment) else {
            return false;
        };
        !decoded.is_empty()
            && decoded != b"."
            && decoded != b".."
            && !decoded
                .iter()
                .any(|b| matches!(b, b'/' | b'\\' | b'%') || b.is_ascii_control())
    })
}

/// `%XX` escapes decoded; None for a malformed escape.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn unavailable(subgraph: &str) -> Response {
    (
        StatusCode::BAD_GATEWAY,
        format!("the {subgraph} service is unavailable"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::stays_under_prefix;
    use crate::config::PassthroughRoute;

    #[test]
    fn a_route_is_a_plain_prefix_and_a_subgraph() {
        let route: PassthroughRoute = "/open311/v2/=feedback".parse().unwrap();
        assert_eq!(route.prefix, "/open311/v2/");
        assert_eq!(route.subgraph, "feedback");
        for bad in [
            "/open311/v2/",
            "open311/=feedback",
            "/open311=feedback",
            "/=feedback",
            "/a/../b/=feedback",
            "/a//b/=feedback",
            "/a/%2e/=feedback",
            "/a/{x}/=feedback",
            "/a/=",
        ] {
            assert!(bad.parse::<PassthroughRoute>().is_err(), "{bad}");
        }
    }

    #[test]
    fn dot_segments_in_any_spelling_are_refused() {
        for ok in ["services.json", "requests/abc.json", "abc-123"] {
            assert!(stays_under_prefix(ok), "{ok}");
        }
        for bad in [
            "..",
            "../graphql",
            "%2e%2e/graphql",
            "%2E%2e/%2e%2e/graphql",
            ".%2e/x",
            "./x",
            "a//b",
            "",
            "a%2fb",
            "a%5Cb",
            "a%00b",
            "a%zz",
            "%252e%252e",
            "a/..",
        ] {
            assert!(!stays_under_prefix(bad), "{bad}");
        }
    }
}
