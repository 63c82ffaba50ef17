//! Pure parsers of outside formats: bytes in, typed values or a located error out. No file or
//! network access, no database, no clock, and never a panic on any input (each has a fuzz target).

pub mod archive;
pub mod cpe;
pub mod cpe_dictionary;
pub mod cpe_suggest;
pub mod dates;
pub mod jvn;
pub mod kev;
pub mod nmap;
pub mod nvd;
pub mod table;
pub mod version;
