pub mod agency;
