//! Test identities the authorize page offers. Made up for development: the
//! numbers are well-formed personal identification numbers, nobody's.

#[derive(Debug, Clone, Copy)]
pub struct TestCitizen {
    /// Stable subject identifier at the provider.
    pub sub: &'static str,
    pub personal_id: &'static str,
    pub name: &'static str,
    pub birthdate: &'static str,
    pub gender: &'static str,
    pub phone_number: Option<&'static str>,
    pub email: Option<&'static str>,
}

pub const TEST_CITIZENS: &[TestCitizen] = &[
    TestCitizen {
        sub: "vneid-test-0001",
        personal_id: "079090001234",
        name: "Nguyễn Văn An",
        birthdate: "1990-05-14",
        gender: "male",
        phone_number: Some("+84901234567"),
        email: Some("an.nguyen@example.vn"),
    },
    TestCitizen {
        sub: "vneid-test-0002",
        personal_id: "079185004321",
        name: "Trần Thị Bình",
        birthdate: "1985-11-02",
        gender: "female",
        phone_number: Some("+84912345678"),
        email: None,
    },
    TestCitizen {
        sub: "vneid-test-0003",
        personal_id: "001203007777",
        name: "Lê Hoàng Cường",
        birthdate: "2003-01-30",
        gender: "male",
        phone_number: None,
        email: Some("cuong.le@example.vn"),
    },
    TestCitizen {
        sub: "vneid-test-0004",
        personal_id: "074301005555",
        name: "Phạm Ngọc Dung",
        birthdate: "2001-08-21",
        gender: "female",
        phone_number: Some("+84987654321"),
        email: Some("dung.pham@example.vn"),
    },
];
