//! playgate decides, at the CDN edge, whether a viewer may fetch a piece of a video stream.
//!
//! The core is `no_std` + `alloc`, with no clock, no I/O and no platform code: every surface (the
//! npm package, the edge handlers, the native server and CLI) is an adapter around [`Gate::check`].
#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

extern crate alloc;

pub mod akamai;
pub mod binding;
pub mod cache;
mod claims;
pub mod config;
mod error;
pub mod es384;
pub mod event;
mod gate;
pub mod ip;
mod json;
mod jwt;
pub mod mint;
pub mod path;
pub mod policy;
mod request;
pub mod revocation;
mod spki;

pub use cache::{CachingGate, TokenCache};
pub use claims::{MaxResolution, VerifiedClaims};
pub use config::{Config, ConfigError};
pub use error::Reason;
pub use gate::{Allow, Decision, Deny, Forward, Gate, Host};
pub use request::{parse_cookie_header, Request};
