use std::str::FromStr;

/// What kind of item an article is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ArticleCategory {
    News,
    Festival,
    Event,
}

impl ArticleCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Festival => "festival",
            Self::Event => "event",
        }
    }
}

impl FromStr for ArticleCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "news" => Ok(Self::News),
            "festival" => Ok(Self::Festival),
            "event" => Ok(Self::Event),
            other => Err(format!("unknown article category `{other}`")),
        }
    }
}
