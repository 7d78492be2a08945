//! The end-to-end tests, one binary with a module per area: each test
//! starts what it needs through the harness (`congdan_tests`) and talks to
//! it as a client would.

mod citizen;
mod federation;
mod feedback;
mod gateway;
mod sign_in;
mod system;
