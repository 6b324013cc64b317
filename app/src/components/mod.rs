//! Shared components: the layout and form helpers.

pub mod form;
pub mod layout;
