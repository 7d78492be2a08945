//! Relay connections over sea-orm selects: the one pagination helper every
//! subgraph list uses. Cursors are opaque (base64 of the row offset in the
//! list's fixed order).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::OutputType;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};

use crate::{Error, Result};

/// Page size when the client gives no `first`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest `first` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Deepest row a list pages to. Offsets are cursors a client can forge, so
/// they are bounded well inside what a database's signed 64-bit `OFFSET`
/// takes, and far enough for any list a person pages through.
pub const MAX_OFFSET: u64 = 1_000_000;

/// A validated `first`/`after` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self> {
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => {
                return Err(Error::bad_input(
                    format!("`first` là {n}; giá trị phải từ 0 đến {MAX_PAGE_SIZE}"),
                    format!("`first` is {n}; it must be between 0 and {MAX_PAGE_SIZE}"),
                ))
            }
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(Error::bad_input(
                    format!("`first` là {n}; một trang có nhiều nhất {MAX_PAGE_SIZE} mục"),
                    format!("`first` is {n}; the largest page is {MAX_PAGE_SIZE}"),
                ))
            }
            Some(n) => n as u64,
        };
        let offset = match after {
            None => 0,
            Some(cursor) => decode_cursor(cursor)? + 1,
        };

        Ok(Self { offset, limit })
    }
}

pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

/// The row offset of a cursor, below [`MAX_OFFSET`].
fn decode_cursor(cursor: &str) -> Result<u64> {
    let invalid = || {
        Error::bad_input(
            "`after` không phải con trỏ do danh sách này trả về",
            "`after` is not a cursor this list returned",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("o:")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n < MAX_OFFSET)
        .ok_or_else(invalid)
}

/// Runs `select` (already filtered and ordered) for one page and maps each
/// row to its GraphQL node. The whole list is counted for `totalCount`.
pub async fn connection<E, M, T, C>(
    db: &C,
    select: Select<E>,
    page: PageRequest,
    map: impl Fn(M) -> Result<T>,
) -> Result<Connection<String, T, ListInfo, EmptyFields>>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Sized + Send + Sync,
    T: OutputType,
    C: ConnectionTrait,
{
    let total = select.clone().count(db).await?;
    // One extra row tells whether a next page exists.
    let rows = select
        .offset(page.offset)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > page.limit;
    let mut connection = Connection::with_additional_fields(
        page.offset > 0,
        has_next,
        ListInfo { total_count: total },
    );
    for (i, row) in rows.into_iter().take(page.limit as usize).enumerate() {
        connection
            .edges
            .push(Edge::new(encode_cursor(page.offset + i as u64), map(row)?));
    }
    Ok(connection)
}

/// Fields every list connection carries besides edges and page info.
#[derive(async_graphql::SimpleObject)]
pub struct ListInfo {
    /// Number of items in the whole list, across all pages.
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_input_is_refused() {
        let page = PageRequest::parse(Some(10), Some(&encode_cursor(19))).unwrap();
        assert_eq!(
            page,
            PageRequest {
                offset: 20,
                limit: 10
            }
        );
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert!(PageRequest::parse(Some(-1), None).is_err());
        assert!(PageRequest::parse(None, Some("not-a-cursor")).is_err());
        // Forged offsets: i64::MAX (which overflowed the query builder),
        // u64::MAX (which wrapped to the first page), past the bound.
        for forged in [
            "o:9223372036854775807",
            "o:18446744073709551615",
            "o:1000000",
        ] {
            let cursor = URL_SAFE_NO_PAD.encode(forged);
            assert!(
                matches!(
                    PageRequest::parse(None, Some(&cursor)),
                    Err(Error::BadUserInput(_))
                ),
                "{forged}"
            );
        }
        assert_eq!(
            PageRequest::parse(None, Some(&encode_cursor(MAX_OFFSET - 1)))
                .unwrap()
                .offset,
            MAX_OFFSET
        );
        assert_eq!(
            PageRequest::parse(None, None).unwrap().limit,
            DEFAULT_PAGE_SIZE
        );
    }
}
