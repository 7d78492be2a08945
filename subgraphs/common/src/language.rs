//! Content language: Vietnamese first, English second.

/// The language a client asks titles and messages in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
pub enum Language {
    #[default]
    Vi,
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
}
