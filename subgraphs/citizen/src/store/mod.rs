//! Every query of the citizen subgraph, and its loaders.

pub mod devices;
pub mod inbox;
pub mod key_check;
pub mod my_services;
pub mod personal_data;
pub mod pins;
pub mod profile;
pub mod records;
