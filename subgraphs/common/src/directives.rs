//! Federation directives async-graphql has no attribute for.
//! `@authenticated`: only signed-in callers may select the field; the
//! gateway refuses it before execution and the resolver checks again.
//! async-graphql prints it as a custom directive; [`crate::server::federation_sdl`]
//! turns that into the federation import composition understands.

use async_graphql::TypeDirective;

#[TypeDirective(location = "FieldDefinition", location = "Object")]
pub fn authenticated() {}
