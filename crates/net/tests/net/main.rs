//! Tests of mamori-net against servers started on loopback inside the tests
//! (never the internet). One test binary: the modules below.

#[macro_use]
mod support;

mod download;
mod mail;
mod nvd;
mod proxy;
mod webhook;
