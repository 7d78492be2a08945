//! What the gateway and the subgraphs agree on: who is asking (the
//! identity token the gateway signs and subgraphs verify), the event bus,
//! and one typed contract per event.

pub mod bus;
pub mod events;
pub mod identity;
