//! The `congdan` binary's library: configuration, the six subgraphs as one
//! registry, database setup, demo data, supergraph composition and the
//! running modes (all-in-one, gateway, one subgraph).

pub mod compose;
pub mod config;
pub mod db;
pub mod seed;
pub mod serve;
pub mod subgraphs;
pub mod telemetry;
