//! sea-orm entities, one module per subgraph. A subgraph reads and writes only
//! the tables of its own module; foreign entities are referred to by key.

pub mod citizen;
pub mod content;
pub mod directories;
pub mod dossiers;
pub mod feedback;
pub mod gateway;
pub mod geo;
pub mod outbox_event;
pub mod seed_run;
