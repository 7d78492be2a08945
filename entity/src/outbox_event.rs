//! The transactional outbox: an event written in the same transaction as
//! the change that causes it, published to the event bus by the relay.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    /// UUID v7: ordering by id orders by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub topic: String,
    /// The version of the topic's contract the payload follows.
    pub version: i32,
    /// The event payload as JSON text.
    pub payload: String,
    pub occurred_at: DateTimeUtc,
    /// Set once the bus has acknowledged the event.
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
