//! The local server end to end: the real `ApiClient` (happy paths) and raw HTTP (error
//! rows) against the real server on 127.0.0.1.

mod auth;
mod contract;
mod embedded;
mod error_rows;
mod exactness;
mod happy_paths;
mod isolation;
mod logs;
mod persistence;
pub mod raw;
