//! Shared building blocks of the actors and engines: the node's clock and lock stripes.

mod clock;
mod striped;

pub use clock::Clock;
pub use striped::Striped;
