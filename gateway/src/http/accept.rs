//! Content negotiation on `Accept` (RFC 9110 §12.5.1): each media type the
//! gateway can answer with gets the quality of the most specific range that
//! matches it; the highest quality wins, and between equal qualities the
//! range the client listed first. `q=0` means "not acceptable".
//!
//! Clients list every type they can read (urql sends
//! `application/graphql-response+json, application/graphql+json,
//! application/json, text/event-stream, multipart/mixed`), so a stream is
//! only chosen for a query or mutation when the client prefers it.

use axum::http::{header, HeaderMap};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";
/// Media ranges read from `Accept`; the rest are ignored (headers are
/// bounded by the server, this bounds the work per request).
const MAX_RANGES: usize = 64;

/// The JSON flavour of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphQLResponse,
    /// `application/json`, the legacy type: documents that parse get 200.
    Json,
}

/// Whether a stream (`text/event-stream`) is what the client wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Ranked above every JSON type: every operation is answered as a stream.
    Preferred,
    /// Accepted but ranked below JSON: only a subscription is streamed.
    Acceptable,
    /// Not accepted (absent, or `q=0`).
    Refused,
}

/// What one request's `Accept` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub json: JsonType,
    pub stream: Stream,
}

impl Negotiated {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let ranges: Vec<Range<'_>> = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .take(MAX_RANGES)
            .filter_map(Range::parse)
            .collect();
        // No Accept at all: the GraphQL-over-HTTP legacy default.
        if ranges.is_empty() {
            return Self {
                json: JsonType::Json,
                stream: Stream::Refused,
            };
        }
        let gql = Rank::of(&ranges, GRAPHQL_RESPONSE_JSON);
        let json = Rank::of(&ranges, JSON);
        let stream = Rank::of(&ranges, EVENT_STREAM);
        // `application/json` wins ties (`*/*`): every client reads it.
        let (json_type, best_json) = match (gql, json) {
            (Some(g), Some(j)) if g.beats(&j) => (JsonType::GraphQLResponse, Some(g)),
            (Some(g), None) => (JsonType::GraphQLResponse, Some(g)),
            (_, j) => (JsonType::Json, j),
        };
        let stream = match (stream, best_json) {
            (None, _) => Stream::Refused,
            (Some(_), None) => Stream::Preferred,
            (Some(s), Some(j)) if s.beats(&j) => Stream::Preferred,
            (Some(_), Some(_)) => Stream::Acceptable,
        };
        Self {
            json: json_type,
            stream,
        }
    }

    pub fn graphql_response_json(&self) -> bool {
        self.json == JsonType::GraphQLResponse
    }
}

/// One media range of `Accept`: `type/subtype;params;q=…`.
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    /// Thousandths, 0 to 1000.
    quality: u16,
}

impl<'a> Range<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.split(';');
        let (kind, subtype) = parts.next()?.trim().split_once('/')?;
        let mut quality = 1000;
        for param in parts {
            if let Some((name, value)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = congdan_common::language::q_value(value.trim())?;
                }
            }
        }
        Some(Self {
            kind: kind.trim(),
            subtype: subtype.trim(),
            quality,
        })
    }

    /// 2 for an exact match, 1 for `type/*`, 0 for `*/*`; None when it
    /// does not match `media_type`.
    fn specificity(&self, media_type: &str) -> Option<u8> {
        let (kind, subtype) = media_type.split_once('/')?;
        match (self.kind, self.subtype) {
            ("*", "*") => Some(0),
            (k, "*") if k.eq_ignore_ascii_case(kind) => Some(1),
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(subtype) => Some(2),
            _ => None,
        }
    }
}

/// How a client ranks one media type.
#[derive(Debug, Clone, Copy)]
struct Rank {
    quality: u16,
    position: usize,
}

impl Rank {
    /// The rank the most specific matching range gives `media_type`; None
    /// when no range matches or that range says `q=0`.
    fn of(ranges: &[Range<'_>], media_type: &str) -> Option<Self> {
        ranges
            .iter()
            .enumerate()
            .filter_map(|(position, range)| Some((range.specificity(media_type)?, position, range)))
            // The most specific range decides; the first one among equals.
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .filter(|(_, _, range)| range.quality > 0)
            .map(|(_, position, range)| Self {
                quality: range.quality,
                position,
            })
    }

    /// Higher quality, or the same quality listed earlier.
    fn beats(&self, other: &Self) -> bool {
        self.quality > other.quality
            || (self.quality == other.quality && self.position < other.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn negotiate(accept: &[&str]) -> Negotiated {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        Negotiated::from_headers(&headers)
    }

    #[test]
    fn urqls_default_header_gets_json() {
        let n = negotiate(&["application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"]);
        assert_eq!(n.json, JsonType::GraphQLResponse);
        assert_eq!(n.stream, Stream::Acceptable);
    }

    #[test]
    fn a_stream_is_chosen_only_when_preferred() {
        assert_eq!(negotiate(&["text/event-stream"]).stream, Stream::Preferred);
        assert_eq!(
            negotiate(&["text/event-stream, application/json"]).stream,
            Stream::Preferred
        );
        assert_eq!(
            negotiate(&["application/json;q=0.5, text/event-stream;q=0.9"]).stream,
            Stream::Preferred
        );
        assert_eq!(
            negotiate(&["text/event-stream;q=0.4, application/json"]).stream,
            Stream::Acceptable
        );
        assert_eq!(
            negotiate(&["application/json", "text/event-stream"]).stream,
            Stream::Acceptable
        );
    }

    #[test]
    fn q_zero_refuses() {
        assert_eq!(
            negotiate(&["application/json, text/event-stream;q=0"]).stream,
            Stream::Refused
        );
        assert_eq!(
            negotiate(&["text/event-stream;q=0"]).stream,
            Stream::Refused
        );
        // The most specific range decides: `*/*` does not undo `q=0`.
        assert_eq!(
            negotiate(&["*/*, text/event-stream;q=0"]).stream,
            Stream::Refused
        );
        let n = negotiate(&["application/graphql-response+json;q=0, application/json"]);
        assert_eq!(n.json, JsonType::Json);
    }

    #[test]
    fn wildcards_and_absence_get_plain_json() {
        for accept in [&[][..], &["*/*"], &["application/*"]] {
            let n = negotiate(accept);
            assert_eq!(n.json, JsonType::Json, "{accept:?}");
            assert_ne!(n.stream, Stream::Preferred, "{accept:?}");
        }
        assert_eq!(negotiate(&["text/*"]).stream, Stream::Preferred);
    }

    #[test]
    fn the_json_flavour_follows_preference() {
        assert_eq!(
            negotiate(&["application/json, application/graphql-response+json"]).json,
            JsonType::Json
        );
        assert_eq!(
            negotiate(&["application/json;q=0.9, application/graphql-response+json"]).json,
            JsonType::GraphQLResponse
        );
        assert_eq!(
            negotiate(&["application/graphql-response+json;charset=utf-8"]).json,
            JsonType::GraphQLResponse
        );
    }

    #[test]
    fn malformed_ranges_are_ignored() {
        let n = negotiate(&["garbage, text/event-stream;q=2, text/event-stream;q=abc, ;;,"]);
        assert_eq!(n.stream, Stream::Refused);
        assert_eq!(n.json, JsonType::Json);
        let many = vec!["application/json"; 200].join(",") + ", text/event-stream";
        assert_eq!(negotiate(&[&many]).stream, Stream::Refused);
    }
}
