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
                return Err(Error::BadUserInput(format!(
                    "`first` is {n}; it must be between 0 and {MAX_PAGE_SIZE}"
                )))
            }
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(Error::BadUserInput(format!(
                    "`first` is {n}; the largest page is {MAX_PAGE_SIZE}"
                )))
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

fn decode_cursor(cursor: &str) -> Result<u64> {
    let invalid = || Error::BadUserInput("`after` is not a cursor this list returned".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("o:")
        .and_then(|n| n.parse().ok())
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
        assert_eq!(
            PageRequest::parse(None, None).unwrap().limit,
            DEFAULT_PAGE_SIZE
        );
    }
}
