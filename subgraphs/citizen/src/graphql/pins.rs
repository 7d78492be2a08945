use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::directives::authenticated;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use entity::citizen::pin;
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use super::refs::PinnedItem;
use crate::domain::pins::PinnedItemType;
use crate::store::pins as store;

/// An item of another domain a citizen pinned; the gateway fetches the
/// item's fields from its owner.
#[derive(SimpleObject)]
pub struct Pin {
    pub id: ID,
    pub pinned_at: DateTime<Utc>,
    pub item_type: PinnedItemType,
    /// The item, with its fields from its owner; null when the owner no
    /// longer has it (see ADR 5).
    pub item: Option<PinnedItem>,
}

impl Pin {
    /// None for a row of a type this build does not know.
    pub fn from_row(row: pin::Model) -> Option<Self> {
        let kind = PinnedItemType::parse(&row.item_type)?;
        Some(Self {
            id: ID(row.id),
            pinned_at: row.pinned_at,
            item_type: kind,
            item: Some(PinnedItem::new(kind, row.item_key)),
        })
    }
}

/// An item to pin or unpin: its type and its owner's key.
#[derive(InputObject)]
pub struct PinItemInput {
    #[graphql(name = "type")]
    pub kind: PinnedItemType,
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct PinPayload {
    /// The pin (the first one when the item was pinned already); null when
    /// refused.
    pub pin: Option<Pin>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct UnpinPayload {
    /// Whether the item was pinned.
    pub unpinned: bool,
    pub user_errors: Vec<UserError>,
}

fn refused(error: UserError) -> PinPayload {
    PinPayload {
        pin: None,
        user_errors: vec![error],
    }
}

#[derive(Default)]
pub struct PinsMutation;

#[Object]
impl PinsMutation {
    /// Pins an item of another domain: a report, a ward, an agency, a
    /// procedure, an article. A key that cannot be one of its type's keys
    /// is refused (`INVALID_KEY`); so is a pin beyond 100 (`PIN_LIMIT`).
    #[graphql(directive = authenticated::apply())]
    async fn pin(&self, ctx: &Context<'_>, input: PinItemInput) -> Result<PinPayload> {
        let record = signed_in(ctx).await?;
        let key = match input.kind.check_key(&input.id) {
            Ok(key) => key,
            Err(message) => {
                return Ok(refused(UserError::new(
                    &["input", "id"],
                    "INVALID_KEY",
                    message,
                )))
            }
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let outcome = store::pin(db, &record.id, input.kind, &key)
            .await
            .map_err(Error::from)?;
        Ok(match outcome {
            Ok(row) => PinPayload {
                pin: Pin::from_row(row),
                user_errors: Vec::new(),
            },
            Err(error) => refused(error),
        })
    }

    /// Unpins an item; unpinning one that is not pinned changes nothing.
    #[graphql(directive = authenticated::apply())]
    async fn unpin(&self, ctx: &Context<'_>, input: PinItemInput) -> Result<UnpinPayload> {
        let record = signed_in(ctx).await?;
        let Ok(key) = input.kind.check_key(&input.id) else {
            return Ok(UnpinPayload {
                unpinned: false,
                user_errors: Vec::new(),
            });
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let unpinned = store::unpin(db, &record.id, input.kind, &key)
            .await
            .map_err(Error::from)?;
        Ok(UnpinPayload {
            unpinned,
            user_errors: Vec::new(),
        })
    }
}
