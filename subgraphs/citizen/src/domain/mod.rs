//! The twelve feature groups of the app; the roles an admin grants; the
//! claims a citizen signs in with, checked against their personal
//! identification number.

pub mod consent;
pub mod contact;
pub mod devices;
pub mod notifications;
pub mod pins;
pub mod preferences;

use congdan_common::language::Text;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use congdan_common::personal_id::{self, PersonalId};
use congdan_contracts::identity::Role;

/// The feature groups services are listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ServiceGroup {
    Feedback,
    Education,
    Health,
    Tourism,
    Transport,
    Construction,
    Agencies,
    PublicServices,
    Map,
    Account,
    Vneid,
    Notifications,
}

impl ServiceGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feedback => "feedback",
            Self::Education => "education",
            Self::Health => "health",
            Self::Tourism => "tourism",
            Self::Transport => "transport",
            Self::Construction => "construction",
            Self::Agencies => "agencies",
            Self::PublicServices => "public_services",
            Self::Map => "map",
            Self::Account => "account",
            Self::Vneid => "vneid",
            Self::Notifications => "notifications",
        }
    }
}

impl FromStr for ServiceGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "feedback" => Self::Feedback,
            "education" => Self::Education,
            "health" => Self::Health,
            "tourism" => Self::Tourism,
            "transport" => Self::Transport,
            "construction" => Self::Construction,
            "agencies" => Self::Agencies,
            "public_services" => Self::PublicServices,
            "map" => Self::Map,
            "account" => Self::Account,
            "vneid" => Self::Vneid,
            "notifications" => Self::Notifications,
            other => return Err(format!("unknown service group `{other}`")),
        })
    }
}

/// My Services of a new citizen, in order: what most people come for
/// (report an issue and follow it, procedures and dossiers, buses, clinics,
/// schools, alerts). Keys missing from the catalog are left out.
pub const DEFAULT_MY_SERVICES: &[&str] = &[
    "feedback.report",
    "feedback.mine",
    "public_services.procedures",
    "public_services.dossiers",
    "transport.bus",
    "health.facilities",
    "education.schools",
    "notifications.alerts",
];

/// The roles an admin grants and revokes. `citizen` comes with the first
/// sign-in and is never granted; `service` and `partner` are not people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum StaffRole {
    /// Acts for one or more agencies (needs their ids).
    Officer,
    /// Publishes news, alerts and surveys.
    Editor,
    /// Grants and revokes roles.
    Admin,
}

impl StaffRole {
    pub fn role(self) -> Role {
        match self {
            Self::Officer => Role::Officer,
            Self::Editor => Role::Editor,
            Self::Admin => Role::Admin,
        }
    }

    /// Agency ids this grant is scoped to: at least one (each non-empty,
    /// trimmed, distinct) for `OFFICER`, none for the others.
    pub fn agency_scope(self, agency_ids: &[String]) -> Result<Vec<String>, Text> {
        let mut ids: Vec<String> = Vec::new();
        for id in agency_ids {
            let id = id.trim();
            if id.is_empty() || id.len() > 64 {
                return Err(Text::new(
                    "Mã cơ quan dài từ 1 đến 64 ký tự",
                    "an agency id takes 1 to 64 characters",
                ));
            }
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_string());
            }
        }
        match (self, ids.is_empty()) {
            (Self::Officer, true) => Err(Text::new(
                "Cán bộ phải thuộc ít nhất một cơ quan",
                "an officer acts for at least one agency",
            )),
            (Self::Officer, false) => Ok(ids),
            (_, true) => Ok(ids),
            (_, false) => Err(Text::new(
                "Chỉ vai trò OFFICER mới gắn với cơ quan",
                "only OFFICER is scoped to agencies",
            )),
        }
    }
}

/// Sex as the personal identification number encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "male" => Some(Self::Male),
            "female" => Some(Self::Female),
            _ => None,
        }
    }
}

impl From<personal_id::Sex> for Sex {
    fn from(sex: personal_id::Sex) -> Self {
        match sex {
            personal_id::Sex::Male => Self::Male,
            personal_id::Sex::Female => Self::Female,
        }
    }
}

/// What VNeID says about a citizen at sign-in, checked: the number parses,
/// and the birthdate and gender it was issued with agree with it. Error
/// messages never repeat the number.
#[derive(Clone)]
pub struct SignInClaims {
    pub subject: String,
    pub personal_id: PersonalId,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Sex,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The claims as they arrive (strings from the ID token / userinfo).
#[derive(Clone, Copy)]
pub struct RawSignInClaims<'a> {
    pub subject: &'a str,
    pub personal_id: &'a str,
    pub full_name: &'a str,
    pub birthdate: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Trimmed, None when empty, an error when longer than `max` characters.
fn optional_text(value: Option<&str>, max: usize, what: &str) -> Result<Option<String>, Text> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(Text::new(
            format!("{what} dài tối đa {max} ký tự"),
            format!("{what} takes at most {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// Personal data stays out of logs: the masked number only.
impl std::fmt::Debug for SignInClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInClaims")
            .field("personal_id", &self.personal_id)
            .finish_non_exhaustive()
    }
}

impl SignInClaims {
    pub fn parse(raw: RawSignInClaims<'_>, current_year: i32) -> Result<Self, Text> {
        let subject = raw.subject.trim();
        if subject.is_empty() || subject.len() > 255 {
            return Err(Text::new(
                "Mã định danh (subject) dài từ 1 đến 255 ký tự",
                "the subject takes 1 to 255 characters",
            ));
        }
        let personal_id = PersonalId::parse(raw.personal_id, current_year).map_err(|e| {
            Text::new(
                format!("personalId không phải số định danh cá nhân: {e}"),
                format!("personalId is not a personal identification number: {e}"),
            )
        })?;
        let full_name = raw.full_name.trim();
        if full_name.is_empty() || full_name.chars().count() > 200 {
            return Err(Text::new(
                "Họ và tên (fullName) dài từ 1 đến 200 ký tự",
                "fullName takes 1 to 200 characters",
            ));
        }
        let date_of_birth = match raw.birthdate.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    Text::new(
                        "Ngày sinh (birthdate) không phải ngày hợp lệ (YYYY-MM-DD)",
                        "birthdate is not a date (YYYY-MM-DD)",
                    )
                })?;
                if date.year() != personal_id.birth_year() {
                    return Err(Text::new(
                        "Ngày sinh không khớp với số định danh cá nhân",
                        "birthdate does not match the personal identification number",
                    ));
                }
                Some(date)
            }
        };
        let sex = Sex::from(personal_id.sex());
        let gender = raw.gender.map(|g| g.trim().to_ascii_lowercase());
        if let Some(claimed) = gender.as_deref().and_then(Sex::parse) {
            if claimed != sex {
                return Err(Text::new(
                    "Giới tính không khớp với số định danh cá nhân",
                    "gender does not match the personal identification number",
                ));
            }
        }
        let phone = optional_text(raw.phone_number, 32, "phoneNumber")?;
        let email = optional_text(raw.email, 254, "email")?;
        Ok(Self {
            subject: subject.to_string(),
            personal_id,
            full_name: full_name.to_string(),
            date_of_birth,
            sex,
            phone,
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use congdan_common::language::Language;

    fn raw<'a>(personal_id: &'a str) -> RawSignInClaims<'a> {
        RawSignInClaims {
            subject: "vneid-sub-1",
            personal_id,
            full_name: " Nguyễn Văn An ",
            birthdate: Some("2003-04-05"),
            gender: Some("male"),
            phone_number: Some(""),
            email: None,
        }
    }

    #[test]
    fn checks_the_claims_against_the_number() {
        let claims = SignInClaims::parse(raw("079203001234"), 2026).unwrap();
        assert_eq!(claims.full_name, "Nguyễn Văn An");
        assert_eq!(claims.sex, Sex::Male);
        assert_eq!(claims.phone, None);
        assert_eq!(claims.date_of_birth, NaiveDate::from_ymd_opt(2003, 4, 5));

        let wrong_year = RawSignInClaims {
            birthdate: Some("2004-04-05"),
            ..raw("079203001234")
        };
        let error = SignInClaims::parse(wrong_year, 2026)
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not match"), "{error}");
        let wrong_sex = RawSignInClaims {
            gender: Some("Female"),
            ..raw("079203001234")
        };
        let error = SignInClaims::parse(wrong_sex, 2026)
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not match"), "{error}");
        // Other gender values are not checked.
        let other = RawSignInClaims {
            gender: Some("other"),
            ..raw("079203001234")
        };
        assert!(SignInClaims::parse(other, 2026).is_ok());
        let not_a_date = RawSignInClaims {
            birthdate: Some("05/04/2003"),
            ..raw("079203001234")
        };
        assert!(SignInClaims::parse(not_a_date, 2026).is_err());
    }

    #[test]
    fn never_repeats_the_number() {
        for bad in ["07920300123", "003203001234", "079299001234"] {
            let error = SignInClaims::parse(raw(bad), 2026).unwrap_err();
            for language in [Language::Vi, Language::En] {
                let message = error.get(language);
                assert!(message.starts_with("personalId"), "{message}");
                assert!(!message.contains(bad), "{message}");
            }
        }
    }

    #[test]
    fn officers_need_agencies_and_others_none() {
        assert!(StaffRole::Officer.agency_scope(&[]).is_err());
        assert!(StaffRole::Officer.agency_scope(&[" ".into()]).is_err());
        assert_eq!(
            StaffRole::Officer.agency_scope(&["a".into(), " a ".into(), "b".into()]),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(StaffRole::Editor.agency_scope(&[]), Ok(vec![]));
        assert!(StaffRole::Admin.agency_scope(&["a".into()]).is_err());
    }
}
