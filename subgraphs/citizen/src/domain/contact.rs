//! Contact details a citizen edits, parsed at the edge: a Vietnamese mobile
//! number (kept as `+84` and nine digits), an email address, a ward code.

use congdan_common::language::Text;

/// A Vietnamese mobile number, normalised to `+84xxxxxxxxx`.
#[derive(Clone, PartialEq, Eq)]
pub struct MobilePhone(String);

/// Mobile numbers start, after the 0 or +84, with one of these digits
/// (Viettel, Vinaphone, Mobifone, Vietnamobile, Gmobile, Reddi, ...).
const MOBILE_FIRST_DIGITS: &[u8] = b"35789";

impl MobilePhone {
    /// Accepts `0901234567`, `090 123 4567`, `090.123.4567`, `+84901234567`,
    /// `84901234567`. Error messages never repeat the number.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+84") {
            rest
        } else if let Some(rest) = compact.strip_prefix("84").filter(|r| r.len() == 9) {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err(Text::new(
                "Số di động bắt đầu bằng 0 hoặc +84",
                "a mobile number starts with 0 or +84",
            ));
        };
        if national.len() != 9 || !national.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Text::new(
                "Số di động có 10 chữ số (số 0 và chín chữ số nữa)",
                "a mobile number has 10 digits (0 and nine more)",
            ));
        }
        if !MOBILE_FIRST_DIGITS.contains(&national.as_bytes()[0]) {
            return Err(Text::new(
                "Không phải số di động Việt Nam (03x, 05x, 07x, 08x hoặc 09x)",
                "not a Vietnamese mobile number (03x, 05x, 07x, 08x or 09x)",
            ));
        }
        Ok(Self(format!("+84{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MobilePhone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MobilePhone(***)")
    }
}

/// An email address: one `@`, a plausible local part and a domain with a
/// top-level label; the domain is lower-cased.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = text.trim();
        if text.len() > 254 {
            return Err(Text::new(
                "Địa chỉ email dài tối đa 254 ký tự",
                "an email address takes at most 254 characters",
            ));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(Text::new(
                "Địa chỉ email phải có ký tự @",
                "an email address has an @",
            ));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !local_ok {
            return Err(Text::new(
                "Phần trước @ không hợp lệ",
                "the part before the @ is not valid",
            ));
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !labels_ok {
            return Err(Text::new(
                "Tên miền sau @ không hợp lệ",
                "the domain after the @ is not valid",
            ));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(***)")
    }
}

/// The code of an administrative unit (five digits, e.g. `26740`). Whether
/// the unit exists is the geo subgraph's to say; see ADR 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardCode(String);

impl WardCode {
    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = text.trim();
        if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_string()))
        } else {
            Err(Text::new(
                "Mã phường, xã gồm năm chữ số",
                "a ward code has five digits",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use congdan_common::language::Language;

    #[test]
    fn mobile_numbers_are_normalised() {
        for text in [
            "0901234567",
            "090 123 4567",
            "090.123.4567",
            "+84901234567",
            "84901234567",
            "+84 90-123-4567",
        ] {
            assert_eq!(MobilePhone::parse(text).unwrap().as_str(), "+84901234567");
        }
        assert_eq!(
            MobilePhone::parse("0387654321").unwrap().as_str(),
            "+84387654321"
        );
        for bad in [
            "",
            "090123456",
            "09012345678",
            "0281234567",
            "0101234567",
            "+1 555 123 4567",
            "09o1234567",
        ] {
            let error = MobilePhone::parse(bad).unwrap_err();
            for language in [Language::Vi, Language::En] {
                let message = error.get(language);
                assert!(bad.is_empty() || !message.contains(bad), "{message}");
            }
        }
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(
            Email::parse(" An.Nguyen+news@Example.VN ")
                .unwrap()
                .as_str(),
            "An.Nguyen+news@example.vn"
        );
        for bad in [
            "an",
            "an@",
            "@example.vn",
            "an@example",
            "an@@example.vn",
            "an..b@example.vn",
            "an@-example.vn",
            "an@example.v",
            "an b@example.vn",
            "an@exa_mple.vn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ward_codes_have_five_digits() {
        assert_eq!(WardCode::parse("26740").unwrap().as_str(), "26740");
        for bad in ["2674", "267400", "2674a", ""] {
            assert!(WardCode::parse(bad).is_err(), "{bad}");
        }
    }
}
