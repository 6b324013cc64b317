//! Shared components: the layout and form helpers.

pub mod charts;
pub mod form;
pub mod layout;
pub mod player;
pub mod songs;
