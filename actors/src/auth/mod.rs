//! Auth methods. The token store's endpoints (`auth/token/`) are built in and always present.

pub mod token;
