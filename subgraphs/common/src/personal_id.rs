//! The 12-digit personal identification number (số định danh cá nhân, on
//! the chip-based citizen ID card): a province code, a century-and-sex digit,
//! the last two digits of the birth year, and six random digits.
//!
//! Parsed once at the edge; the number itself never reaches logs: `Debug`
//! and `Display` show only the last four digits.

use std::fmt;

/// Province codes of birth registration (the 63 provinces as coded before
/// the 2025 mergers; numbers already issued keep them).
const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonalId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    #[error("a personal identification number has exactly 12 digits")]
    Format,
    #[error("the first three digits are not a province code")]
    Province,
    #[error("the birth year it encodes ({0}) is in the future")]
    FutureBirthYear(i32),
}

impl PersonalId {
    /// Parses `text`; `current_year` bounds the birth year it encodes.
    pub fn parse(text: &str, current_year: i32) -> Result<Self, PersonalIdError> {
        let text = text.trim();
        if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PersonalIdError::Format);
        }
        let id = Self(text.to_string());
        let province: u16 = text[..3].parse().map_err(|_| PersonalIdError::Format)?;
        if !PROVINCE_CODES.contains(&province) {
            return Err(PersonalIdError::Province);
        }
        if id.birth_year() > current_year {
            return Err(PersonalIdError::FutureBirthYear(id.birth_year()));
        }
        Ok(id)
    }

    fn digit(&self, i: usize) -> i32 {
        i32::from(self.0.as_bytes()[i] - b'0')
    }

    /// The province code of birth registration, e.g. 79 for Ho Chi Minh City.
    pub fn province_code(&self) -> u16 {
        (self.digit(0) * 100 + self.digit(1) * 10 + self.digit(2)) as u16
    }

    /// Even century digits are men, odd are women.
    pub fn sex(&self) -> Sex {
        if self.digit(3) % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// 0/1: 1900s, 2/3: 2000s, 4/5: 2100s, and so on.
    pub fn birth_year(&self) -> i32 {
        1900 + (self.digit(3) / 2) * 100 + self.digit(4) * 10 + self.digit(5)
    }

    /// The full number, for hashing and encryption only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What a citizen sees of their own number in lists: `********1234`.
    pub fn masked(&self) -> String {
        format!("********{}", &self.0[8..])
    }
}

impl fmt::Debug for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonalId({})", self.masked())
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_province_sex_and_birth_year() {
        let id = PersonalId::parse("079203001234", 2026).unwrap();
        assert_eq!(id.province_code(), 79);
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.birth_year(), 2003);
        let id = PersonalId::parse("001185009876", 2026).unwrap();
        assert_eq!((id.sex(), id.birth_year()), (Sex::Female, 1985));
    }

    #[test]
    fn refuses_what_is_not_a_personal_id() {
        assert_eq!(
            PersonalId::parse("07920300123", 2026),
            Err(PersonalIdError::Format)
        );
        assert_eq!(
            PersonalId::parse("07920300123x", 2026),
            Err(PersonalIdError::Format)
        );
        assert_eq!(
            PersonalId::parse("003203001234", 2026),
            Err(PersonalIdError::Province)
        );
        assert_eq!(
            PersonalId::parse("079299001234", 2026),
            Err(PersonalIdError::FutureBirthYear(2099))
        );
    }

    #[test]
    fn never_shows_more_than_the_last_four_digits() {
        let id = PersonalId::parse("079203001234", 2026).unwrap();
        assert_eq!(
            format!("{id} {id:?}"),
            "********1234 PersonalId(********1234)"
        );
    }
}
