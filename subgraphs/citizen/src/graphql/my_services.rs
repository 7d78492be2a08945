use std::collections::HashMap;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use congdan_common::directives::authenticated;
use congdan_common::loader::ByKey;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use entity::citizen::{my_service, profile, service};
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use super::Service;
use crate::store::my_services as store;
use congdan_common::loader::{load_row, of_citizen as rows_of};

/// A service in a citizen's My Services.
#[derive(SimpleObject)]
pub struct MyService {
    pub service: Service,
    /// 0 first.
    pub position: i32,
    pub added_at: DateTime<Utc>,
}

/// The services of `rows` (one batched catalog lookup), in their order;
/// services the catalog no longer has are left out.
async fn with_services(
    ctx: &Context<'_>,
    rows: Vec<my_service::Model>,
) -> Result<Vec<MyService>, Error> {
    let loader = ctx
        .data::<DataLoader<ByKey<service::Entity>>>()
        .map_err(|_| sea_orm::DbErr::Custom("no service loader".into()))?;
    let mut services: HashMap<String, service::Model> = loader
        .load_many(rows.iter().map(|r| r.service_key.clone()))
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(found) = services.remove(&row.service_key) {
            list.push(MyService {
                service: Service::try_from(found)?,
                position: row.position,
                added_at: row.added_at,
            });
        }
    }
    Ok(list)
}

/// The citizen's list through the dataloaders; the default list is made
/// on the first read.
pub async fn of_citizen(ctx: &Context<'_>, citizen_id: &str) -> Result<Vec<MyService>, Error> {
    let (rows, profile) = futures::try_join!(
        rows_of::<my_service::Entity>(ctx, citizen_id),
        load_row::<profile::Entity>(ctx, citizen_id),
    )?;
    let rows = if profile.is_some_and(|p| p.services_initialised) {
        rows
    } else {
        let db = ctx
            .data::<DatabaseConnection>()
            .map_err(|_| sea_orm::DbErr::Custom("no database".into()))?;
        store::initialise(db, citizen_id).await?
    };
    with_services(ctx, rows).await
}

#[derive(SimpleObject)]
pub struct MyServicesPayload {
    /// The list after the change (unchanged when refused).
    pub my_services: Vec<MyService>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct MyServicesMutation;

impl MyServicesMutation {
    async fn payload(
        ctx: &Context<'_>,
        citizen_id: &str,
        outcome: Result<Vec<my_service::Model>, UserError>,
    ) -> Result<MyServicesPayload> {
        let (rows, user_errors) = match outcome {
            Ok(rows) => (rows, Vec::new()),
            Err(error) => {
                let db = ctx.data::<DatabaseConnection>()?;
                let rows = store::list(db, citizen_id).await.map_err(Error::from)?;
                (rows, vec![error])
            }
        };
        Ok(MyServicesPayload {
            my_services: with_services(ctx, rows).await?,
            user_errors,
        })
    }
}

#[Object]
impl MyServicesMutation {
    /// Adds a catalog service at the end of My Services; adding one that
    /// is there already changes nothing.
    #[graphql(directive = authenticated::apply())]
    async fn add_my_service(&self, ctx: &Context<'_>, key: String) -> Result<MyServicesPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let outcome = store::add(db, &record.id, &key)
            .await
            .map_err(Error::from)?;
        Self::payload(ctx, &record.id, outcome).await
    }

    /// Removes a service from My Services; removing one that is not there
    /// changes nothing.
    #[graphql(directive = authenticated::apply())]
    async fn remove_my_service(&self, ctx: &Context<'_>, key: String) -> Result<MyServicesPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = store::remove(db, &record.id, &key)
            .await
            .map_err(Error::from)?;
        Self::payload(ctx, &record.id, Ok(rows)).await
    }

    /// Puts My Services in the order of `keys`, which names every service
    /// of the list exactly once.
    #[graphql(directive = authenticated::apply())]
    async fn reorder_my_services(
        &self,
        ctx: &Context<'_>,
        keys: Vec<String>,
    ) -> Result<MyServicesPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let outcome = store::reorder(db, &record.id, &keys)
            .await
            .map_err(Error::from)?;
        Self::payload(ctx, &record.id, outcome).await
    }
}
