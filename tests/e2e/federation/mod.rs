//! Federation scenarios: small test subgraphs composed behind a gateway.

mod abstract_types;
mod any_supergraph;
mod authorization;
mod directives;
mod entities;
mod partial_failure;
mod requires;
mod shaping;
