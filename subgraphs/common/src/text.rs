//! Vietnamese text folding: "Trường học" and "truong hoc" fold to the same
//! string, and "đ" matches "d", so search ignores diacritics and case.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Lowercase, strip diacritics (NFD then drop combining marks), map đ/Đ to d
/// and collapse runs of whitespace.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese_diacritics_and_case() {
        assert_eq!(fold("Trường học"), "truong hoc");
        assert_eq!(fold("ĐẶC KHU Côn Đảo"), "dac khu con dao");
        assert_eq!(fold("  Bến   Thành "), "ben thanh");
        assert_eq!(fold("Thủ Dầu Một"), "thu dau mot");
    }
}
