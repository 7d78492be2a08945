//! The one way a subgraph is built. A subgraph crate says what is its own —
//! its name, its root types, what its resolvers find in the request's data
//! (the database, loaders, settings) — by implementing [`Subgraph`]; its
//! schema, its SDL and its HTTP router are made here, so every subgraph has
//! federation, the control-character guard and localized errors alike.

use async_graphql::{
    EmptyMutation, EmptySubscription, ObjectType, Schema, SchemaBuilder, SubscriptionType,
};
use sea_orm::DatabaseConnection;

use crate::server::{self, Deps};

/// What a subgraph crate declares about itself.
pub trait Subgraph {
    /// Its name in the supergraph (`feedback`).
    const NAME: &'static str;
    type Query: ObjectType + 'static;
    type Mutation: ObjectType + 'static;
    type Subscription: SubscriptionType + 'static;

    /// Its root objects.
    fn roots() -> (Self::Query, Self::Mutation, Self::Subscription);

    /// Puts what its resolvers read from the request's data into `schema`.
    fn data(
        &self,
        schema: SchemaBuilder<Self::Query, Self::Mutation, Self::Subscription>,
        deps: &Deps,
    ) -> SchemaBuilder<Self::Query, Self::Mutation, Self::Subscription>;
}

/// A subgraph that only answers queries: its name, its query root, and the
/// one value (a loader, usually) its resolvers read besides the database.
pub trait QueryOnly {
    const NAME: &'static str;
    type Query: ObjectType + Default + 'static;
    type Data: std::any::Any + Send + Sync;

    fn data(db: DatabaseConnection) -> Self::Data;
}

impl<T: QueryOnly> Subgraph for T {
    const NAME: &'static str = <T as QueryOnly>::NAME;
    type Query = T::Query;
    type Mutation = EmptyMutation;
    type Subscription = EmptySubscription;

    fn roots() -> (T::Query, EmptyMutation, EmptySubscription) {
        (T::Query::default(), EmptyMutation, EmptySubscription)
    }

    fn data(
        &self,
        schema: SchemaBuilder<T::Query, EmptyMutation, EmptySubscription>,
        deps: &Deps,
    ) -> SchemaBuilder<T::Query, EmptyMutation, EmptySubscription> {
        schema
            .data(<T as QueryOnly>::data(deps.db.clone()))
            .data(deps.db.clone())
    }
}

/// A subgraph's schema of the given kind.
pub type SchemaOf<S> =
    Schema<<S as Subgraph>::Query, <S as Subgraph>::Mutation, <S as Subgraph>::Subscription>;

/// The schema before the data: federation, subscriptions in federation
/// (only printed when there is a subscription root), the guards every
/// subgraph has.
fn builder<S: Subgraph>() -> SchemaBuilder<S::Query, S::Mutation, S::Subscription> {
    let (query, mutation, subscription) = S::roots();
    Schema::build(query, mutation, subscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .extension(crate::control_characters::RefuseControlCharacters)
        .extension(crate::localize::LocalizeErrors)
}

/// The subgraph's executable schema.
pub fn schema<S: Subgraph>(subgraph: &S, deps: &Deps) -> SchemaOf<S> {
    subgraph.data(builder::<S>(), deps).finish()
}

/// The subgraph's HTTP surface (`/graphql`, `/health`, `/ready`).
pub fn router<S: Subgraph>(subgraph: &S, deps: &Deps) -> axum::Router {
    server::router(schema(subgraph, deps), deps)
}

/// The subgraph's federation SDL, as `_service { sdl }` returns it.
pub fn sdl<S: Subgraph>() -> String {
    server::federation_sdl(&builder::<S>().finish())
}
