//! A workflow step as asked for, and the parsing of what a caller writes
//! with one: agency ids, notes and messages, answers, reasons, ratings.

use congdan_common::language::Text;
use congdan_contracts::identity::Identity;

use crate::domain::workflow::Action;
use crate::photos::CheckedPhoto;

/// Longest note, message, reason or rating comment, in characters.
const MAX_REMARK: usize = 2000;

/// One workflow step asked for.
pub struct Step {
    pub action: Action,
    /// The officers' internal note: never shown or sent to citizens.
    pub note: Option<String>,
    /// What the citizen is told with an assignment, transfer or start
    /// (their notification says the new status when there is none).
    pub message: Option<String>,
    /// The agency to assign or transfer to; None: the one the report's
    /// category routes to.
    pub agency_id: Option<String>,
    /// The official answer (resolve) or the reason (reject).
    pub answer: Option<String>,
    /// Stars and comment (rate).
    pub rating: Option<Rating>,
    pub photos: Vec<CheckedPhoto>,
}

impl Step {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            note: None,
            message: None,
            agency_id: None,
            answer: None,
            rating: None,
            photos: Vec::new(),
        }
    }
}

/// Who takes a step: a person (their identity) or the system.
pub enum StepBy<'a> {
    Person(&'a Identity),
    System,
}

/// The reporter's rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 1 to 5.
    pub stars: i32,
    pub comment: Option<String>,
}

/// Why what a caller wrote with a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepInputError {
    #[error("an agency id takes 1 to 64 letters, digits, `-` or `_`")]
    AgencyId,
    /// A note or a message (the field's name) that is too long.
    #[error("a {0} takes at most 2,000 characters")]
    TooLong(&'static str),
    #[error("the answer takes 5 to 5,000 characters")]
    Answer,
    #[error("a rejection needs a reason of 5 to 2,000 characters")]
    Reason,
    #[error("a rating is 1 to 5 stars")]
    Stars,
    #[error("the comment takes at most 2,000 characters")]
    Comment,
}

impl StepInputError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::AgencyId => "Mã cơ quan gồm 1 đến 64 chữ cái, chữ số, `-` hoặc `_`".to_string(),
            Self::TooLong(field) => format!("Trường `{field}` dài tối đa 2.000 ký tự"),
            Self::Answer => "Câu trả lời dài từ 5 đến 5.000 ký tự".to_string(),
            Self::Reason => "Từ chối cần có lý do dài từ 5 đến 2.000 ký tự".to_string(),
            Self::Stars => "Đánh giá từ 1 đến 5 sao".to_string(),
            Self::Comment => "Nhận xét dài tối đa 2.000 ký tự".to_string(),
        };
        Text::new(vi, self.to_string())
    }
}

/// An agency id, if given: 1 to 64 letters, digits, `-` or `_`.
pub fn agency_id(id: Option<&str>) -> Result<Option<String>, StepInputError> {
    match id {
        None => Ok(None),
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(id.to_string()))
        }
        Some(_) => Err(StepInputError::AgencyId),
    }
}

/// A note or message (`field` names it): at most 2,000 characters;
/// trimmed, and none when blank.
pub fn remark(field: &'static str, text: Option<&str>) -> Result<Option<String>, StepInputError> {
    if text.is_some_and(|t| t.chars().count() > MAX_REMARK) {
        return Err(StepInputError::TooLong(field));
    }
    Ok(text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string))
}

/// The official answer of a resolution: 5 to 5,000 characters, trimmed.
pub fn answer(text: &str) -> Result<String, StepInputError> {
    let answer = text.trim();
    if (5..=5000).contains(&answer.chars().count()) {
        Ok(answer.to_string())
    } else {
        Err(StepInputError::Answer)
    }
}

/// The reason of a rejection: 5 to 2,000 characters, trimmed.
pub fn reason(text: &str) -> Result<String, StepInputError> {
    let reason = text.trim();
    if (5..=MAX_REMARK).contains(&reason.chars().count()) {
        Ok(reason.to_string())
    } else {
        Err(StepInputError::Reason)
    }
}

impl Rating {
    /// 1 to 5 stars and a comment of at most 2,000 characters (trimmed,
    /// none when blank); both errors when both are wrong.
    pub fn parse(stars: i32, comment: Option<&str>) -> Result<Self, Vec<StepInputError>> {
        let mut errors = Vec::new();
        if !(1..=5).contains(&stars) {
            errors.push(StepInputError::Stars);
        }
        let comment = comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_REMARK)
        {
            errors.push(StepInputError::Comment);
        }
        if errors.is_empty() {
            Ok(Self { stars, comment })
        } else {
            Err(errors)
        }
    }
}

/// The name of an Open311 API key: 1 to 100 characters, trimmed.
pub fn key_name(name: &str) -> Option<String> {
    let name = name.trim();
    (1..=100)
        .contains(&name.chars().count())
        .then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_are_trimmed_and_bounded() {
        assert_eq!(remark("note", Some("  ")), Ok(None));
        assert_eq!(remark("note", Some(" ok ")), Ok(Some("ok".into())));
        assert_eq!(
            remark("message", Some(&"x".repeat(2001))),
            Err(StepInputError::TooLong("message"))
        );
        assert_eq!(answer(" done "), Err(StepInputError::Answer));
        assert_eq!(answer(" fixed it "), Ok("fixed it".into()));
        assert_eq!(reason("dup"), Err(StepInputError::Reason));
    }

    #[test]
    fn ratings_and_agency_ids() {
        assert_eq!(
            Rating::parse(0, Some(&"x".repeat(2001))),
            Err(vec![StepInputError::Stars, StepInputError::Comment])
        );
        assert_eq!(
            Rating::parse(5, Some(" ")),
            Ok(Rating {
                stars: 5,
                comment: None
            })
        );
        assert_eq!(
            agency_id(Some("ubnd-ben-thanh")),
            Ok(Some("ubnd-ben-thanh".into()))
        );
        assert_eq!(agency_id(Some("a b")), Err(StepInputError::AgencyId));
        assert_eq!(agency_id(None), Ok(None));
        assert_eq!(key_name("  "), None);
        assert_eq!(key_name(" partner ").as_deref(), Some("partner"));
    }
}
