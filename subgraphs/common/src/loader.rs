//! The generic dataloaders. [`by_key`]: every entity looked up by its
//! string primary key — a batch of `_entities` representations (or of list
//! items' references) costs one `SELECT ... WHERE pk IN (...)`.
//! [`by_citizen`]: what belongs to citizens, grouped by citizen.

mod by_citizen;

pub use by_citizen::{by_citizen, load_row, of_citizen, ByCitizen};

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, Value,
};

pub struct ByKey<E> {
    db: DatabaseConnection,
    entity: PhantomData<fn() -> E>,
}

/// A dataloader for entity `E`, spawned on tokio.
pub fn by_key<E>(db: DatabaseConnection) -> DataLoader<ByKey<E>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    DataLoader::new(
        ByKey {
            db,
            entity: PhantomData,
        },
        tokio::spawn,
    )
}

fn key_column<E: EntityTrait>() -> Result<E::Column, DbErr> {
    E::PrimaryKey::iter()
        .next()
        .map(|pk| pk.into_column())
        .ok_or_else(|| DbErr::Custom("entity without primary key".into()))
}

impl<E> Loader<String> for ByKey<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, E::Model>, Self::Error> {
        let column = key_column::<E>().map_err(Arc::new)?;
        let rows = E::find()
            .filter(column.is_in(keys.iter().cloned()))
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.get(column) {
                Value::String(Some(key)) => Some((key.to_string(), row)),
                _ => None,
            })
            .collect())
    }
}

/// Loads one `E` by key through the request's `DataLoader<ByKey<E>>` and
/// turns it into its GraphQL object.
pub async fn load_one<E, T>(
    ctx: &async_graphql::Context<'_>,
    key: String,
) -> async_graphql::Result<Option<T>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    T: TryFrom<E::Model, Error = crate::Error>,
{
    let loader = ctx.data::<DataLoader<ByKey<E>>>()?;
    let row = loader.load_one(key).await.map_err(crate::Error::from)?;
    Ok(row.map(T::try_from).transpose()?)
}

/// The entity for one `_entities` representation. An unknown key is null
/// with a `NOT_FOUND` error at this entity (async-graphql alone answers a
/// silent null, and an error returned from here would null the whole
/// batch), so the gateway reports it at the client's path.
pub async fn load_entity<E, T>(
    ctx: &async_graphql::Context<'_>,
    key: String,
    (what_vi, what_en): (&str, &str),
) -> async_graphql::Result<Option<T>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    T: TryFrom<E::Model, Error = crate::Error>,
{
    let found = load_one::<E, T>(ctx, key).await?;
    if found.is_none() {
        let error = async_graphql::Error::from(crate::Error::not_found(what_vi, what_en));
        ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    }
    Ok(found)
}
