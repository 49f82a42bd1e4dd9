//! Helpers shared by the fuzz targets in `fuzz_targets/` (see `fuzz/README.md`).

pub mod models;
pub mod operations;
pub mod shapes;
