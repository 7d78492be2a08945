//! Dataloaders for what belongs to citizens: the rows of many citizens in
//! one `SELECT ... WHERE citizen_id IN (...)`, grouped by citizen.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ModelTrait, Order, QueryFilter,
    QueryOrder, Value,
};

/// Rows of `E` by their `citizen_id` column, in the given order.
pub struct ByCitizen<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    order: Vec<(E::Column, Order)>,
    entity: PhantomData<fn() -> E>,
}

/// A dataloader of `E`'s rows per citizen, spawned on tokio.
pub fn by_citizen<E>(
    db: DatabaseConnection,
    column: E::Column,
    order: Vec<(E::Column, Order)>,
) -> DataLoader<ByCitizen<E>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    DataLoader::new(
        ByCitizen {
            db,
            column,
            order,
            entity: PhantomData,
        },
        tokio::spawn,
    )
}

impl<E> Loader<String> for ByCitizen<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let mut select = E::find().filter(self.column.is_in(keys.iter().cloned()));
        for (column, order) in &self.order {
            select = select.order_by(*column, order.clone());
        }
        let rows = select.all(&self.db).await.map_err(Arc::new)?;
        let mut grouped: HashMap<String, Self::Value> = HashMap::new();
        for row in rows {
            if let Value::String(Some(owner)) = row.get(self.column) {
                grouped.entry(owner.to_string()).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// The rows of one citizen through the request's `DataLoader<ByCitizen<E>>`.
pub async fn of_citizen<E>(
    ctx: &async_graphql::Context<'_>,
    citizen_id: &str,
) -> Result<Vec<E::Model>, crate::Error>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    let loader = ctx
        .data::<DataLoader<ByCitizen<E>>>()
        .map_err(|_| DbErr::Custom("a citizen dataloader is missing".into()))?;
    Ok(loader
        .load_one(citizen_id.to_string())
        .await?
        .unwrap_or_default())
}

/// One row by primary key through the request's `DataLoader<ByKey<E>>`.
pub async fn load_row<E>(
    ctx: &async_graphql::Context<'_>,
    key: &str,
) -> Result<Option<E::Model>, crate::Error>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    let loader = ctx
        .data::<DataLoader<super::ByKey<E>>>()
        .map_err(|_| DbErr::Custom("a by-key dataloader is missing".into()))?;
    Ok(loader.load_one(key.to_string()).await?)
}
