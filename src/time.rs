//! Timers and the clock, picked per target in this one module: on native targets,
//! `async-io`'s [`Timer`] (a reactor-driven timer that runs on any executor) and
//! `std::time::Instant`. Every other file takes them from here and names no timer
//! crate, so bringing aiter to another target (wasm32, where `async-io` does not
//! build and `Instant::now` panics) changes this file alone.

pub(crate) use async_io::Timer;
pub(crate) use std::time::Instant;
