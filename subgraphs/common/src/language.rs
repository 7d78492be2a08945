//! Content language: Vietnamese first, English second. The gateway picks
//! one language per request (the signed-in citizen's profile, else the
//! client's `Accept-Language`) and forwards it to subgraphs as
//! `Accept-Language`; a subgraph puts it into the request's data, where
//! [`current`] finds it.

use std::borrow::Cow;

use async_graphql::Context;
use serde::{Deserialize, Serialize};

/// The language a client asks titles and messages in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, async_graphql::Enum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    // Aliases: GraphQL prints enum values in capitals.
    #[default]
    #[serde(alias = "VI")]
    Vi,
    #[serde(alias = "EN")]
    En,
}

impl Language {
    /// Picks the text in this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Vi => vi,
            Language::En => en,
        }
    }

    /// The language tag (`vi`, `en`), as sent in `Accept-Language`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::En => "en",
        }
    }

    /// The language of a tag by its primary subtag (`en-US` is English);
    /// None for languages we do not speak.
    pub fn of_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next()?.trim();
        [Language::Vi, Language::En]
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// The language an `Accept-Language` value prefers (RFC 9110
    /// §12.5.4): the spoken language of highest weight, the first of equal
    /// weights; Vietnamese when the header is absent or names neither.
    pub fn from_accept_language(value: Option<&str>) -> Language {
        let mut best: Option<(u16, Language)> = None;
        for range in value.unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let Some(language) = parts.next().and_then(Language::of_tag) else {
                continue;
            };
            let weight = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1000), |(_, q)| q_value(q.trim()));
            match weight {
                Some(w) if w > 0 && best.is_none_or(|(b, _)| w > b) => best = Some((w, language)),
                _ => {}
            }
        }
        best.map(|(_, language)| language).unwrap_or_default()
    }

    /// The language of a request's `Accept-Language` header.
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Language {
        Language::from_accept_language(
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }
}

/// An HTTP q-value (RFC 9110 §12.4.2) in thousandths (`0.8` is 800,
/// `1.000` is 1000); None when malformed. `Accept` and `Accept-Language`
/// share it.
pub fn q_value(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The language of the request a resolver serves (Vietnamese when none
/// was given).
pub fn current(ctx: &Context<'_>) -> Language {
    ctx.data_opt::<Language>().copied().unwrap_or_default()
}

/// A message in both languages; the one a caller reads is picked where the
/// message leaves the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    vi: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Text {
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, language: Language) -> &str {
        language.pick(&self.vi, &self.en)
    }
}

/// English, for logs.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_weight() {
        let cases = [
            (None, Language::Vi),
            (Some(""), Language::Vi),
            (Some("en"), Language::En),
            (Some("en-US,en;q=0.9"), Language::En),
            (Some("fr-FR, en;q=0.5, vi;q=0.8"), Language::Vi),
            (Some("vi;q=0.2, EN-gb;q=0.7"), Language::En),
            (Some("en;q=0, vi;q=0.1"), Language::Vi),
            (Some("en;q=0"), Language::Vi),
            (Some("de, fr;q=0.9"), Language::Vi),
            (Some("*, en;q=0.5"), Language::En),
            (Some("en;q=1.5"), Language::Vi),
            (Some("en;q=abc, vi"), Language::Vi),
            (Some("vi, en"), Language::Vi),
            (Some("en, vi"), Language::En),
            (Some("en;q=0.95, vi;q=0.951"), Language::Vi),
        ];
        for (header, expected) in cases {
            assert_eq!(
                Language::from_accept_language(header),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn serde_takes_graphql_and_tag_spellings() {
        for (json, language) in [("\"EN\"", Language::En), ("\"vi\"", Language::Vi)] {
            assert_eq!(serde_json::from_str::<Language>(json).unwrap(), language);
        }
        assert_eq!(serde_json::to_string(&Language::En).unwrap(), "\"en\"");
    }
}
