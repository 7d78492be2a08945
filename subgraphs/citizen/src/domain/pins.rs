//! What a citizen can pin: items of other subgraphs, each by its owner's
//! key. The key's format is checked here; see ADR 5 for why existence is
//! not asked of the owner.

use congdan_common::language::Text;

/// Most pins one citizen keeps.
pub const MAX_PINS: usize = 100;

/// The entity types a pin can point at, each owned by another subgraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum PinnedItemType {
    /// A feedback report (feedback): its UUID.
    Report,
    /// A ward, commune or special zone (geo): its five-digit code.
    AdministrativeUnit,
    /// An agency (directories): its slug, e.g. `ubnd-ben-thanh`.
    Agency,
    /// An administrative procedure (dossiers): its national code, e.g.
    /// `1.000494.000.00.00.H29`.
    Procedure,
    /// A news article (content): its UUID.
    Article,
}

impl PinnedItemType {
    pub const ALL: [Self; 5] = [
        Self::Report,
        Self::AdministrativeUnit,
        Self::Agency,
        Self::Procedure,
        Self::Article,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::AdministrativeUnit => "administrative_unit",
            Self::Agency => "agency",
            Self::Procedure => "procedure",
            Self::Article => "article",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The key in its canonical form, or why it cannot be one of this
    /// type's keys.
    pub fn check_key(self, key: &str) -> Result<String, Text> {
        let key = key.trim();
        let canonical = match self {
            Self::Report | Self::Article => uuid::Uuid::try_parse(key)
                .ok()
                .filter(|_| key.len() == 36)
                .map(|id| id.hyphenated().to_string()),
            Self::AdministrativeUnit => {
                (key.len() == 5 && key.bytes().all(|b| b.is_ascii_digit())).then(|| key.into())
            }
            Self::Agency => ((1..=64).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !key.starts_with('-')
                && !key.ends_with('-'))
            .then(|| key.into()),
            Self::Procedure => is_procedure_code(key).then(|| key.into()),
        };
        canonical.ok_or_else(|| self.key_format())
    }

    fn key_format(self) -> Text {
        let (vi, en) = match self {
            Self::Report => ("Mã phản ánh là một UUID", "a report id is a UUID"),
            Self::Article => ("Mã bài viết là một UUID", "an article id is a UUID"),
            Self::AdministrativeUnit => (
                "Mã đơn vị hành chính gồm năm chữ số",
                "an administrative unit code has five digits",
            ),
            Self::Agency => (
                "Mã cơ quan gồm chữ thường, chữ số và `-` (tối đa 64 ký tự)",
                "an agency id is lowercase letters, digits and `-` (at most 64)",
            ),
            Self::Procedure => (
                "Mã thủ tục có dạng `1.000494.000.00.00.H29`",
                "a procedure code looks like `1.000494.000.00.00.H29`",
            ),
        };
        Text::new(vi, en)
    }
}

/// `D.DDDDDD.DDD.DD.DD.XDD`: the national procedure database's code with
/// the province suffix (`H29` is Ho Chi Minh City).
fn is_procedure_code(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 6
        && digits(parts[0], 1)
        && digits(parts[1], 6)
        && digits(parts[2], 3)
        && digits(parts[3], 2)
        && digits(parts[4], 2)
        && parts[5].len() == 3
        && parts[5].as_bytes()[0].is_ascii_uppercase()
        && digits(&parts[5][1..], 2)
}

#[cfg(test)]
mod tests {
    use super::PinnedItemType::*;

    #[test]
    fn keys_are_checked_per_type() {
        assert_eq!(
            Report.check_key("5F0C1A8E-0001-4000-8000-000000000001"),
            Ok("5f0c1a8e-0001-4000-8000-000000000001".into())
        );
        assert!(Report
            .check_key("5f0c1a8e00014000800000000000000 1")
            .is_err());
        assert!(Report
            .check_key("5f0c1a8e000140008000000000000001")
            .is_err());
        assert!(Article.check_key("not-a-uuid").is_err());
        assert_eq!(AdministrativeUnit.check_key(" 26740 "), Ok("26740".into()));
        assert!(AdministrativeUnit.check_key("2674").is_err());
        assert_eq!(
            Agency.check_key("ubnd-ben-thanh"),
            Ok("ubnd-ben-thanh".into())
        );
        assert!(Agency.check_key("UBND Bến Thành").is_err());
        assert!(Agency.check_key("-x").is_err());
        assert_eq!(
            Procedure.check_key("1.000494.000.00.00.H29"),
            Ok("1.000494.000.00.00.H29".into())
        );
        for bad in ["1.000494.000.00.00", "1.000494.000.00.00.h29", "x"] {
            assert!(Procedure.check_key(bad).is_err(), "{bad}");
        }
    }
}
