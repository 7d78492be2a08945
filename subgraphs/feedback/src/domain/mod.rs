//! Reports as the domain sees them: no GraphQL, no SQL. The workflow's
//! state machine and who may take each step, and what a caller's input
//! becomes before it reaches the store — one parser per input, so the
//! GraphQL mutations and Open311 cannot disagree.

pub mod new_report;
pub mod search;
pub mod steps;
pub mod workflow;
