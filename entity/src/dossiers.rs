pub mod procedure;
