//! The system as a whole: databases, the event bus, replicas and personal
//! data across subgraphs.

mod database;
mod events;
mod personal_data_across_subgraphs;
mod replicas;
