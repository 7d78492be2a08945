//! A new report, parsed once for every channel: the app (the GraphQL
//! `submitReport`) and Open311 partners give the same raw fields, and
//! [`NewReport::parse`] checks them and places the point in a ward. Where
//! the channels differ (the app's citizen writes a title and sends an
//! idempotency key; a partner's report has no title and is anonymous to
//! the city), [`Channel`] says so.

use congdan_common::city_point::{CityPoint, CityPointError};
use congdan_common::language::Text;
use entity::feedback::category;

use crate::domain::workflow::ActorRole;
use crate::photos::CheckedPhoto;

/// Longest address kept, in characters.
const MAX_ADDRESS: usize = 300;

/// Where a report comes from, and what only that channel gives.
pub enum Channel {
    /// The app: the citizen's own title and idempotency key. A long
    /// address is refused; a category that needs sign-in refuses an
    /// anonymous reporter.
    App {
        title: String,
        idempotency_key: String,
        /// The signed-in citizen, if any.
        reporter_id: Option<String>,
    },
    /// An Open311 partner posting with API key `key_id`: the title is the
    /// start of the description, a long address is cut, and the report is
    /// anonymous to the city whatever its category.
    Open311 { key_id: String },
}

/// A new report's raw input, as a channel received it.
pub struct ReportInput {
    pub channel: Channel,
    /// The category key asked for.
    pub category_key: String,
    /// The category of that key, when there is one.
    pub category: Option<category::Model>,
    pub description: String,
    /// (latitude, longitude); None when not given or not numbers.
    pub coordinates: Option<(f64, f64)>,
    pub address: Option<String>,
    /// Already checked one by one (type and size) where they were read.
    pub photos: Vec<CheckedPhoto>,
}

/// A report to create.
pub struct NewReport {
    pub title: String,
    pub description: String,
    pub category: category::Model,
    pub point: CityPoint,
    pub ward_code: String,
    pub address: Option<String>,
    pub reporter_id: Option<String>,
    /// `app`, or `open311:<key id>`.
    pub source: String,
    pub actor_role: ActorRole,
    /// None for channels without one (Open311).
    pub idempotency_key: Option<String>,
    pub photos: Vec<CheckedPhoto>,
}

/// Why a new report's input is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportInputError {
    #[error("the title takes 5 to 200 characters")]
    Title,
    #[error("the description takes 10 to 5,000 characters")]
    Description,
    #[error("the address takes at most 300 characters")]
    Address,
    #[error("the idempotency key takes 8 to 128 letters, digits, `-` or `_`")]
    IdempotencyKey,
    /// No latitude and longitude (as numbers).
    #[error("latitude and longitude are required")]
    NoCoordinates,
    #[error(transparent)]
    Point(CityPointError),
    /// No category has the key (an empty key included).
    #[error("`{0}` is not a report category")]
    UnknownCategory(String),
    #[error("reports in this category need a signed-in citizen")]
    SignInRequired,
    /// A point inside the city's box that no ward or commune contains.
    #[error("the point is not in any ward or commune of Ho Chi Minh City")]
    OutsideCity,
}

impl ReportInputError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::Title => "Tiêu đề dài từ 5 đến 200 ký tự".to_string(),
            Self::Description => "Nội dung mô tả dài từ 10 đến 5.000 ký tự".to_string(),
            Self::Address => "Địa chỉ dài tối đa 300 ký tự".to_string(),
            Self::IdempotencyKey => {
                "Khóa chống trùng lặp gồm 8 đến 128 chữ cái, chữ số, `-` hoặc `_`".to_string()
            }
            Self::NoCoordinates => "Cần có vĩ độ và kinh độ".to_string(),
            Self::Point(error) => return error.text(),
            Self::UnknownCategory(key) => format!("`{key}` không phải loại phản ánh"),
            Self::SignInRequired => "Phản ánh thuộc loại này cần đăng nhập".to_string(),
            Self::OutsideCity => {
                "Điểm này không thuộc phường, xã nào của Thành phố Hồ Chí Minh".to_string()
            }
        };
        Text::new(vi, self.to_string())
    }
}

impl NewReport {
    /// Checks `input` and places its point in a ward. Every error is
    /// returned, in the order of the fields: title, description, address,
    /// idempotency key, point, category, ward.
    pub fn parse(input: ReportInput) -> Result<Self, Vec<ReportInputError>> {
        let mut errors = Vec::new();
        let description = input.description.trim().to_string();
        let (given_title, idempotency_key, reporter_id, cut_address) = match &input.channel {
            Channel::App {
                title,
                idempotency_key,
                reporter_id,
            } => (
                Some(title.trim().to_string()),
                Some(idempotency_key.clone()),
                reporter_id.clone(),
                false,
            ),
            Channel::Open311 { .. } => (None, None, None, true),
        };
        if given_title
            .as_ref()
            .is_some_and(|t| !(5..=200).contains(&t.chars().count()))
        {
            errors.push(ReportInputError::Title);
        }
        if !(10..=5000).contains(&description.chars().count()) {
            errors.push(ReportInputError::Description);
        }
        let address = match input.address {
            Some(a) if cut_address => Some(a.trim().chars().take(MAX_ADDRESS).collect()),
            Some(a) if a.chars().count() > MAX_ADDRESS => {
                errors.push(ReportInputError::Address);
                None
            }
            Some(a) => Some(a.trim().to_string()),
            None => None,
        }
        .filter(|a: &String| !a.is_empty());
        if idempotency_key
            .as_deref()
            .is_some_and(|key| !valid_key(key))
        {
            errors.push(ReportInputError::IdempotencyKey);
        }
        let point = match input
            .coordinates
            .map(|(lat, lon)| CityPoint::parse(lat, lon))
        {
            Some(Ok(point)) => Some(point),
            Some(Err(error)) => {
                errors.push(ReportInputError::Point(error));
                None
            }
            None => {
                errors.push(ReportInputError::NoCoordinates);
                None
            }
        };
        match &input.category {
            None => errors.push(ReportInputError::UnknownCategory(input.category_key)),
            Some(c)
                if !c.allows_anonymous
                    && reporter_id.is_none()
                    && matches!(input.channel, Channel::App { .. }) =>
            {
                errors.push(ReportInputError::SignInRequired)
            }
            Some(_) => {}
        }
        let ward =
            point.and_then(|p| congdan_geography::locate::unit_at(p.latitude(), p.longitude()));
        if point.is_some() && ward.is_none() {
            errors.push(ReportInputError::OutsideCity);
        }
        let (Some(point), Some(category), Some(ward), true) =
            (point, input.category, ward, errors.is_empty())
        else {
            return Err(errors);
        };
        let (title, source, actor_role) = match input.channel {
            Channel::App { .. } => (
                given_title.unwrap_or_default(),
                "app".to_string(),
                ActorRole::Reporter,
            ),
            Channel::Open311 { key_id } => (
                title_from(&description, &category),
                format!("open311:{key_id}"),
                ActorRole::Partner,
            ),
        };
        Ok(Self {
            title,
            description,
            category,
            point,
            ward_code: ward.to_string(),
            address,
            reporter_id,
            source,
            actor_role,
            idempotency_key,
            photos: input.photos,
        })
    }
}

/// 8 to 128 letters, digits, `-` or `_`.
fn valid_key(key: &str) -> bool {
    (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A report without a title (Open311 has none): the start of the
/// description's first line, or the category's title when that is too
/// short.
fn title_from(description: &str, category: &category::Model) -> String {
    let first_line = description.lines().next().unwrap_or_default();
    let title: String = first_line.chars().take(80).collect();
    if title.chars().count() < 5 {
        category.title_vi.clone()
    } else {
        title
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(allows_anonymous: bool) -> category::Model {
        category::Model {
            key: "drainage_flooding".into(),
            group_key: "technical_infrastructure".into(),
            title_vi: "Ngập nước".into(),
            title_en: "Flooding".into(),
            agency_kind: "commune_committee".into(),
            target_hours: 72,
            allows_anonymous,
            position: 1,
        }
    }

    /// A point in Bến Thành ward.
    const CENTRE: (f64, f64) = (10.7725, 106.6980);

    fn app(title: &str, reporter: Option<&str>, allows_anonymous: bool) -> ReportInput {
        ReportInput {
            channel: Channel::App {
                title: title.into(),
                idempotency_key: "key-12345".into(),
                reporter_id: reporter.map(str::to_string),
            },
            category_key: "drainage_flooding".into(),
            category: Some(category(allows_anonymous)),
            description: "  Nước ngập sâu sau cơn mưa  ".into(),
            coordinates: Some(CENTRE),
            address: Some("  ".into()),
            photos: Vec::new(),
        }
    }

    fn open311(description: &str, address: Option<String>) -> ReportInput {
        ReportInput {
            channel: Channel::Open311 {
                key_id: "k1".into(),
            },
            category_key: "drainage_flooding".into(),
            category: Some(category(false)),
            description: description.into(),
            coordinates: Some(CENTRE),
            address,
            photos: Vec::new(),
        }
    }

    #[test]
    fn an_app_report_keeps_its_title_and_key() {
        let report = NewReport::parse(app(" Ngập đường ", Some("c-1"), false)).unwrap();
        assert_eq!(report.title, "Ngập đường");
        assert_eq!(report.description, "Nước ngập sâu sau cơn mưa");
        assert_eq!(report.address, None);
        assert_eq!(report.idempotency_key.as_deref(), Some("key-12345"));
        assert_eq!(report.source, "app");
        assert_eq!(report.actor_role, ActorRole::Reporter);
        assert!(!report.ward_code.is_empty());
    }

    #[test]
    fn every_error_of_the_app_comes_back_in_field_order() {
        let mut input = app("abc", None, false);
        input.description = "short".into();
        input.address = Some("x".repeat(301));
        input.channel = Channel::App {
            title: "abc".into(),
            idempotency_key: "bad key".into(),
            reporter_id: None,
        };
        input.coordinates = Some((48.85, 2.35));
        input.category = None;
        input.category_key = "nope".into();
        assert_eq!(
            NewReport::parse(input).err().unwrap(),
            vec![
                ReportInputError::Title,
                ReportInputError::Description,
                ReportInputError::Address,
                ReportInputError::IdempotencyKey,
                ReportInputError::Point(CityPointError::OutsideCity(48.85, 2.35)),
                ReportInputError::UnknownCategory("nope".into()),
            ]
        );
        assert_eq!(
            NewReport::parse(app("Ngập đường", None, false))
                .err()
                .unwrap(),
            vec![ReportInputError::SignInRequired]
        );
        assert!(NewReport::parse(app("Ngập đường", None, true)).is_ok());
    }

    #[test]
    fn an_open311_report_takes_its_title_from_the_description() {
        let report = NewReport::parse(open311(
            "Cống bị tắc gây ngập\nchi tiết thêm",
            Some(format!(" {} ", "a".repeat(400))),
        ))
        .unwrap();
        assert_eq!(report.title, "Cống bị tắc gây ngập");
        assert_eq!(report.address.map(|a| a.chars().count()), Some(300));
        assert_eq!(report.source, "open311:k1");
        assert_eq!(report.actor_role, ActorRole::Partner);
        assert_eq!(report.reporter_id, None);
        assert_eq!(report.idempotency_key, None);
        let short = NewReport::parse(open311("Ngập\nnước rất sâu ở đây", None)).unwrap();
        assert_eq!(short.title, "Ngập nước");
        let mut nowhere = open311("Cống bị tắc gây ngập", None);
        nowhere.coordinates = None;
        assert_eq!(
            NewReport::parse(nowhere).err().unwrap(),
            vec![ReportInputError::NoCoordinates]
        );
    }
}
