//! The benchmark's dataset: the demo data (`congdan seed`) plus generated
//! feedback reports, the same on every run (a fixed seed and our own
//! generator, so no crate upgrade can change it).

use anyhow::{ensure, Context};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value,
};
use serde::Serialize;

/// SplitMix64: tiny, fast, and fixed forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + unit * (hi - lo)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What the dataset holds, for the results file.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub generated_reports: usize,
    pub total_reports: u64,
    pub seed: u64,
    pub categories: usize,
    pub admin_units: usize,
    pub reports_without_ward: usize,
    /// Agencies of the directories subgraph (the demo data's).
    pub agencies: usize,
    /// Generated reports handled by an agency (every one past `received`).
    pub reports_with_agency: usize,
}

/// Status, weight (in percent).
const STATUSES: &[(&str, usize)] = &[
    ("received", 30),
    ("assigned", 20),
    ("in_progress", 20),
    ("resolved", 20),
    ("rejected", 5),
    ("closed", 5),
];

const PROBLEMS: &[&str] = &[
    "Ổ gà trên mặt đường",
    "Đèn đường bị hỏng",
    "Nước ngập sau cơn mưa",
    "Cây xanh có nguy cơ gãy đổ",
    "Rác thải để không đúng nơi quy định",
    "Lấn chiếm vỉa hè",
    "Tiếng ồn kéo dài ban đêm",
    "Nắp cống bị mất",
    "Biển báo giao thông bị che khuất",
    "Đường ống nước bị rò rỉ",
    "Dây điện treo thấp",
    "Xây dựng không phép",
];

const STREETS: &[&str] = &[
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Điện Biên Phủ",
    "Cách Mạng Tháng Tám",
    "Nguyễn Thị Minh Khai",
    "Võ Văn Kiệt",
    "Trần Hưng Đạo",
    "Phạm Văn Đồng",
    "Nguyễn Văn Linh",
    "Lý Thường Kiệt",
    "Xô Viết Nghệ Tĩnh",
    "Quang Trung",
    "Kha Vạn Cân",
    "Huỳnh Tấn Phát",
];

const DETAILS: &[&str] = &[
    "Tình trạng kéo dài hơn một tuần, người dân đi lại rất khó khăn.",
    "Đề nghị cơ quan chức năng kiểm tra và xử lý sớm.",
    "Buổi tối không có đèn nên rất nguy hiểm cho xe máy.",
    "Nhiều hộ dân trong hẻm đã phản ánh nhưng chưa được giải quyết.",
    "Khu vực gần trường học, học sinh qua lại đông vào giờ tan trường.",
    "Có hình ảnh kèm theo, vị trí ngay trước nhà.",
];

/// The columns a report has had from the start, and `agency_id` (from the
/// workflow's migration, which W2's `agency` needs). Plain SQL rather than
/// the entity crate: the binary under test may come from another commit
/// than this crate, and the other later columns are nullable or have
/// defaults.
const COLUMNS: &str = "id, title, description, category, status, latitude, longitude, address, \
     ward_code, created_at, agency_id";

/// Another stream than the reports' own for the agencies, so that adding
/// them changed nothing else of the generated reports.
const AGENCY_STREAM: u64 = 0xA6E2_C1E5_0000_0001;

/// The agency handling a report in `status`: none while it is `received`
/// (not yet assigned); else the people's committee of its ward when the
/// directory has one, otherwise one of all agencies, from `rng`.
fn agency_for(
    status: &str,
    ward: Option<&str>,
    agencies: &[(String, Option<String>)],
    rng: &mut Rng,
) -> Option<String> {
    if status == "received" || agencies.is_empty() {
        return None;
    }
    // Drawn for every assigned report, so the stream does not depend on
    // which wards have a committee.
    let any = rng.pick(agencies).0.clone();
    let committee = ward.and_then(|w| {
        agencies
            .iter()
            .find(|(_, served)| served.as_deref() == Some(w))
            .map(|(id, _)| id.clone())
    });
    Some(committee.unwrap_or(any))
}

async fn strings(db: &DatabaseConnection, sql: &str, column: &str) -> anyhow::Result<Vec<String>> {
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .with_context(|| format!("reading {sql}"))?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String>("", column)?))
        .collect()
}

/// Inserts `count` generated reports into the (already seeded) database.
pub async fn generate(database_url: &str, count: usize, seed: u64) -> anyhow::Result<Summary> {
    let db = Database::connect(database_url)
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    let categories = strings(
        &db,
        "SELECT key FROM feedback_categories ORDER BY position, key",
        "key",
    )
    .await?;
    let wards = strings(
        &db,
        "SELECT code FROM geo_admin_units ORDER BY code",
        "code",
    )
    .await?;
    ensure!(
        !categories.is_empty(),
        "no feedback categories: was the DB migrated?"
    );
    ensure!(
        !wards.is_empty(),
        "no administrative units: was the DB seeded?"
    );
    let agencies: Vec<(String, Option<String>)> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT id, ward_code FROM directories_agencies ORDER BY id",
        ))
        .await
        .context("reading the directories' agencies")?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "id")?,
                row.try_get::<Option<String>>("", "ward_code")?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    ensure!(
        !agencies.is_empty(),
        "no agencies in the directories: was the DB seeded?"
    );

    let mut rng = Rng::new(seed);
    let mut agency_rng = Rng::new(seed ^ AGENCY_STREAM);
    let mut with_agency = 0;
    let newest = Utc
        .with_ymd_and_hms(2026, 11, 28, 23, 0, 0)
        .single()
        .context("base date")?;
    let mut rows = Vec::with_capacity(count);
    let mut without_ward = 0;
    for i in 0..count {
        let problem = rng.pick(PROBLEMS);
        let street = rng.pick(STREETS);
        let house = 1 + rng.below(400);
        let mut description = format!("{problem} tại số {house} đường {street}.");
        for _ in 0..1 + rng.below(3) {
            description.push(' ');
            description.push_str(rng.pick::<&str>(DETAILS));
        }
        let status = {
            let mut roll = rng.below(100);
            let mut chosen = STATUSES[0].0;
            for &(status, weight) in STATUSES {
                if roll < weight {
                    chosen = status;
                    break;
                }
                roll -= weight;
            }
            chosen
        };
        // One in twenty reports has no ward (a point the reporter could not place).
        let ward = if rng.below(20) == 0 {
            without_ward += 1;
            None
        } else {
            Some(rng.pick(&wards).clone())
        };
        // Strictly older with each i: 37 minutes apart plus up to 36 of jitter.
        let minutes = i as i64 * 37 + rng.below(37) as i64;
        let created_at: DateTime<Utc> = newest - Duration::minutes(minutes);
        let agency = agency_for(status, ward.as_deref(), &agencies, &mut agency_rng);
        with_agency += usize::from(agency.is_some());
        rows.push(vec![
            Value::from(format!("0b3c4e00-0000-4000-8000-{:012}", i + 1)),
            Value::from(format!("{problem} trên đường {street}")),
            Value::from(description),
            Value::from(rng.pick(&categories).clone()),
            Value::from(status),
            Value::from(rng.between(10.70, 10.86)),
            Value::from(rng.between(106.60, 106.80)),
            Value::from(Some(format!("{house} {street}"))),
            Value::from(ward),
            Value::from(created_at),
            Value::from(agency),
        ]);
    }

    let txn = db.begin().await?;
    for chunk in rows.chunks(200) {
        let one = format!("({})", vec!["?"; chunk[0].len()].join(", "));
        let sql = format!(
            "INSERT INTO feedback_reports ({COLUMNS}) VALUES {}",
            vec![one.as_str(); chunk.len()].join(", ")
        );
        let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await
        .context("inserting generated reports")?;
    }
    txn.commit().await?;
    let total = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM feedback_reports",
        ))
        .await?
        .context("no count")?;
    let total_reports = total.try_get::<i64>("", "n")? as u64;
    db.close().await?;
    Ok(Summary {
        generated_reports: count,
        total_reports,
        seed,
        categories: categories.len(),
        admin_units: wards.len(),
        reports_without_ward: without_ward,
        agencies: agencies.len(),
        reports_with_agency: with_agency,
    })
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_generator_is_fixed() {
        let mut rng = Rng::new(1);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut again = Rng::new(1);
        let second: Vec<u64> = (0..3).map(|_| again.next_u64()).collect();
        assert_eq!(first, second);
        // SplitMix64's published first output for seed 1.
        assert_eq!(first[0], 0x910A_2DEC_8902_5CC1);
    }
}
